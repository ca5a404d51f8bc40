"""What became of every URL the spider asked for: the run's ledger, read by the manifest.

Every article URL requested gets an outcome (pending, then emitted, dropped, not_article,
failed...), so that nothing discovered is silently lost. List pages and feeds are in it too.
Emitted articles are only counted: they are in the feed, and the ledger stays small however
long the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


class Ledger:
    """URL -> (outcome, reason), plus the number of emitted articles.

    An item yielded by the spider is settled by what the pipelines did with it (Scrapy's
    item signals); requests lost inside Scrapy (an off-site redirect, a redirect loop) by
    the scheduler's signals. ``on_site`` tells whether a URL belongs to the crawled sites.
    """

    def __init__(self, on_site: Callable[[str], bool] = lambda url: True,
                 stats: Callable[[], Any] | None = None):
        self.urls: dict[str, tuple[str, str]] = {}
        self.emitted = 0
        self.on_site = on_site
        # The crawl's stats collector, asked for when needed (the spider is built before the
        # crawler's stats exist).
        self.stats: Callable[[], Any] = stats or (lambda: None)
        # id(item) -> the URL it was discovered under, until the pipelines decide.
        self.origin: dict[int, str] = {}

    def connect(self, crawler: Any) -> None:
        """Listen to the crawl's item and scheduler signals (called by the spider)."""
        self.stats = lambda: crawler.stats
        crawler.signals.connect(self.on_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.on_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.on_error, signal=signals.item_error)
        crawler.signals.connect(self.on_dropped_request, signal=signals.request_dropped)
        crawler.signals.connect(self.on_scheduled, signal=signals.request_scheduled)

    def account(self, response: Response | None, outcome: str, reason: str = "",
                url: str | None = None) -> None:
        key = url or (response.meta.get("discovered_url", response.url) if response else "")
        if key:
            self.urls[key] = (outcome, reason)

    def expect(self, item: Any, origin: str) -> None:
        """An item handed to the pipelines: its URL is settled when they are done with it."""
        self.origin[id(item)] = origin

    def settle(self, item: Any, outcome: str, reason: str) -> None:
        origin = self.origin.pop(id(item), None)
        if not origin:
            return
        if outcome == "emitted":
            # Emitted articles are in the feed: only their number is kept, so the ledger
            # holds what was not emitted and stays small however long the run.
            self.urls.pop(origin, None)
            self.emitted += 1
        else:
            self.urls[origin] = (outcome, reason)

    def settle_unfinished(self, why: str) -> int:
        """At the end of a run, give every URL still pending an outcome (nothing stays
        pending in a manifest); returns how many there were."""
        unfinished = [u for u, (outcome, _) in self.urls.items() if outcome == "pending"]
        for url in unfinished:
            self.urls[url] = ("not_fetched", why)
        return len(unfinished)

    def undelivered(self, urls: list[str], reason: str) -> None:
        """Articles whose feed file failed: counted as emitted when handed to the exporter,
        they are not delivered (the next run fetches them again)."""
        for url in urls:
            self.urls[url] = ("undelivered", reason)
        self.emitted = max(0, self.emitted - len(urls))

    def pending(self, url: str) -> bool:
        return self.urls.get(url, ("", ""))[0] == "pending"

    # --- signal handlers -------------------------------------------------------------------

    def on_scraped(self, item: Any, response: Any, spider: Any) -> None:
        self.settle(item, "emitted", "")

    def on_dropped(self, item: Any, response: Any, exception: BaseException,
                   spider: Any) -> None:
        self.settle(item, "dropped", str(exception))

    def on_error(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        self.settle(item, "failed", f"pipeline error: {failure.getErrorMessage()}")

    def on_scheduled(self, request: scrapy.Request, spider: Any) -> None:
        """Scrapy's offsite filter drops a redirect that leaves the site at scheduling time,
        silently (no errback, no signal): account for its article here."""
        url = request.meta.get("discovered_url")
        if not url or not request.meta.get("redirect_urls") or request.dont_filter:
            return
        if self.on_site(request.url):
            return
        if not self.pending(url):
            return
        self.stats().inc_value("fetch/offsite_redirect")
        host = urlsplit(request.url).hostname or request.url
        logger.warning("redirected off the site to %s: %s", host, url)
        self.urls[url] = ("failed", f"off-site redirect to {host}")

    def on_dropped_request(self, request: scrapy.Request, spider: Any) -> None:
        """The scheduler refused a request (already seen): a redirect that comes back to a
        page already asked for is a redirect loop; it must not leave its article pending."""
        url = request.meta.get("discovered_url")
        if not url or not self.pending(url):
            return
        hops = request.meta.get("redirect_urls", [])
        reason = f"redirect loop ({len(hops)} hops)" if hops else "duplicate request"
        self.stats().inc_value("fetch/redirect_loop" if hops else "fetch/duplicate")
        logger.warning("%s: %s", reason, url)
        self.urls[url] = ("failed", reason)


def failure_reason(failure: Failure) -> str:
    """A short, stable reason for a failed fetch: 'HTTP 404', 'oversize: ...', 'timeout'..."""
    if isinstance(failure.value, HttpError):
        return f"HTTP {failure.value.response.status}"
    message = failure.getErrorMessage()
    kind = failure.type.__name__ if failure.type else "Error"
    if "max size" in message or "maxsize" in message.lower():
        return f"oversize: {message}"
    if "Timeout" in kind or "timed out" in message.lower():
        return f"timeout: {message}"
    if kind == "IgnoreRequest":
        return f"ignored: {message}"
    if kind == "NotInArchive":  # REPLAY (crawler.replay): never fetched
        return message
    return f"{kind}: {message}"


def fetch_failed(failure: Failure, stats: Any) -> tuple[str, str]:
    """Count a failed fetch; returns (the URL it was discovered under, the reason)."""
    request = failure.request  # type: ignore[attr-defined]
    reason = failure_reason(failure)
    stats.inc_value(f"fetch/{reason.split(':', 1)[0].replace(' ', '_').lower()}")
    if reason in ("HTTP 404", "HTTP 410") and request.meta.get("known_revision"):
        # An article delivered before has been taken down.
        stats.inc_value("fetch/gone")
        reason = f"gone ({reason}) since revision {request.meta['known_revision']}"
    logger.warning("fetch failed for %s: %s", request.url, reason)
    stats.inc_value("fetch/failed")
    return request.meta.get("discovered_url", request.url), reason
