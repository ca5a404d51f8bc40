"""One article, one emission across the workers of a crawl: the first worker to claim an
article's keys (URL, the site's id, body fingerprint) emits it; the others drop it."""

from __future__ import annotations

from typing import Any

from crawler.redis import PREFIX

_CLAIM_SCRIPT = """
for i, key in ipairs(ARGV) do
  if i > 1 then
    local holder = redis.call('HGET', KEYS[1], key)
    if holder then return {key, holder} end
  end
end
for i, key in ipairs(ARGV) do
  if i > 1 then redis.call('HSET', KEYS[1], key, ARGV[1]) end
end
return nil
"""


class RedisClaims:
    """Claims shared by the workers of one crawl: the first to claim an article's keys emits it."""

    def __init__(self, server: Any, spider_name: str, crawl_id: str):
        self.server = server
        self.key = f"{PREFIX}{spider_name}:claims:{crawl_id}"
        self.script = server.register_script(_CLAIM_SCRIPT)

    def claim(self, keys: list[str], holder: str) -> tuple[str, str] | None:
        """Claim all keys for holder ("site\\turl"); or the (key, holder) that has one."""
        found = self.script(keys=[self.key], args=[holder, *keys])
        return (str(found[0]), str(found[1])) if found else None
