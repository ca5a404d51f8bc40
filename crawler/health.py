"""Failing loudly when a site changes its layout.

A redesign rarely breaks a crawl outright: it silently turns every article into an empty one.
This extension watches what the extractor gets from article pages and, once a minimum sample
is in, ends the run as ``layout_changed`` when the share of pages missing a field passes a
threshold, or as soon as the first page of a topic yields no article links. The run then exits
non-zero (crawler.commands.crawl) and the manifest names the site, the field and the URLs.

Extraction is layered (crawler.sites.dispatch): when a site's profile misses a field, the CMS
family or the generic extractor fills it in, so a redesign no longer empties the articles; it
shows as layout drift instead: the share of a site's profiled pages where the profile missed a
field (or the whole article) and a fallback filled in. At HEALTH_DRIFT_WARN_SHARE a warning is
logged and the manifest lists it under ``layout_drift``; past HEALTH_MAX_MISSING_SHARE it fails
the run like a missing field (the profile needs fixing, even if the items are still whole).
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
# Sent for every article page extracted with a site profile; fields: what the profile missed
# and a fallback layer filled ("article": the profile refused the page), often empty.
fields_filled = object()  # kwargs: url, site, fields

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
    # Layout drift: profiled pages per site, and per (site, field) the pages where the profile
    # missed the field and a fallback layer filled it.
    profiled: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    drift_counts: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    drift_urls: dict[tuple[str, str], list[str]] = field(
        default_factory=lambda: defaultdict(list))

    def add(self, site: str, url: str, missing: list[str]) -> None:
        self.pages[site] += 1
        for name in missing:
            self.counts[(site, name)] += 1
            if len(self.missing[(site, name)]) < MAX_URLS:
                self.missing[(site, name)].append(url)

    def add_profiled(self, site: str, url: str, filled: list[str]) -> None:
        self.profiled[site] += 1
        for name in filled:
            self.drift_counts[(site, name)] += 1
            if len(self.drift_urls[(site, name)]) < MAX_URLS:
                self.drift_urls[(site, name)].append(url)

    def drift(self, min_share: float) -> list[dict[str, Any]]:
        """Fields a site's profile missed and a fallback filled, at ``min_share`` of its
        profiled pages or more, on sites with enough pages.

        >>> s = HealthState(min_sample=2, max_share=0.5)
        >>> s.add_profiled("a.vn", "u1", ["authors"]); s.add_profiled("a.vn", "u2", [])
        >>> [(d["site"], d["field"], d["share"]) for d in s.drift(0.1)]
        [('a.vn', 'authors', 0.5)]
        >>> s.drift(0.6)
        []
        """
        out = []
        for (site, name), count in sorted(self.drift_counts.items()):
            sample = self.profiled[site]
            share = count / sample if sample else 0.0
            if sample >= self.min_sample and share >= min_share:
                out.append({"site": site, "field": name, "kind": "fallback_filled",
                            "share": round(share, 3), "pages": sample,
                            "urls": list(self.drift_urls[(site, name)])})
        return out

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
        out += [d for d in self.drift(0.0) if d["share"] > self.max_share]
        return out


class LayoutHealth:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.state = HealthState(settings.getint("HEALTH_MIN_SAMPLE"),
                                 settings.getfloat("HEALTH_MAX_MISSING_SHARE"))
        self.drift_warn_share = settings.getfloat("HEALTH_DRIFT_WARN_SHARE")
        self.empty_topics: list[dict[str, Any]] = []
        self.warned: set[tuple[str, str]] = set()
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LayoutHealth:
        if not crawler.settings.getbool("HEALTH_ENABLED", True):
            raise NotConfigured("HEALTH_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.on_article, signal=article_checked)
        crawler.signals.connect(ext.on_topic_empty, signal=topic_empty)
        crawler.signals.connect(ext.on_fields_filled, signal=fields_filled)
        crawler.signals.connect(ext.on_close, signal=signals.spider_closed)
        return ext

    def on_article(self, url: str, site: str, missing: list[str]) -> None:
        self.state.add(site, url, missing)
        if not self.failed and self.state.failures():
            self._fail("share of article pages missing a field passed the threshold")

    def on_fields_filled(self, url: str, site: str, fields: list[str]) -> None:
        self.state.add_profiled(site, url, fields)
        if not self.state.drift_counts:
            return  # the usual case: no profile has missed anything
        for d in self.state.drift(self.drift_warn_share):
            key = (d["site"], d["field"])
            if key not in self.warned:
                self.warned.add(key)
                logger.warning("layout drift on %s: the profile missed %s on %s of %s pages, "
                               "a fallback filled it in (e.g. %s)", d["site"], d["field"],
                               d["share"], d["pages"], ", ".join(d["urls"][:3]))
                self.crawler.stats.set_value("health/drift",
                                             self.state.drift(self.drift_warn_share))
        if not self.failed and self.state.failures():
            self._fail("share of article pages whose profile missed a field passed the "
                       "threshold")

    def on_topic_empty(self, url: str, site: str) -> None:
        self.empty_topics.append({"site": site, "field": "article_links", "urls": [url]})
        if not self.failed:
            self._fail(f"first page of topic {url} yields no article links")

    def _fail(self, why: str) -> None:
        self.failed = True
        self._record()
        for f in self.crawler.stats.get_value("health/failures", []):
            what = ("missed by the profile (a fallback filled it)"
                    if f.get("kind") == "fallback_filled" else "missing")
            logger.error("layout changed on %s: %s %s on %s of %s pages (e.g. %s)",
                         f["site"], f["field"], what, f.get("share", "all"),
                         f.get("pages", "1"), ", ".join(f["urls"][:3]))
        logger.error("stopping the run: %s", why)
        engine = self.crawler.engine
        if engine is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason=CLOSE_REASON))

    def _record(self) -> None:
        stats = self.crawler.stats
        failures = self.state.failures() + self.empty_topics
        stats.set_value("health/failures", failures)
        stats.set_value("health/drift", self.state.drift(self.drift_warn_share))
        if failures:
            stats.set_value("health/failed", 1)

    def on_close(self, spider: Any, reason: str) -> None:
        # The last pages may have tipped the balance after the last check.
        self._record()
