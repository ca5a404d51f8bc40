"""Downloader middlewares: polite retries and a guard against requests we must never send."""

from __future__ import annotations

import asyncio
import logging
import random
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import (
    RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware,
)
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.response import response_status_message

from crawler import runstatus
from crawler.netguard import (
    GuardedResolver,
    host_refusal,
    installed_resolver,
    on_domains,
    parse_networks,
)
from crawler.runstatus import fail_store
from crawler.store.errors import store_errors

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date).

    >>> retry_after_seconds(b"120")
    120.0
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT",
    ...                     now=datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC))
    30.0
    >>> retry_after_seconds("soon") is None
    True
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(attempt: int, base: float, cap: float, jitter: float = 0.0) -> float:
    """Exponential backoff: base * 2^(attempt-1), capped, with optional jitter.

    >>> [backoff_seconds(n, 0.5, 4.0) for n in (1, 2, 3, 4, 5)]
    [0.5, 1.0, 2.0, 4.0, 4.0]
    """
    delay: float = min(cap, base * 2 ** max(attempt - 1, 0))
    return delay * (1 + random.uniform(-jitter, jitter)) if jitter else delay


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, but waiting before each one: exponential backoff, or the server's
    ``Retry-After`` (429/503) when it gives one, capped by ``RETRY_AFTER_MAX``. The wait holds
    only this request; other requests go on."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler.settings)
        self.crawler = crawler
        settings = crawler.settings
        self.base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX")
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _delay(self, request: Request, response: Response | None) -> float:
        attempt = request.meta.get("retry_times", 0) + 1
        if response is not None and response.status in (429, 503):
            wanted = retry_after_seconds(response.headers.get(b"Retry-After"))
            if wanted is not None:
                self.crawler.stats.inc_value("retry/retry_after")
                if wanted > self.retry_after_max:
                    self.crawler.stats.inc_value("retry/retry_after_capped")
                return min(wanted, self.retry_after_max)
        return backoff_seconds(attempt, self.base, self.cap, jitter=0.2)

    async def _wait_then(self, retry: Request | None, delay: float) -> Request | None:
        if retry is not None and delay > 0:
            # Scrapy annotates the count as int; the stats add any number (seconds here).
            self.crawler.stats.inc_value(
                "retry/wait_seconds", round(delay, 3))  # type: ignore[arg-type]
            await asyncio.sleep(delay)
        return retry

    # Coroutine overrides of RetryMiddleware's sync methods (Scrapy awaits either kind); no
    # signature can say so to a type checker, hence the two override ignores.
    async def process_response(  # type: ignore[override]
            self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self._delay(request, response)
        retry = self._retry(request, response_status_message(response.status))
        return await self._wait_then(retry, delay) or response

    async def process_exception(  # type: ignore[override]
            self, request: Request, exception: Exception) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(
                exception, self.exceptions_to_retry):
            return None
        delay = self._delay(request, None)
        return await self._wait_then(self._retry(request, exception), delay)


class SafetyMiddleware:
    """Refuse every request the crawler must not send, whoever made it (start and topic pages,
    feeds, sitemaps, robots.txt, each redirect hop, meta refresh; ``dont_filter`` or not):
    a scheme other than http(s), a host off the spider's site domains, a host that is a blocked
    address in any numeric spelling, and (outside mirror mode) a host name resolving to a
    blocked address. See crawler/netguard.py.

    A refusal is one warning line, the counters ``fetch/refused`` and
    ``fetch/refused_<kind>``, and an IgnoreRequest: the spider's errback records the URL's
    outcome (``failed``, ``ignored: <reason>``) in the manifest.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        # In mirror mode every request is fetched from the mirror: real hosts are checked by
        # name and domain only (they are never resolved nor connected to).
        self.mirror = bool(settings.get("MIRROR"))
        self.allow = parse_networks(settings.getlist("NETGUARD_ALLOW_NETWORKS"))
        self.site_only = settings.getbool("NETGUARD_SITE_DOMAINS_ONLY", True)
        self._resolver: GuardedResolver | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("SAFETY_ENABLED", True):
            raise NotConfigured("SAFETY_ENABLED is off")
        return cls(crawler)

    def resolver(self) -> GuardedResolver:
        """The reactor's guarded resolver; installed here when the process did not install
        it (an in-process CrawlerRunner, or another TWISTED_DNS_RESOLVER), so connections are
        never made to unchecked addresses."""
        from twisted.internet import reactor

        if self._resolver is None:
            self._resolver = installed_resolver(reactor)
            if self._resolver is None:
                self._resolver = GuardedResolver.from_crawler(self.crawler, reactor)
                self._resolver.install_on_reactor()
                logger.info("network guard: installed the guarded DNS resolver")
        return self._resolver

    def refusal_by_name(self, url: str) -> tuple[str, str] | None:
        """(kind, reason) when the URL is refused without resolving anything."""
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            return "malformed", "malformed URL"
        if parts.scheme.lower() not in ("http", "https"):
            return "scheme", f"scheme {parts.scheme or '(none)'} is not http(s)"
        if not host:
            return "malformed", "no host"
        reason = host_refusal(host, self.allow)
        if reason:
            return "address", reason
        domains = getattr(self.crawler.spider, "allowed_domains", None) or ()
        if self.site_only and domains and not on_domains(host, domains):
            return "offsite", f"off-site host {host} (site domains: {', '.join(domains)})"
        return None

    async def process_request(self, request: Request) -> None:
        from scrapy.utils.defer import maybe_deferred_to_future

        refused = self.refusal_by_name(request.url)
        if refused is None and not self.mirror:
            host = urlsplit(request.url).hostname or ""
            verdict = await maybe_deferred_to_future(self.resolver().check(host))
            # A name that does not resolve is left to the download (a DNS error, retried);
            # any other refusal is final.
            if isinstance(verdict, str) and not verdict.startswith(f"{host} does not resolve"):
                refused = ("address", verdict)
        if refused is not None:
            kind, reason = refused
            self.stats.inc_value("fetch/refused")
            self.stats.inc_value(f"fetch/refused_{kind}")
            via = request.meta.get("redirect_urls")
            origin = f" (redirected from {via[0]})" if via else ""
            # One line per refusal: a request with an errback gets it from the spider ("fetch
            # failed for URL: ignored: refused: ..."); robots.txt and others get it here.
            level = logging.DEBUG if request.errback else logging.WARNING
            logger.log(level, "refused request to %s%s: %s", request.url, origin, reason)
            raise IgnoreRequest(f"refused: {reason}{origin}")


class StoreFailureMiddleware:
    """A spider callback that hits an unreachable state store or Redis (StoreError, Redis
    connection errors) ends the run with one clear error line instead of a traceback per
    response; nothing undelivered is lost (the next run fetches it again)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: BaseException
                                 ) -> list[object] | None:
        if isinstance(exception, store_errors()):
            fail_store(self.crawler, exception)
            return []
        if not isinstance(exception, Exception):
            return None
        # Any other exception is a crawler bug on this page: one line naming it, the page
        # accounted for in the manifest (with the exception's message), the run goes on and
        # ends with exit status 6. The page is not marked seen: the next run tries it again.
        message = str(exception).strip().splitlines()
        line = f"{type(exception).__name__}: {message[0] if message else ''}".rstrip(": ")
        spider = self.crawler.spider
        account = getattr(spider, "account", None)
        if account is not None:
            account(response, "failed", f"extraction error: {line}")
        runstatus.fail(self.crawler, runstatus.CALLBACK, f"{response.url}: {line}")
        return []


class _RobotsTracebackFilter(logging.Filter):
    """Drops Scrapy's own records about a failed robots.txt fetch (an ERROR with a full
    traceback from the robots.txt middleware, a "Gave up retrying .../robots.txt" from the
    retry middleware): RobotsTxtMiddleware below logs one line for it instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Error downloading %(request)s"):
            return False
        if message.startswith("Gave up retrying") and isinstance(record.args, dict):
            request = record.args.get("request")
            return not str(getattr(request, "url", "")).endswith("/robots.txt")
        return True


_ROBOTS_FILTER = _RobotsTracebackFilter()


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt handling, with a failed fetch (TLS error, refused connection, DNS
    failure, timeout) reported as one warning line and the counter ``fetch/robots_failed``
    instead of a traceback. As in Scrapy, the site is then crawled as if robots.txt allowed
    everything; the pages themselves fail (and are recorded) if the site is really down."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        for name in ("scrapy.downloadermiddlewares.robotstxt",
                     "scrapy.downloadermiddlewares.retry"):
            target = logging.getLogger(name)
            if _ROBOTS_FILTER not in target.filters:
                target.addFilter(_ROBOTS_FILTER)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if not isinstance(exc, IgnoreRequest):
            self._stats.inc_value("fetch/robots_failed")
            # "[<twisted.python.failure.Failure OpenSSL.SSL.Error: [...]>]" -> the error inside.
            text = re.sub(r"<twisted\.python\.failure\.Failure ([^>]*)>", r"\1", str(exc))
            detail = text.strip().splitlines()[0] if text.strip() else ""
            logger.warning("robots.txt of %s not fetched (%s%s): crawling as if it allowed all",
                           netloc, type(exc).__name__, f": {detail}" if detail else "")
        super()._robots_error(exc, netloc)
