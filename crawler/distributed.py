"""Redis mode: several worker processes, one crawl.

Switched on by ``REDIS_URL`` (environment or setting). Then ``scrapy crawl baohatinh`` started N
times is N workers of one crawl: they share scrapy-redis's request queue and a dupefilter, the
state store (``STATE_URI`` defaults to the same Redis), the claims that keep an article from
being emitted twice, and heartbeats that tell live workers from dead ones.

A *crawl* is what the workers of one wave share; its id scopes the dupefilter and the claims.
When the last live worker closes, the crawl ends. A worker that finds a crawl whose workers are
all dead starts a new one: requests those workers had in flight were never delivered (their
feed files stayed ``.part``), so the new crawl discovers and emits them again, once.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

try:  # Redis mode is an extra (pip install 'vnnews-crawler[redis]'): a single-machine crawl
    # imports this module (redis_errors) without redis or scrapy-redis installed.
    from scrapy_redis.dupefilter import RFPDupeFilter
    from scrapy_redis.scheduler import Scheduler
except ImportError:  # pragma: no cover - exercised by the no-extras install check
    RFPDupeFilter = Scheduler = object

from crawler.store import redact_uri

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

PREFIX = "vnnews:"
CLOSE_REASON = "redis_unavailable"


def redis_url(settings: BaseSettings) -> str:
    return (settings.get("REDIS_URL") or "").strip()


def apply_redis_mode(settings: BaseSettings) -> None:
    """Settings of Redis mode, applied when REDIS_URL is set; explicit -s settings still win."""
    url = redis_url(settings)
    if not url:
        return
    prio = "spider"
    settings.set("SCHEDULER", "crawler.distributed.CrawlScheduler", prio)
    settings.set("DUPEFILTER_CLASS", "crawler.distributed.CrawlDupeFilter", prio)
    settings.set("SCHEDULER_PERSIST", True, prio)
    # Never block the reactor waiting on an empty queue; idling is handled by Workers.
    settings.set("SCHEDULER_IDLE_BEFORE_CLOSE", 0, prio)
    settings.set("SCHEDULER_QUEUE_KEY", PREFIX + "%(spider)s:requests", prio)
    if (settings.getpriority("STATE_URI") or 0) <= SETTINGS_PRIORITIES["project"]:
        settings.set("STATE_URI", url, prio)
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["crawler.distributed.Workers"] = 450
    settings.set("EXTENSIONS", extensions, prio)


def _server(crawler: Crawler) -> Any:
    import redis

    return redis.Redis.from_url(redis_url(crawler.settings), socket_timeout=10,
                                socket_connect_timeout=10, decode_responses=True)


def redis_available() -> bool:
    """Whether Redis mode's packages (redis, scrapy-redis) are installed."""
    import importlib.util

    try:
        return all(importlib.util.find_spec(m) is not None for m in ("redis", "scrapy_redis"))
    except (ImportError, ValueError):
        return False


def redis_errors() -> tuple[type[BaseException], ...]:
    """Errors of the state store or Redis (connection lost, SQLite disk full, I/O error, a
    file corrupted under a running crawl): each ends the run cleanly, never a traceback."""
    import sqlite3

    from crawler.store import StoreError

    try:
        import redis
    except ImportError:  # no Redis extra installed: no Redis error can happen
        return (StoreError, sqlite3.Error)
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
            redis.exceptions.ResponseError, StoreError, sqlite3.Error)


# --- the crawl: id, members, claims ------------------------------------------------------------

class Crawl:
    """Keys of one spider's shared crawl."""

    def __init__(self, server: Any, spider_name: str, run_id: str):
        self.server = server
        self.spider = spider_name
        self.run_id = run_id
        self.base = f"{PREFIX}{spider_name}"
        # Workers of an earlier crawl found dead when joining: this crawl resumes theirs.
        self.dead_found: list[str] = []

    @property
    def crawl_key(self) -> str:
        return f"{self.base}:crawl"

    @property
    def workers_key(self) -> str:
        return f"{self.base}:workers"

    def alive_key(self, run_id: str) -> str:
        return f"{self.base}:alive:{run_id}"

    def server_run(self) -> str:
        """The Redis server process's run id: a new one after every restart."""
        return str(self.server.info("server").get("run_id", ""))

    def is_alive(self, run_id: str) -> bool:
        """A worker is alive when its heartbeat key exists *and* was written to this Redis
        process. Heartbeats restored from the AOF after a restart carry the old server's run
        id: their workers lost Redis and closed, even if the keys have not expired yet."""
        beat = self.server.get(self.alive_key(run_id))
        return beat is not None and beat == self.server_run()

    def live_workers(self) -> list[str]:
        workers = self.server.hkeys(self.workers_key)
        if not workers:
            return []
        current = self.server_run()
        beats = self.server.mget([self.alive_key(w) for w in workers])
        return [w for w, beat in zip(workers, beats, strict=True) if beat == current]

    def join(self, ttl: int) -> str:
        """Register this worker and return the crawl id (a new one when nobody is alive).

        Atomic against workers starting at the same moment: the heartbeat is written first,
        and the crawl key is only created with SET NX or replaced with compare-and-set, so
        two newcomers always end up in one crawl."""
        self.heartbeat(ttl)
        self._await_stale_beats(ttl)
        self.server.hset(self.workers_key, self.run_id, json.dumps(
            {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}))
        for _ in range(10):
            current = self.server.get(self.crawl_key)
            others = [w for w in self.live_workers() if w != self.run_id]
            if current and others:
                return str(current)
            if current is None:
                if self.server.set(self.crawl_key, self.run_id, nx=True):
                    self._purge_dead()
                    return self.run_id
                continue  # another worker created it just now: join it
            # A crawl whose workers all died: take it over (if nobody else just did).
            if self._replace(str(current)):
                self._purge_dead()
                self._forget(str(current))
                return self.run_id
        return str(self.server.get(self.crawl_key) or self.run_id)

    def _await_stale_beats(self, ttl: int) -> None:
        """Heartbeats written to an earlier Redis process (restored from the AOF after a
        restart) prove nothing: wait one heartbeat period for their workers to beat again on
        this one. A worker that rode out the restart does; a dead one does not."""
        period = max(ttl / 3, 1) + 1
        deadline = time.monotonic() + period
        while time.monotonic() < deadline:
            workers = [w for w in self.server.hkeys(self.workers_key) if w != self.run_id]
            if not workers:
                return
            current = self.server_run()
            beats = self.server.mget([self.alive_key(w) for w in workers])
            if not any(b is not None and b != current for b in beats):
                return
            time.sleep(0.25)

    def _replace(self, old: str) -> bool:
        script = self.server.register_script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            "redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0")
        return bool(script(keys=[self.crawl_key], args=[old, self.run_id]))

    def _purge_dead(self) -> None:
        live = set(self.live_workers())
        for dead in self.server.hkeys(self.workers_key):
            if dead != self.run_id and dead not in live:
                self.server.hdel(self.workers_key, dead)
                self.server.delete(self.alive_key(dead))
                self.dead_found.append(dead)

    def heartbeat(self, ttl: int) -> None:
        self.server.set(self.alive_key(self.run_id), self.server_run(), ex=ttl)

    def leave(self, crawl_id: str, queue_empty: bool) -> tuple[bool, bool]:
        """Unregister; the last worker out ends the crawl. Returns (ended, clean): clean when
        no worker of the crawl died (a dead worker's articles wait for the next crawl)."""
        self.server.delete(self.alive_key(self.run_id))
        self.server.hdel(self.workers_key, self.run_id)
        registered = self.server.hkeys(self.workers_key)
        live = self.live_workers()
        if not live and queue_empty:
            if self.server.get(self.crawl_key) == crawl_id:
                self.server.delete(self.crawl_key)
            self._forget(crawl_id)
            # Dead workers stay registered: the next crawl sees them and resumes.
            return True, not registered
        return False, False

    def _forget(self, crawl_id: str) -> None:
        self.server.delete(f"{self.base}:seen:{crawl_id}", f"{self.base}:claims:{crawl_id}",
                           f"{self.base}:depth:{crawl_id}", f"{self.base}:related:{crawl_id}")


_CLAIM_SCRIPT = """
for i, key in ipairs(ARGV) do
  if i > 1 then
    local holder = redis.call('HGET', KEYS[1], key)
    if holder then return {key, holder} end
  end
end
for i, key in ipairs(ARGV) do
  if i > 1 then redis.call('HSET', KEYS[1], key, ARGV[1]) end
end
return nil
"""


# Depths and parked related links of one crawl, in two hashes (KEYS[1] depths, KEYS[2]
# parked links). Both scripts run atomically, so "the article was parsed" and "the article
# was found closer to a list page" are ordered: whichever comes second follows the links,
# and nobody fetches the page again.
#
# lower(key, depth, limit): record depth if lower; return {previous depth, parked links if
# the new depth lets them be followed (taken out of the hash)}.
_DEPTH_SCRIPT = """
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if (not prev) or tonumber(ARGV[2]) < tonumber(prev) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
local parked = false
if tonumber(ARGV[2]) < tonumber(ARGV[3]) then
  parked = redis.call('HGET', KEYS[2], ARGV[1])
  if parked then redis.call('HDEL', KEYS[2], ARGV[1]) end
end
return {prev, parked}
"""
# parsed(key, links, depth, limit): the depth to follow the links at (the shallowest any
# worker found the article at), or -1 after parking them because the limit stops them.
_PARSED_SCRIPT = """
local best = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or ARGV[3])
if tonumber(ARGV[3]) < best then best = tonumber(ARGV[3]) end
if best < tonumber(ARGV[4]) then return best end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return -1
"""


class SharedDepths:
    """The shallowest related-link depth each article was found at, across the workers of a
    crawl, and the related links of parsed articles the depth limit stopped. A worker that
    finds such an article closer to a list page follows the parked links itself instead of
    fetching the page again."""

    def __init__(self, server: Any, spider_name: str, crawl_id: str):
        self.key = f"{PREFIX}{spider_name}:depth:{crawl_id}"
        self.parked_key = f"{PREFIX}{spider_name}:related:{crawl_id}"
        self.lower_script = server.register_script(_DEPTH_SCRIPT)
        self.parsed_script = server.register_script(_PARSED_SCRIPT)

    def lower(self, article_key: str, depth: int,
              limit: int) -> tuple[int | None, tuple[list[str], str] | None]:
        """Record depth if lower. Returns the previous depth (None: first time seen) and the
        parked (links, referer) when this depth, under ``limit``, lets them be followed."""
        prev, parked = self.lower_script(keys=[self.key, self.parked_key],
                                         args=[article_key, depth, limit])
        return (None if prev is None else int(prev)), _unpark(parked)

    def parsed(self, article_key: str, links: list[str], referer: str, depth: int,
               limit: int) -> int | None:
        """A worker parsed the article: the depth to follow its links at, or None after
        parking them for a worker that finds the article closer to a list page."""
        payload = json.dumps({"links": links, "referer": referer}, ensure_ascii=False)
        best = self.parsed_script(keys=[self.key, self.parked_key],
                                  args=[article_key, payload, depth, limit])
        return None if int(best) < 0 else int(best)


def _unpark(raw: Any) -> tuple[list[str], str] | None:
    if not raw:
        return None
    data = json.loads(raw)
    return list(data["links"]), str(data["referer"])


class RedisClaims:
    """Claims shared by the workers of one crawl: the first to claim an article's keys emits it."""

    def __init__(self, server: Any, spider_name: str, crawl_id: str):
        self.server = server
        self.key = f"{PREFIX}{spider_name}:claims:{crawl_id}"
        self.script = server.register_script(_CLAIM_SCRIPT)

    def claim(self, keys: list[str], holder: str) -> tuple[str, str] | None:
        """Claim all keys for holder ("site\\turl"); or the (key, holder) that has one."""
        found = self.script(keys=[self.key], args=[holder, *keys])
        return (str(found[0]), str(found[1])) if found else None


# --- scheduler and dupefilter ------------------------------------------------------------------

class CrawlDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared dupefilter, scoped to the current crawl. Fingerprints are taken
    over the request URL, which the spiders have already canonicalised (tracking parameters
    gone, m./AMP hosts mapped), so two spellings of one page are one request."""

    @classmethod
    def from_spider(cls, spider: Spider) -> CrawlDupeFilter:
        from scrapy_redis.connection import get_redis_from_settings

        server = get_redis_from_settings(spider.settings)
        # The scheduler opens before the first request: the moment to join the crawl.
        crawl_id = Workers.of(spider.crawler).join(spider)
        return cls(server, key=f"{PREFIX}{spider.name}:seen:{crawl_id}",
                   debug=spider.settings.getbool("DUPEFILTER_DEBUG"))

    def clear(self) -> None:
        # The crawl's end (crawler.distributed.Crawl.leave) clears it, not each worker.
        return None


class CrawlScheduler(Scheduler):
    """scrapy-redis's scheduler with Redis failures turned into one clear error and a closed
    run (exit status non-zero), instead of a traceback per request."""

    def open(self, spider: Spider) -> None:
        try:
            super().open(spider)
        except redis_errors() as exc:
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
        except redis_errors() as exc:
            self._fail(self.spider, exc)
            return False

    def next_request(self) -> Request | None:
        try:
            request: Request | None = self.queue.pop(self.idle_before_close)
        except redis_errors() as exc:
            self._fail(self.spider, exc)
            return None
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        try:
            return bool(super().has_pending_requests())
        except redis_errors() as exc:
            self._fail(self.spider, exc)
            return False

    def _fail(self, spider: Spider, exc: BaseException) -> None:
        fail_run(spider.crawler, exc)


def fail_run(crawler: Crawler, exc: BaseException) -> None:
    """Log one line (password redacted) and close the run (exit status 1), once: Redis or the
    state store failed mid-run."""
    if crawler.__dict__.get("_vnnews_redis_failed"):
        return
    crawler.__dict__["_vnnews_redis_failed"] = True
    message = redact_secrets(" ".join(str(exc).split()) or type(exc).__name__)
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        # Damaged under a running crawl (quick_check passed at the start).
        from crawler.store.sqlite import RECOVERY

        uri = redact_uri(crawler.settings.get("STATE_URI") or "")
        message = f"{uri} is corrupted: {message}{RECOVERY}"
    if redis_url(crawler.settings):
        logger.error("lost the connection to Redis at %s (%s): closing this worker; run it "
                     "again once Redis is back, nothing delivered is lost",
                     redact_uri(redis_url(crawler.settings)), message)
    else:
        logger.error("the state store failed (%s): closing the run; run it again once the "
                     "store is back, nothing delivered is lost", message)
    if crawler.stats is not None:
        crawler.stats.set_value("redis/failed", 1)
    from crawler import runstatus

    what = "Redis" if redis_url(crawler.settings) else "state store"
    crawler.__dict__.setdefault("_vnnews_failures", {}).setdefault(
        runstatus.STORE, []).append(f"{what}: {message}")
    if crawler.engine is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(crawler.engine.close_spider_async(reason=CLOSE_REASON))


_SECRET_IN_URL = re.compile(r"(\b[a-z][a-z0-9+.-]*://)([^:/@\s]*):([^@\s]+)@", re.I)


def redact_secrets(text: str) -> str:
    """Passwords inside any URL of a text.

    >>> redact_secrets("Error connecting to redis://:hunter2@10.1.1.1:6379/0")
    'Error connecting to redis://:***@10.1.1.1:6379/0'
    """
    return _SECRET_IN_URL.sub(lambda m: f"{m.group(1)}{m.group(2)}:***@", text)


class RedactSecretsFilter(logging.Filter):
    """Masks passwords of URLs in every log line (e.g. Scrapy's "Overridden settings")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_log_redaction() -> None:
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactSecretsFilter) for f in handler.filters):
            handler.addFilter(RedactSecretsFilter())


# --- the worker extension ----------------------------------------------------------------------

class Workers:
    """Joins the crawl, beats the heart, waits for work while others are busy, leaves."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.ttl = crawler.settings.getint("REDIS_HEARTBEAT_TTL")
        self.idle_close = crawler.settings.getfloat("REDIS_IDLE_CLOSE")
        self.server = _server(crawler)
        self.crawl: Crawl | None = None
        self.crawl_id = ""
        self.depths: SharedDepths | None = None
        self.idle_since: float | None = None
        self._beat: Any = None

    @classmethod
    def of(cls, crawler: Crawler) -> Workers:
        ext = crawler.__dict__.get("_vnnews_workers")
        if ext is None:
            ext = cls.from_crawler(crawler)
        return ext

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Workers:
        if not redis_url(crawler.settings):
            raise NotConfigured("REDIS_URL is not set")
        if "_vnnews_workers" in crawler.__dict__:
            workers: Workers = crawler.__dict__["_vnnews_workers"]
            return workers
        ext = cls(crawler)
        crawler.__dict__["_vnnews_workers"] = ext
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
        from twisted.internet import task

        self._beat = task.LoopingCall(self._heartbeat)
        self._beat.start(max(self.ttl / 3, 1), now=False)
        logger.info("Redis mode: worker %s joined crawl %s at %s (%d live workers)",
                    spider.run_id, self.crawl_id,  # type: ignore[attr-defined]
                    redact_uri(redis_url(self.crawler.settings)), len(self.crawl.live_workers()))
        from crawler.state import StateManager

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
        except redis_errors() as exc:
            fail_run(self.crawler, exc)

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        self.idle_since = None

    def spider_idle(self, spider: Spider) -> None:
        if self.crawler.__dict__.get("_vnnews_redis_failed") or self.crawl is None:
            return
        try:
            pushed = spider.pushed_requests()  # type: ignore[attr-defined]
            queued = len(self.crawler.engine._slot.scheduler)  # type: ignore[union-attr,arg-type]
            others = [w for w in self.crawl.live_workers() if w != self.crawl.run_id]
        except redis_errors() as exc:
            fail_run(self.crawler, exc)
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
        from crawler import runstatus

        if reason != "finished" or runstatus.failures(self.crawler):
            # This worker failed (feed disk full, crawler errors...): some articles it
            # claimed may be undelivered. It stays registered but not alive, like a dead
            # worker, so the crawl does not end clean (no topic validators saved) and the
            # next crawl resumes what it left.
            self.crawler.__dict__["_vnnews_clean_crawl_end"] = False
            try:
                self.server.delete(self.crawl.alive_key(self.crawl.run_id))
            except redis_errors():
                pass
            return
        try:
            ended, clean = self.crawl.leave(self.crawl_id, queue_empty and reason == "finished")
            # Topic validators (304s next time) are safe to keep only after a clean crawl.
            self.crawler.__dict__["_vnnews_clean_crawl_end"] = ended and clean
            if ended:
                logger.info("Redis mode: last worker out, crawl %s ended%s", self.crawl_id,
                            "" if clean else " (some workers died: the next crawl resumes)")
        except redis_errors():
            logger.warning("Redis mode: could not unregister worker (Redis unavailable)")


def push_start_urls(url: str, spider_name: str, start_urls: list[str]) -> int:
    """Queue start URLs for the workers of ``spider_name`` (``python -m crawler push``)."""
    import redis

    server = redis.Redis.from_url(url)
    return int(server.rpush(f"{PREFIX}{spider_name}:start_urls", *start_urls))
