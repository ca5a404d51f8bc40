"""Run summary: one log line and a manifest (JSON) beside the run's feeds.

The manifest lets an operator (and ``make demo``) see what a run did without reading logs:
articles written, drops by reason, pages fetched, failures, time.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.items import SCHEMA_VERSION

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def summarize(stats: dict[str, Any]) -> dict[str, Any]:
    """The counters an operator reads, from Scrapy's stats.

    >>> s = summarize({"item_scraped_count": 3, "dedupe/dropped_url": 1,
    ...                "validate/missing_body": 2, "downloader/response_count": 9})
    >>> s["articles_written"], s["dropped"], s["pages_fetched"]
    (3, {'dedupe/dropped_url': 1, 'validate/missing_body': 2}, 9)
    """
    dropped = {
        k: v for k, v in sorted(stats.items())
        if k.startswith(("dedupe/dropped_", "validate/missing_"))
    }
    start, finish = stats.get("start_time"), stats.get("finish_time")
    elapsed = (finish - start).total_seconds() if start and finish else stats.get(
        "elapsed_time_seconds")
    return {
        "articles_written": stats.get("item_scraped_count", 0),
        "dropped": dropped,
        "pages_fetched": stats.get("downloader/response_count", 0),
        "not_articles": stats.get("extract/not_article", 0),
        "fetch_failed": stats.get("fetch/failed", 0),
        "http_status": {k.rsplit("/", 1)[1]: v for k, v in sorted(stats.items())
                        if k.startswith("downloader/response_status_count/")},
        "counters": {k: v for k, v in sorted(stats.items())
                     if k.split("/", 1)[0] in {"discovery", "extract", "fetch", "validate",
                                               "dedupe", "clean", "retry", "retry_after"}
                     and not isinstance(v, list)},
        "elapsed_seconds": round(float(elapsed or 0), 3),
    }


def state_report(crawler: Crawler) -> dict[str, Any]:
    """Files delivered (name, items, sha256), runs this one resumed, store outcomes."""
    from crawler.distributed import redis_errors
    from crawler.state import StateManager

    state = StateManager.of(crawler)
    try:
        store: dict[str, Any] = dict(state.store.stats())
    except redis_errors() as exc:
        store = {"error": str(exc)}
    return {"files": state.files, "resumed": state.resuming,
            "recorded": dict(sorted(state.counts.items())),
            "state_uri_kind": state.uri.split(":", 1)[0], "store": store}


def ledger_report(ledger: dict[str, tuple[str, str]], emitted: int = 0) -> dict[str, Any]:
    """Every discovered article URL accounted for: counts by outcome, and each URL that was
    not emitted with its outcome and reason. "pending" means the run ended before it settled.

    >>> r = ledger_report({"a": ("emitted", ""), "b": ("failed", "HTTP 404")})
    >>> r["counts"], r["not_emitted"]
    ({'emitted': 1, 'failed': 1}, [{'url': 'b', 'outcome': 'failed', 'reason': 'HTTP 404'}])
    """
    counts: dict[str, int] = {"emitted": emitted} if emitted else {}
    rows = []
    for url, (outcome, reason) in sorted(ledger.items()):
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome != "emitted":
            rows.append({"url": url, "outcome": outcome, "reason": reason})
    return {"discovered": len(ledger) + emitted, "counts": dict(sorted(counts.items())),
            "not_emitted": rows}


def archive_section(crawler: Crawler) -> dict[str, Any] | None:
    """The WARC files of the run (crawler.archive): records by type, bytes, SHA-256."""
    from crawler.archive import archive_report

    return archive_report(crawler)


class RunSummary:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.started = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        if not crawler.settings.getbool("SUMMARY_ENABLED", True):
            raise NotConfigured("SUMMARY_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self._closed = (spider, reason)

    def engine_stopped(self) -> None:
        # After spider_closed: the feed exporter has stored (renamed) its last file by now.
        if getattr(self, "_closed", None) is None:
            return
        spider, reason = self._closed
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        summary = summarize(stats)
        run_id = getattr(spider, "run_id", "")
        manifest = {
            "run_id": run_id,
            "spider": spider.name,
            "started_at": self.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": "finished" if reason == "finished" else f"failed: {reason}",
            "schema_version": SCHEMA_VERSION,
            "extractor_version": getattr(getattr(spider, "profile", None),
                                         "extractor_version", None),
            **summary,
            "health": stats.get("health/failures", []),
            **state_report(self.crawler),
            "urls": ledger_report(getattr(spider, "ledger", {}),
                                  getattr(spider, "ledger_emitted", 0)),
            "archive": archive_section(self.crawler),
        }
        logger.info(
            "run %s: %d articles written, dropped %s, %d pages fetched, %.1f s",
            run_id, summary["articles_written"], summary["dropped"] or "none",
            summary["pages_fetched"], summary["elapsed_seconds"],
        )
        feed_dir = Path(self.crawler.settings.get("FEED_DIR", "output/%(name)s")
                        % {"name": spider.name})
        feed_dir.mkdir(parents=True, exist_ok=True)
        path = feed_dir / f"{spider.name}-{run_id}.manifest.json"
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
        os.replace(tmp, path)
