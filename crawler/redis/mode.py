"""Switching Redis mode on: its settings, its connection, the start URLs pushed to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.redis import PREFIX
from crawler.runcontext import redis_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["PREFIX", "apply_redis_mode", "push_start_urls", "redis_url", "server"]


def apply_redis_mode(settings: BaseSettings) -> None:
    """Settings of Redis mode, applied when REDIS_URL is set; explicit -s settings still win."""
    url = redis_url(settings)
    if not url:
        return
    prio = "spider"
    settings.set("SCHEDULER", "crawler.redis.scheduler.CrawlScheduler", prio)
    settings.set("DUPEFILTER_CLASS", "crawler.redis.dupefilter.CrawlDupeFilter", prio)
    settings.set("SCHEDULER_PERSIST", True, prio)
    # Never block the reactor waiting on an empty queue; idling is handled by Workers.
    settings.set("SCHEDULER_IDLE_BEFORE_CLOSE", 0, prio)
    settings.set("SCHEDULER_QUEUE_KEY", PREFIX + "%(spider)s:requests", prio)
    if (settings.getpriority("STATE_URI") or 0) <= SETTINGS_PRIORITIES["project"]:
        settings.set("STATE_URI", url, prio)
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["crawler.redis.workers.Workers"] = 450
    settings.set("EXTENSIONS", extensions, prio)


def server(crawler: Crawler) -> Any:
    import redis  # the optional `redis` extra: only a Redis-mode crawl gets here

    return redis.Redis.from_url(redis_url(crawler.settings), socket_timeout=10,
                                socket_connect_timeout=10, decode_responses=True)


def push_start_urls(url: str, spider_name: str, start_urls: list[str]) -> int:
    """Queue start URLs for the workers of ``spider_name`` (``python -m crawler push``)."""
    import redis  # the optional `redis` extra: only `python -m crawler push` gets here

    client = redis.Redis.from_url(url)
    return int(client.rpush(f"{PREFIX}{spider_name}:start_urls", *start_urls))
