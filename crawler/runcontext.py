"""What the components of one crawl share: one :class:`RunContext` per crawler.

Scrapy builds each component (extension, middleware, pipeline, scheduler, spider) on its own
from the crawler; a few of them must see what another did: the failures recorded for the
manifest and the exit status, whether Redis or the state store failed, the state manager, the
Redis worker membership, the WARC archive, the replay index. They meet here, in typed fields,
instead of in string keys on the crawler: ``RunContext.of(crawler)`` creates the context on
first use and stores it in one attribute of the crawler, so every component of a crawl gets
the same object and two crawls of one process never share anything.

This module imports nothing of the project at run time (the field types are for the type
checker only): any layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from crawler.archive import ArchiveMiddleware
    from crawler.redis.workers import Workers
    from crawler.reextract import ReextractReport
    from crawler.replay import ArchiveIndex
    from crawler.runstatus import RunStatus
    from crawler.state import StateManager

# The crawler attribute holding the context (the only one this project sets on a crawler).
ATTR = "vnnews_run"


@dataclass
class RunContext:
    """One crawl's shared state. Every field starts empty; the component named owns it."""

    # -- the run's outcome (crawler.runstatus) ---------------------------------------------------
    #: Failures recorded so far, by kind (``runstatus.DELIVERY``, ``STORE``...): the manifest's
    #: reason and the exit status are decided from them.
    failures: dict[str, list[str]] = field(default_factory=dict)
    #: A failure asked the engine to close the spider already (asked once only).
    closing: bool = False
    #: The status the run summary settled on and wrote in the manifest; the crawl command
    #: exits with it.
    run_status: RunStatus | None = None
    #: Redis or the state store failed mid-run (``runstatus.fail_store``): logged and the run
    #: closed once; Redis-mode idling stops asking Redis.
    store_failed: bool = False

    # -- the crawl command ----------------------------------------------------------------------
    #: The spider's ``-a`` arguments, known before the spider exists (the lock hook needs its
    #: sites).
    spargs: dict[str, Any] = field(default_factory=dict)

    # -- components other components look up -----------------------------------------------------
    #: The state store's view of this crawl (``StateManager.of``).
    state: StateManager | None = None
    #: Redis mode's worker membership (``crawler.redis.workers.Workers``); None on one machine.
    workers: Workers | None = None
    #: Set by Redis mode when this worker leaves: True when it ended the crawl and no worker of
    #: it died, the only case where topic validators (304s next time) may be saved.
    clean_crawl_end: bool = False
    #: The WARC archive middleware, when ARCHIVE_ENABLED (the manifest reports its files).
    archive: ArchiveMiddleware | None = None
    #: The archived responses REPLAY serves, read once (by the preflight hook or reextract).
    replay_index: ArchiveIndex | None = None
    #: ``python -m crawler reextract``'s change report; None in every other crawl.
    reextract_report: ReextractReport | None = None

    @classmethod
    def of(cls, crawler: Crawler) -> RunContext:
        """The crawl's context, created on first use."""
        ctx: RunContext | None = crawler.__dict__.get(ATTR)
        if ctx is None:
            ctx = crawler.__dict__[ATTR] = cls()
        return ctx


def redis_url(settings: BaseSettings) -> str:
    """REDIS_URL, stripped: Redis mode is on when it is not empty."""
    return str(settings.get("REDIS_URL") or "").strip()
