"""Scrapy add-ons (the ``ADDONS`` setting, crawler/settings.py): settings that follow from
other settings, applied once per crawl instead of from inside the spider.

- ``RedisMode``: ``REDIS_URL`` set makes the run a worker of a shared crawl (scheduler,
  dupefilter, worker membership, ``STATE_URI`` defaulting to the same Redis).
- ``MirrorPoliteness``: ``MIRROR`` or ``REPLAY`` set relaxes the politeness meant for real
  sites (``MIRROR_DOWNLOAD_DELAY``, ``MIRROR_CONCURRENT_REQUESTS_PER_DOMAIN``, no
  AutoThrottle): the mirror is our own local server, and a replay fetches nothing at all.
- ``FeedOptions``: ``FEED_ROLLOVER_ITEMS`` and ``FEED_GZIP`` applied to the project's own feed
  (``FEEDS`` in settings.py; a feed given with ``-o``/``-O``/``-s FEEDS`` is left as given).

Priorities: values are set at Scrapy's "spider" priority, not "addon". An add-on's usual
"addon" priority is below the project's settings.py, and these add-ons exist to change
values settings.py sets (``DOWNLOAD_DELAY = 0.5``, ``FEEDS``, ``SCHEDULER``); "spider" is above
the project and below the command line, so ``-s DOWNLOAD_DELAY=2`` still wins, as does
``-s SCHEDULER=...`` in Redis mode. They run after the spider's ``custom_settings`` and so
override those few names too, as the spider's own ``update_settings`` did before them.

When: ``update_settings`` runs when the crawl starts (``Crawler._apply_settings``), after
``scrapy crawl``'s preflight. Redis mode must be on before that: the preflight opens the
state store (``STATE_URI``), which in Redis mode is the crawl's Redis. So ``RedisMode`` uses
``update_pre_crawler_settings``, applied to the settings the crawler is then made from.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.feeds import PROJECT_FEED_PREFIX
from crawler.redis.mode import apply_redis_mode

# Above settings.py (project), below the command line (-s): see the module's docstring.
PRIORITY = "spider"


class RedisMode:
    """``REDIS_URL`` set: the Redis components and ``STATE_URI`` (crawler/redis/mode.py)."""

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        apply_redis_mode(settings)


class MirrorPoliteness:
    """``MIRROR`` or ``REPLAY`` set: politeness relaxed for our own local server."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not (settings.get("MIRROR") or settings.get("REPLAY")):
            return
        settings.set("DOWNLOAD_DELAY", settings.getfloat("MIRROR_DOWNLOAD_DELAY"), PRIORITY)
        settings.set("AUTOTHROTTLE_ENABLED", False, PRIORITY)
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN",
                     settings.getint("MIRROR_CONCURRENT_REQUESTS_PER_DOMAIN"), PRIORITY)


class FeedOptions:
    """``FEED_ROLLOVER_ITEMS`` and ``FEED_GZIP`` on the project's feed."""

    def update_settings(self, settings: BaseSettings) -> None:
        rollover = settings.getint("FEED_ROLLOVER_ITEMS")
        gzip_on = settings.getbool("FEED_GZIP")
        if not (rollover or gzip_on):
            return
        feeds = {uri: project_feed(uri, dict(options), rollover, gzip_on)
                 for uri, options in settings.getdict("FEEDS").items()}
        # -O/-o put FEEDS at command-line priority: set it one level above, so that the
        # project's feed (kept beside them when FEED_DIR is given too) is rolled over as well.
        given = settings.getpriority("FEEDS") or 0
        spider = SETTINGS_PRIORITIES[PRIORITY]
        settings.set("FEEDS", dict(feeds.values()), spider if given < spider else given + 1)


def project_feed(uri: str, options: dict[str, Any], rollover: int,
                 gzip_on: bool) -> tuple[str, dict[str, Any]]:
    """A FEEDS entry with rollover and gzip applied when it is the project's own feed.

    >>> project_feed("%(feed_dir)s/%(name)s-%(run_id)s.jsonl", {}, 1000, True)
    ('%(feed_dir)s/%(name)s-%(run_id)s-%(batch_id)04d.jsonl.gz', \
{'batch_item_count': 1000, 'postprocessing': ['scrapy.extensions.postprocessing.GzipPlugin']})
    >>> project_feed("out.jsonl", {"format": "jsonlines"}, 1000, True)
    ('out.jsonl', {'format': 'jsonlines'})
    """
    if not uri.startswith(PROJECT_FEED_PREFIX):
        return uri, options
    if rollover:
        uri = uri.replace("%(run_id)s", "%(run_id)s-%(batch_id)04d")
        options["batch_item_count"] = rollover
    if gzip_on:
        uri += ".gz"
        options["postprocessing"] = ["scrapy.extensions.postprocessing.GzipPlugin"]
    return uri, options
