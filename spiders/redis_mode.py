"""The spider's side of Redis mode (``REDIS_URL`` set): topic pages pushed to the crawl, and
the related-link depths its workers share. The Redis package is imported only when Redis mode
is on, so that a single-machine crawl never loads the Redis client."""

from __future__ import annotations

from typing import Any

from crawler.runcontext import redis_url
from spiders.depth import Shared


def redis_mode(settings: Any) -> bool:
    return bool(redis_url(settings))


def pushed_urls(crawler: Any, spider_name: str, limit: int) -> list[str]:
    """Topic pages pushed to Redis (``python -m crawler push``) for this spider."""
    from crawler.redis import PREFIX  # Redis mode only (see the module's docstring)
    from crawler.redis.workers import Workers

    server = Workers.of(crawler).server
    return list(server.lpop(f"{PREFIX}{spider_name}:start_urls", limit) or [])


def shared_depths(crawler: Any) -> Shared | None:
    """The crawl's shared depths in Redis mode (None before this worker joined the crawl,
    and outside Redis mode)."""
    if not redis_mode(crawler.settings):
        return None
    from crawler.redis.workers import Workers  # Redis mode only (see the module's docstring)

    depths: Shared | None = Workers.of(crawler).depths
    return depths
