"""Bench-only extension: log the crawler's memory and its biggest holders every few seconds.

Enable with ``-s EXTENSIONS={"bench.memprobe.MemProbe": 0} -s MEMPROBE_FILE=path``
(``MEMPROBE_INTERVAL`` seconds between samples, default 15). Each line is JSON: RSS, scheduler
queue length, dupefilter size, items and pages so far, live objects by type (top 15),
responses and requests alive, and the lengths of the spider's and state manager's in-run
indexes. ``-s MEMPROBE_TRACEMALLOC=1`` also traces Python allocations and, at the item counts
of ``MEMPROBE_SNAP_ITEMS`` (default 2000,6000), writes the 25 biggest growths since the
previous mark (slow: for diagnosis only).
"""

from __future__ import annotations

import gc
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy import signals

from crawler.runcontext import RunContext


def _rss_mb() -> float:
    with Path("/proc/self/status").open() as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _sizes(crawler: Any) -> dict[str, int]:
    """Lengths of the crawl's in-memory indexes (spider, state manager)."""
    out: dict[str, int] = {}
    spider = getattr(crawler, "spider", None)
    state = RunContext.of(crawler).state
    for owner, names in ((spider, ("ledger", "_best_depth", "_related_of", "_item_origin")),
                         (state, ("_signatures", "_band_urls", "_closing", "_claims",
                                  "_validators", "files"))):
        for name in names:
            value = getattr(owner, name, None)
            if value is not None:
                out[name] = len(value)
    return out


class MemProbe:
    def __init__(self, crawler: Any, path: str, interval: float):
        self.crawler = crawler
        self.path = path
        self.interval = interval
        self.task: Any = None
        self.snapshot: Any = None
        self.traced = crawler.settings.getbool("MEMPROBE_TRACEMALLOC")
        # Item counts at which to snapshot; the second and later are compared to the previous.
        self.marks = [int(x) for x in crawler.settings.getlist("MEMPROBE_SNAP_ITEMS",
                                                                ["2000", "6000"])]
        if self.traced:
            import tracemalloc

            tracemalloc.start(5)

    @classmethod
    def from_crawler(cls, crawler: Any) -> MemProbe:
        ext = cls(crawler, crawler.settings.get("MEMPROBE_FILE", "memprobe.jsonl"),
                  crawler.settings.getfloat("MEMPROBE_INTERVAL", 15))
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider: Any) -> None:
        from twisted.internet import task

        self.task = task.LoopingCall(self.sample)
        self.task.start(self.interval, now=False)

    def closed(self, spider: Any) -> None:
        if self.task and self.task.running:
            self.task.stop()
        self.sample()

    def sample(self) -> None:
        engine = self.crawler.engine
        sched = getattr(engine, "_slot", None) or getattr(engine, "slot", None)
        scheduler = getattr(sched, "scheduler", None)
        df = getattr(scheduler, "df", None)
        counts = Counter(type(o).__name__ for o in gc.get_objects())
        row = {
            "t": round(time.time(), 1),
            "rss_mb": round(_rss_mb(), 1),
            "queue": len(scheduler) if scheduler is not None else None,
            "dupefilter": len(df) if hasattr(df, "__len__") else None,
            "items": self.crawler.stats.get_value("item_scraped_count"),
            "pages": self.crawler.stats.get_value("response_received_count"),
            "objects": sum(counts.values()),
            "sizes": _sizes(self.crawler),
            "responses": counts.get("HtmlResponse", 0) + counts.get("TextResponse", 0),
            "requests": counts.get("Request", 0),
            "downloading": len(getattr(engine.downloader, "active", ()) or ()),
            "scraping": len(getattr(getattr(engine.scraper, "slot", None), "active", ()) or ()),
            "scrape_bytes": getattr(getattr(engine.scraper, "slot", None), "active_size", None),
            "top": counts.most_common(15),
        }
        if self.traced:
            import tracemalloc

            row["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
            items = row["items"] or 0
            if self.marks and items >= self.marks[0]:
                self.marks.pop(0)
                snap = tracemalloc.take_snapshot()
                if self.snapshot is not None:
                    row["growth"] = [
                        ("; ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}"
                                   for f in d.traceback), round(d.size_diff / 2**20, 2),
                         d.count_diff)
                        for d in snap.compare_to(self.snapshot, "traceback")[:25]
                    ]
                self.snapshot = snap
        with Path(self.path).open("a") as fh:
            fh.write(json.dumps(row) + "\n")
