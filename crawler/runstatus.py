"""What a run's end means: the manifest's ``status``/``reason`` and the exit status of
``scrapy crawl``, decided in one place so that they always agree.

Exit status (also in the crawl command's docstring and the README):

== =====================================================================================
0  finished: every article found was delivered in complete feed files (or accounted for)
1  closed early: the state store or Redis failed mid-run, or the run was stopped (SIGTERM)
2  bad input, another run holds the lock, or the state store is unreadable/corrupted
3  layout changed (crawler.health)
4  delivery failed: a feed file (or the manifest) could not be written in FEED_DIR
5  nothing fetched: none of the run's start pages (topic pages, feeds) could be fetched
6  finished with errors: the crawler itself raised on some pages (listed in the manifest)
== =====================================================================================

When several apply, the lowest-numbered failure that is not 0 wins, except that a delivery
failure (4) outranks "closed early" (1): it is the one the operator must act on.
Whatever the status, nothing undelivered is recorded as seen: running the same command
again (once the cause is fixed) delivers exactly what is missing.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.utils.defer import deferred_from_coro

from crawler.logformatter import redact_secrets
from crawler.runcontext import RunContext, redis_url
from crawler.store import redact_uri
from crawler.store.errors import RECOVERY

if TYPE_CHECKING:
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CLOSED_EARLY = 1
EXIT_BAD_INPUT = 2
EXIT_UNHEALTHY = 3
EXIT_DELIVERY_FAILED = 4
EXIT_NOTHING_FETCHED = 5
EXIT_ERRORS = 6

# Failure kinds recorded during a run, with the exit status each one means.
DELIVERY = "delivery_failed"
STORE = "store_failed"
CALLBACK = "crawler_errors"
NOTHING = "nothing_fetched"
_KIND_EXIT = {DELIVERY: EXIT_DELIVERY_FAILED, STORE: EXIT_CLOSED_EARLY,
              CALLBACK: EXIT_ERRORS, NOTHING: EXIT_NOTHING_FETCHED}
# Which failure names the run when several happened (the first the operator must fix).
_PRECEDENCE = (DELIVERY, STORE, NOTHING, CALLBACK)
# The engine's close reason when Redis or the state store failed mid-run.
STORE_CLOSE_REASON = "redis_unavailable"


class PreflightError(Exception):
    """A problem found before crawling (by ``scrapy crawl``'s checks or a PREFLIGHT_CHECKS
    hook); its message is the one line the operator sees, and the exit status is 2."""


@dataclass(frozen=True)
class RunStatus:
    status: str  # "finished" or "failed"
    reason: str  # "" when finished; else "<kind>: <one line>"
    exit_code: int


def fail(crawler: Crawler, kind: str, message: str, *, close: bool = False) -> None:
    """Record a failure of the run (kept for the manifest and the exit status); the first of
    each kind is logged as one error line. ``close`` stops the run as soon as possible."""
    ctx = RunContext.of(crawler)
    failures = ctx.failures
    first = kind not in failures
    failures.setdefault(kind, []).append(message)
    if first:
        logger.error("%s: %s", kind.replace("_", " "), message)
    if crawler.stats is not None:
        crawler.stats.inc_value(f"run/{kind}")
    engine = _engine(crawler)
    if close and engine is not None and not ctx.closing:
        ctx.closing = True
        deferred_from_coro(engine.close_spider_async(reason=kind))


def failures(crawler: Crawler) -> dict[str, list[str]]:
    return dict(RunContext.of(crawler).failures)


def decide(crawler: Crawler, finish_reason: str | None) -> RunStatus:
    """The run's status from what was recorded and how the engine closed."""
    recorded = failures(crawler)
    stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
    if stats.get("health/failed"):
        detail = "; ".join(f"{f.get('site')}: {f.get('field')} missing"
                           for f in stats.get("health/failures", []) if isinstance(f, dict))
        return RunStatus("failed", f"layout_changed: {detail}", EXIT_UNHEALTHY)
    for kind in _PRECEDENCE:
        if kind in recorded:
            messages = recorded[kind]
            more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
            return RunStatus("failed", f"{kind}: {messages[0]}{more}", _KIND_EXIT[kind])
    if finish_reason not in (None, "finished"):
        return RunStatus("failed", str(finish_reason), EXIT_CLOSED_EARLY)
    return RunStatus("finished", "", EXIT_OK)


def remember(crawler: Crawler, status: RunStatus) -> None:
    RunContext.of(crawler).run_status = status


def decided(crawler: Crawler) -> RunStatus | None:
    """The status the run summary settled on (None when it did not run)."""
    return RunContext.of(crawler).run_status


def fail_store(crawler: Crawler, exc: BaseException) -> None:
    """Log one line (password redacted) and close the run (exit status 1), once: Redis or the
    state store failed mid-run."""
    ctx = RunContext.of(crawler)
    if ctx.store_failed:
        return
    ctx.store_failed = True
    message = redact_secrets(" ".join(str(exc).split()) or type(exc).__name__)
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        # Damaged under a running crawl (quick_check passed at the start).
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
    what = "Redis" if redis_url(crawler.settings) else "state store"
    ctx.failures.setdefault(STORE, []).append(f"{what}: {message}")
    engine = _engine(crawler)
    if engine is not None:
        deferred_from_coro(engine.close_spider_async(reason=STORE_CLOSE_REASON))


def _engine(crawler: Crawler) -> ExecutionEngine | None:
    """The crawler's engine; None before the crawl starts (Scrapy raises on access then)."""
    try:
        return crawler.engine
    except RuntimeError:
        return None
