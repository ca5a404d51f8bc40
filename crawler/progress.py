"""A one-line status every PROGRESS_INTERVAL seconds while a crawl runs.

Scrapy's LogStats says pages and items per minute; an operator watching a crawl also wants
to know how big the queue still is, which sites deliver and whether fetches fail. The line is
logged at INFO, so ``-L WARNING`` (cron) keeps the log quiet.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Sites named in the line (most articles first); the others are summed as "+N more".
MAX_SITES_SHOWN = 6


def progress_line(*, elapsed: float, pages: int, pages_before: int, interval: float,
                  articles: int, queued: int, in_flight: int, failures: int,
                  per_site: dict[str, int]) -> str:
    """The status line.

    >>> progress_line(elapsed=75, pages=150, pages_before=100, interval=10, articles=90,
    ...               queued=40, in_flight=4, failures=1, per_site={"a.vn": 60, "b.vn": 30})
    'progress 0:01:15: 150 pages (5.0/s now, 2.0/s avg), 90 articles, queue 40 (+4 in flight), \
failures 1 | a.vn 60, b.vn 30'
    """
    minutes, seconds = divmod(int(elapsed), 60)
    hours, minutes = divmod(minutes, 60)
    now_rate = (pages - pages_before) / interval if interval > 0 else 0.0
    avg_rate = pages / elapsed if elapsed > 0 else 0.0
    ranked = sorted(per_site.items(), key=lambda kv: (-kv[1], kv[0]))
    sites = ", ".join(f"{site} {n}" for site, n in ranked[:MAX_SITES_SHOWN])
    if len(ranked) > MAX_SITES_SHOWN:
        sites += f", +{len(ranked) - MAX_SITES_SHOWN} more"
    return (f"progress {hours}:{minutes:02d}:{seconds:02d}: {pages} pages ({now_rate:.1f}/s now, "
            f"{avg_rate:.1f}/s avg), {articles} articles, queue {queued} (+{in_flight} in "
            f"flight), failures {failures}" + (f" | {sites}" if sites else ""))


class Progress:
    def __init__(self, crawler: Crawler, interval: float, clock: Any = time.monotonic):
        self.crawler = crawler
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.pages_before = 0
        self.per_site: dict[str, int] = {}
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("PROGRESS_INTERVAL is 0")
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.scraped, signal=signals.item_scraped)
        return ext

    def opened(self, spider: Any) -> None:
        from twisted.internet import task

        self.started = self.clock()
        self.task = task.LoopingCall(self.log)
        self.task.start(self.interval, now=False)

    def scraped(self, item: Any, response: Any, spider: Any) -> None:
        from itemadapter import ItemAdapter

        site = ItemAdapter(item).get("site") or "?"
        self.per_site[site] = self.per_site.get(site, 0) + 1

    def line(self) -> str:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        pages = stats.get("downloader/response_count", 0)
        # Requests the scheduler holds: enqueued minus dequeued (Scrapy's own counters).
        queued = max(0, stats.get("scheduler/enqueued", 0) - stats.get("scheduler/dequeued", 0))
        engine = getattr(self.crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        in_flight = len(getattr(downloader, "active", ()) or ())
        text = progress_line(
            elapsed=self.clock() - self.started, pages=pages, pages_before=self.pages_before,
            interval=self.interval, articles=stats.get("item_scraped_count", 0),
            queued=queued, in_flight=in_flight, failures=stats.get("fetch/failed", 0),
            per_site=self.per_site)
        self.pages_before = pages
        return text

    def log(self) -> None:
        logger.info("%s", self.line())

    def closed(self, spider: Any, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
