"""The Redis-mode extension (``EXTENSIONS``): joins the crawl before the first request, beats
the heart, waits for work while other workers are busy, and leaves (the last one out ends
the crawl)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from crawler import runstatus
from crawler.redis.claims import RedisClaims
from crawler.redis.depths import SharedDepths
from crawler.redis.membership import Crawl
from crawler.redis.mode import redis_url, server
from crawler.runcontext import RunContext
from crawler.runstatus import fail_store
from crawler.state import StateManager
from crawler.store import redact_uri
from crawler.store.errors import store_errors

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class Workers:
    """Joins the crawl, beats the heart, waits for work while others are busy, leaves."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.ttl = crawler.settings.getint("REDIS_HEARTBEAT_TTL")
        self.idle_close = crawler.settings.getfloat("REDIS_IDLE_CLOSE")
        self.server = server(crawler)
        self.crawl: Crawl | None = None
        self.crawl_id = ""
        self.depths: SharedDepths | None = None
        self.idle_since: float | None = None
        self._beat: Any = None

    @classmethod
    def of(cls, crawler: Crawler) -> Workers:
        ext = RunContext.of(crawler).workers
        if ext is None:
            ext = cls.from_crawler(crawler)
        return ext

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Workers:
        if not redis_url(crawler.settings):
            raise NotConfigured("REDIS_URL is not set")
        ctx = RunContext.of(crawler)
        if ctx.workers is not None:
            return ctx.workers
        ext = ctx.workers = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        return ext

    def join(self, spider: Spider) -> str:
        """The crawl this worker belongs to (joined once, before the first request)."""
        if self.crawl is not None:
            return self.crawl_id
        self.crawl = Crawl(self.server, spider.name, spider.run_id)  # type: ignore[attr-defined]
        self.crawl_id = self.crawl.join(self.ttl)
        self._beat = task.LoopingCall(self._heartbeat)
        self._beat.start(max(self.ttl / 3, 1), now=False)
        logger.info("Redis mode: worker %s joined crawl %s at %s (%d live workers)",
                    spider.run_id, self.crawl_id,  # type: ignore[attr-defined]
                    redact_uri(redis_url(self.crawler.settings)), len(self.crawl.live_workers()))
        state = StateManager.of(self.crawler)
        state.use_claims(RedisClaims(self.server, spider.name, self.crawl_id), self.is_alive)
        self.depths = SharedDepths(self.server, spider.name, self.crawl_id)
        if self.crawl.dead_found:
            logger.warning("Redis mode: workers %s of the last crawl died; this crawl resumes "
                           "what they left undelivered", ", ".join(self.crawl.dead_found))
            state.resuming.extend(self.crawl.dead_found)
        return self.crawl_id

    def is_alive(self, run_id: str) -> bool:
        return self.crawl is not None and self.crawl.is_alive(run_id)

    def _heartbeat(self) -> None:
        try:
            if self.crawl is not None:
                self.crawl.heartbeat(self.ttl)
        except store_errors() as exc:
            fail_store(self.crawler, exc)

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        self.idle_since = None

    def spider_idle(self, spider: Spider) -> None:
        if RunContext.of(self.crawler).store_failed or self.crawl is None:
            return
        try:
            pushed = spider.pushed_requests()  # type: ignore[attr-defined]
            queued = len(self.crawler.engine._slot.scheduler)  # type: ignore[union-attr,arg-type]
            others = [w for w in self.crawl.live_workers() if w != self.crawl.run_id]
        except store_errors() as exc:
            fail_store(self.crawler, exc)
            return
        for request in pushed:
            self.crawler.engine.crawl(request)
        if pushed or queued:
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        # Stay while other workers may still push requests, up to REDIS_IDLE_CLOSE seconds.
        if others and now - self.idle_since < self.idle_close:
            raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        if self.crawl is None:
            return
        try:
            queue_empty = len(
                self.crawler.engine._slot.scheduler) == 0  # type: ignore[union-attr,arg-type]
        except Exception:  # the queue is in Redis; if Redis is gone, assume work remains
            queue_empty = False
        if reason != "finished" or runstatus.failures(self.crawler):
            # This worker failed (feed disk full, crawler errors...): some articles it
            # claimed may be undelivered. It stays registered but not alive, like a dead
            # worker, so the crawl does not end clean (no topic validators saved) and the
            # next crawl resumes what it left.
            RunContext.of(self.crawler).clean_crawl_end = False
            try:
                self.server.delete(self.crawl.alive_key(self.crawl.run_id))
            except store_errors():
                pass
            return
        try:
            ended, clean = self.crawl.leave(self.crawl_id, queue_empty and reason == "finished")
            # Topic validators (304s next time) are safe to keep only after a clean crawl.
            RunContext.of(self.crawler).clean_crawl_end = ended and clean
            if ended:
                logger.info("Redis mode: last worker out, crawl %s ended%s", self.crawl_id,
                            "" if clean else " (some workers died: the next crawl resumes)")
        except store_errors():
            logger.warning("Redis mode: could not unregister worker (Redis unavailable)")
