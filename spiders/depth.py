"""Related-link ("Đọc thêm") depth bookkeeping: at which depth each article was found, and
which related links to follow when.

An article found on a list page or in a feed is at depth 0; an article found in the related
box of one at depth d is at depth d + 1; related links are followed while d < the limit
(``DISCOVERY_RELATED_DEPTH``). Articles are fetched before list pages, so an article is often
first reached through a chain of related links and only later closer to a list page: its
related links (and theirs) must then be followed again at the shorter depth, even if the limit
had stopped them. Nothing here makes requests or touches the crawler: the spider asks
``found`` / ``parsed`` and requests the links of the ``Follow`` it gets back.

In Redis mode the workers of a crawl share the depths (crawler.redis.depths.SharedDepths):
the links of an article the limit stopped are parked in Redis for the worker that finds the
article closer to a list page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from crawler.compact import DepthMap

# Related links of parsed articles kept in memory (local mode) in case an article is found
# again closer to a list page; the oldest go first, so memory stays bounded on long runs.
RELATED_MEMORY = 2_000


class Shared(Protocol):
    """The crawl-wide depths of Redis mode (crawler.redis.depths.SharedDepths)."""

    def lower(self, article_key: str, depth: int,
              limit: int) -> tuple[int | None, tuple[list[str], str] | None]: ...

    def parsed(self, article_key: str, links: list[str], referer: str, depth: int,
               limit: int) -> int | None: ...


@dataclass(frozen=True)
class Follow:
    """Related links to request now, at ``depth``, with their article's URL as referer."""

    links: list[str]
    referer: str
    depth: int
    parked: bool = False  # they come from Redis, parked there by another worker


def article_key(site: str, article_id: str | None, url: str) -> str:
    """The same article under two URLs (legacy .htm, mobile host) has one key.

    >>> article_key("baohatinh", "301234", "https://baohatinh.vn/x-post301234.html")
    'baohatinh:301234'
    >>> article_key("x", None, "https://x.vn/a")
    'x:https://x.vn/a'
    """
    return f"{site}:{article_id or url}"


class DepthBook:
    """Best depth per article key, and the related links to follow.

    ``shared`` returns the crawl's shared depths in Redis mode, None otherwise (asked on
    every call: a Redis worker has them only once it joined the crawl).
    """

    def __init__(self, shared: Callable[[], Shared | None] = lambda: None,
                 memory: int = RELATED_MEMORY):
        # Article key -> shallowest depth it was found at: one entry per article of the
        # run, so kept compact (crawler.compact).
        self.best = DepthMap()
        # Related links of parsed articles: key -> (urls, page, depth they were followed at,
        # None while the depth limit stops them), to follow them again at a shorter depth.
        self.related: dict[str, tuple[list[str], str, int | None]] = {}
        self.shared = shared
        self.memory = memory

    def found(self, key: str, depth: int, limit: int) -> tuple[bool, Follow | None]:
        """An article link found at ``depth``: (already requested in this crawl?, related
        links now to follow because the article is closer to a list page than before)."""
        shared = self.shared()
        if key in self.best:
            if depth >= self.best[key]:
                return True, None
            # Found again closer to a list page: its related links get the shallower depth,
            # even if it was already parsed when the depth limit stopped them.
            self.best[key] = depth
            if shared is not None:
                return True, self._lower(shared, key, depth, limit)[1]
            return True, self._expand(key, limit)
        self.best[key] = depth
        if shared is None:
            return False, None
        # Another worker may have asked for it (fetched once per crawl); if the depth limit
        # had stopped its related links there, they were parked in Redis and are followed
        # from here.
        prev, follow = self._lower(shared, key, depth, limit)
        return prev is not None, follow

    def parsed(self, key: str, links: list[str], referer: str, depth: int,
               limit: int) -> Follow | None:
        """An article found at ``depth`` was parsed: its related links to follow now."""
        shared = self.shared()
        if shared is not None:
            if limit <= 0:
                return None  # related links are never followed: nothing to park
            # Workers share depths: the links are followed here at the shallowest depth any
            # worker found the article at, or parked for the worker that finds it closer.
            best = shared.parsed(key, links, referer, depth, limit)
            return None if best is None else Follow(links, referer, best + 1)
        self.related[key] = (links, referer, None)
        if len(self.related) > self.memory:
            self.related.pop(next(iter(self.related)))
        return self._expand(key, limit)

    def _expand(self, key: str, limit: int) -> Follow | None:
        """A parsed article's related links at its best depth, once per improvement of it."""
        entry = self.related.get(key)
        if entry is None:
            return None
        depth = self.best.get(key, 0) or 0
        links, referer, followed_at = entry
        if depth >= limit or (followed_at is not None and depth >= followed_at):
            return None
        self.related[key] = (links, referer, depth)
        return Follow(links, referer, depth + 1)

    @staticmethod
    def _lower(shared: Any, key: str, depth: int,
               limit: int) -> tuple[int | None, Follow | None]:
        """Record the depth in Redis; the links another worker parked for this article if
        the depth now allows them. Returns the depth recorded before (None: new) too."""
        prev, parked = shared.lower(key, depth, limit)
        if parked is None:
            return prev, None
        links, referer = parked
        return prev, Follow(links, referer, depth + 1, parked=True)
