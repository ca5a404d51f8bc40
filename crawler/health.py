"""Failing loudly when a site changes its layout.

A redesign rarely breaks a crawl outright: it silently turns every article into an empty one.
This extension watches what the extractor gets from article pages and, once a minimum sample
is in, ends the run as ``layout_changed`` when the share of pages missing a field passes a
threshold, or as soon as the first page of a topic yields no article links. The run then exits
non-zero (crawler.commands.crawl) and the manifest names the site, the field and the URLs.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Custom signals sent by the spider and the validate pipeline.
article_checked = object()  # kwargs: url, site, missing (list of field names; "article" = none)
topic_empty = object()  # kwargs: url, site

CLOSE_REASON = "layout_changed"
MAX_URLS = 20


@dataclass
class HealthState:
    """Counts of article pages and of pages missing each watched field, per site."""

    min_sample: int
    max_share: float
    pages: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    missing: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, site: str, url: str, missing: list[str]) -> None:
        self.pages[site] += 1
        for name in missing:
            self.counts[(site, name)] += 1
            if len(self.missing[(site, name)]) < MAX_URLS:
                self.missing[(site, name)].append(url)

    def failures(self) -> list[dict[str, Any]]:
        """Fields whose missing share passed the threshold, on sites with enough pages.

        >>> s = HealthState(min_sample=2, max_share=0.5)
        >>> s.add("a.vn", "u1", ["body"]); s.add("a.vn", "u2", ["body"]); s.add("a.vn", "u3", [])
        >>> [(f["site"], f["field"], f["share"]) for f in s.failures()]
        [('a.vn', 'body', 0.667)]
        """
        out = []
        for (site, name), count in sorted(self.counts.items()):
            sample = self.pages[site]
            share = count / sample if sample else 0.0
            if sample >= self.min_sample and share > self.max_share:
                out.append({"site": site, "field": name, "share": round(share, 3),
                            "pages": sample, "urls": list(self.missing[(site, name)])})
        return out


class LayoutHealth:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.state = HealthState(settings.getint("HEALTH_MIN_SAMPLE"),
                                 settings.getfloat("HEALTH_MAX_MISSING_SHARE"))
        self.empty_topics: list[dict[str, str]] = []
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LayoutHealth:
        if not crawler.settings.getbool("HEALTH_ENABLED", True):
            raise NotConfigured("HEALTH_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.on_article, signal=article_checked)
        crawler.signals.connect(ext.on_topic_empty, signal=topic_empty)
        crawler.signals.connect(ext.on_close, signal=signals.spider_closed)
        return ext

    def on_article(self, url: str, site: str, missing: list[str]) -> None:
        self.state.add(site, url, missing)
        if not self.failed and self.state.failures():
            self._fail("share of article pages missing a field passed the threshold")

    def on_topic_empty(self, url: str, site: str) -> None:
        self.empty_topics.append({"site": site, "field": "article_links", "urls": [url]})
        if not self.failed:
            self._fail(f"first page of topic {url} yields no article links")

    def _fail(self, why: str) -> None:
        self.failed = True
        self._record()
        for f in self.crawler.stats.get_value("health/failures", []):
            logger.error("layout changed on %s: %s missing on %s of %s pages (e.g. %s)",
                         f["site"], f["field"], f.get("share", "all"), f.get("pages", "1"),
                         ", ".join(f["urls"][:3]))
        logger.error("stopping the run: %s", why)
        engine = self.crawler.engine
        if engine is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason=CLOSE_REASON))

    def _record(self) -> None:
        stats = self.crawler.stats
        failures = self.state.failures() + self.empty_topics
        stats.set_value("health/failures", failures)
        if failures:
            stats.set_value("health/failed", 1)

    def on_close(self, spider: Any, reason: str) -> None:
        # The last pages may have tipped the balance after the last check.
        self._record()
