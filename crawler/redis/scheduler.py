"""The scheduler of Redis mode (``SCHEDULER``): scrapy-redis's shared request queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

# Only Redis mode loads this module (settings name it): the optional scrapy-redis is there.
from scrapy_redis.scheduler import Scheduler

from crawler.runstatus import fail_store
from crawler.store.errors import store_errors

if TYPE_CHECKING:
    from scrapy import Request, Spider


class CrawlScheduler(Scheduler):
    """scrapy-redis's scheduler with Redis failures turned into one clear error and a closed
    run (exit status non-zero), instead of a traceback per request."""

    def open(self, spider: Spider) -> None:
        try:
            super().open(spider)
        except store_errors() as exc:
            self._fail(spider, exc)

    # scrapy-redis passes `spider` to StatsCollector.inc_value, deprecated in current Scrapy:
    # these two methods do the same work with the current API.
    def enqueue_request(self, request: Request) -> bool:
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/redis")
            self.queue.push(request)
            return True
        except store_errors() as exc:
            self._fail(self.spider, exc)
            return False

    def next_request(self) -> Request | None:
        try:
            request: Request | None = self.queue.pop(self.idle_before_close)
        except store_errors() as exc:
            self._fail(self.spider, exc)
            return None
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        try:
            return bool(super().has_pending_requests())
        except store_errors() as exc:
            self._fail(self.spider, exc)
            return False

    def _fail(self, spider: Spider, exc: BaseException) -> None:
        fail_store(spider.crawler, exc)
