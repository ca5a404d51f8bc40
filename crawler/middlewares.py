"""Downloader middlewares: polite retries and a guard against requests we must never send."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.response import response_status_message

from crawler.urls import is_private_host

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
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
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
            self.crawler.stats.inc_value("retry/wait_seconds", round(delay, 3))
            await asyncio.sleep(delay)
        return retry

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self._delay(request, response)
        retry = self._retry(request, response_status_message(response.status))
        return await self._wait_then(retry, delay) or response

    async def process_exception(self, request: Request, exception: Exception
                                ) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(
                exception, self.exceptions_to_retry):
            return None
        delay = self._delay(request, None)
        return await self._wait_then(self._retry(request, exception), delay)


class SafetyMiddleware:
    """Never send a request to a loopback, private or link-local address, whatever links a
    page holds (the mirror is reached by the download handler, not through request URLs)."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("SAFETY_ENABLED", True):
            raise NotConfigured("SAFETY_ENABLED is off")
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        from urllib.parse import urlsplit

        host = urlsplit(request.url).hostname or ""
        if is_private_host(host):
            self.stats.inc_value("fetch/blocked_private_host")
            logger.warning("blocked request to a private address: %s", request.url)
            raise IgnoreRequest(f"private address: {host}")
        return None


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
        from crawler.distributed import fail_run, redis_errors

        if isinstance(exception, redis_errors()):
            fail_run(self.crawler, exception)
            return []
        if not isinstance(exception, Exception):
            return None
        # Any other exception is a crawler bug on this page: one line naming it, the page
        # accounted for in the manifest (with the exception's message), the run goes on and
        # ends with exit status 6. The page is not marked seen: the next run tries it again.
        from crawler import runstatus

        message = str(exception).strip().splitlines()
        line = f"{type(exception).__name__}: {message[0] if message else ''}".rstrip(": ")
        spider = self.crawler.spider
        account = getattr(spider, "account", None)
        if account is not None:
            account(response, "failed", f"extraction error: {line}")
        runstatus.fail(self.crawler, runstatus.CALLBACK, f"{response.url}: {line}")
        return []
