"""Give freed memory back to the operating system during long crawls.

Parsing hundreds of 150-500 KB pages churns the C heap (libxml2 trees, response bodies);
glibc keeps freed blocks in its arenas, so a crawl's resident size creeps up with its length
although Python holds no more objects. Calling ``malloc_trim(0)`` now and then returns them.
Linux/glibc only; elsewhere the extension switches itself off.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    libc = ctypes.CDLL(name)
    return getattr(libc, "malloc_trim", None)


class MemoryTrim:
    def __init__(self, crawler: Crawler, trim: Any, interval: float):
        self.crawler = crawler
        self.trim = trim
        self.interval = interval
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MemoryTrim:
        interval = crawler.settings.getfloat("MEMORY_TRIM_INTERVAL")
        if interval <= 0:
            raise NotConfigured("MEMORY_TRIM_INTERVAL is 0")
        trim = _malloc_trim()
        if trim is None:
            raise NotConfigured("no glibc malloc_trim on this system")
        ext = cls(crawler, trim, interval)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider: Any) -> None:
        from twisted.internet import task

        self.task = task.LoopingCall(self.run)
        self.task.start(self.interval, now=False)

    def run(self) -> None:
        self.trim(0)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("memory/trims")

    def closed(self, spider: Any, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
