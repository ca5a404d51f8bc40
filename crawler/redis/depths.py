"""Related-link depths shared by the workers of a crawl (what the spider keeps in memory on
one machine): the shallowest depth each article was found at, and the related links of the
articles parsed below a list page, followed again by the worker that finds one closer to it."""

from __future__ import annotations

import json
from typing import Any

from crawler.redis import PREFIX

# Depths and related links of one crawl, in two hashes (KEYS[1] depths, KEYS[2] related links).
# Both scripts run atomically, so "the article was parsed" and "the article was found closer
# to a list page" are ordered: whichever comes second follows the links, and nobody fetches
# the page again. A related-links entry is "<depth they were followed at, -1 while the depth
# limit stops them>|<json links and referer>", kept for every article parsed at a depth above
# 0 (the same rule as one machine's DepthBook): an article found later closer to a list page
# than where its links were followed has them followed again at the shallower depth, so the
# articles they lead to (and theirs) are not cut by the depth limit.
#
# lower(key, depth, limit): record depth if lower; return {previous depth, the links if the
# new depth lets them be followed (or followed closer than before)}.
_DEPTH_SCRIPT = """
local prev = redis.call('HGET', KEYS[1], ARGV[1])
local depth = tonumber(ARGV[2])
if (not prev) or depth < tonumber(prev) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
local links = false
if depth < tonumber(ARGV[3]) then
  local entry = redis.call('HGET', KEYS[2], ARGV[1])
  if entry then
    local at, payload = string.match(entry, '^(-?%d+)|(.*)$')
    at = tonumber(at)
    if at < 0 or depth < at then
      links = payload
      if depth > 0 then
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. '|' .. payload)
      else
        redis.call('HDEL', KEYS[2], ARGV[1])
      end
    end
  end
end
return {prev, links}
"""
# parsed(key, links, depth, limit): the depth to follow the links at (the shallowest any
# worker found the article at), or -1 after parking them because the limit stops them.
_PARSED_SCRIPT = """
local best = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or ARGV[3])
if tonumber(ARGV[3]) < best then best = tonumber(ARGV[3]) end
if best < tonumber(ARGV[4]) then
  if best > 0 then redis.call('HSET', KEYS[2], ARGV[1], best .. '|' .. ARGV[2]) end
  return best
end
redis.call('HSET', KEYS[2], ARGV[1], '-1|' .. ARGV[2])
return -1
"""


class SharedDepths:
    """The shallowest related-link depth each article was found at, across the workers of a
    crawl, and the related links of articles parsed below a list page (parked while the depth
    limit stops them). A worker that finds such an article closer to a list page follows the
    links itself, at the shallower depth, instead of fetching the page again."""

    def __init__(self, server: Any, spider_name: str, crawl_id: str):
        self.key = f"{PREFIX}{spider_name}:depth:{crawl_id}"
        self.parked_key = f"{PREFIX}{spider_name}:related:{crawl_id}"
        self.lower_script = server.register_script(_DEPTH_SCRIPT)
        self.parsed_script = server.register_script(_PARSED_SCRIPT)

    def lower(self, article_key: str, depth: int,
              limit: int) -> tuple[int | None, tuple[list[str], str] | None]:
        """Record depth if lower. Returns the previous depth (None: first time seen) and the
        article's (links, referer) when this depth, under ``limit``, lets them be followed
        (parked by the limit before) or followed closer to a list page than before."""
        prev, parked = self.lower_script(keys=[self.key, self.parked_key],
                                         args=[article_key, depth, limit])
        return (None if prev is None else int(prev)), _unpark(parked)

    def parsed(self, article_key: str, links: list[str], referer: str, depth: int,
               limit: int) -> int | None:
        """A worker parsed the article: the depth to follow its links at, or None after
        parking them for a worker that finds the article closer to a list page."""
        payload = json.dumps({"links": links, "referer": referer}, ensure_ascii=False)
        best = self.parsed_script(keys=[self.key, self.parked_key],
                                  args=[article_key, payload, depth, limit])
        return None if int(best) < 0 else int(best)


def _unpark(raw: Any) -> tuple[list[str], str] | None:
    if not raw:
        return None
    data = json.loads(raw)
    return list(data["links"]), str(data["referer"])
