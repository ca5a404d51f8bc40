"""Run summary: one log line and a manifest (JSON) beside the run's feeds.

The manifest lets an operator (and ``make demo``) see what a run did without reading logs:
articles written, drops by reason, pages fetched, failures, time.
"""

from __future__ import annotations

import contextlib
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
    return {"files": state.files, "undelivered": state.undelivered,
            "resumed": state.resuming,
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
        from crawler import runstatus

        check_start_pages(self.crawler, spider)
        status = runstatus.decide(self.crawler, reason)
        stats = self.crawler.stats.get_stats()
        summary = summarize(stats)
        report = state_report(self.crawler)
        settle = getattr(spider, "settle_unfinished", None)
        if settle is not None:
            why = (f"not fetched: the run ended early ({status.reason}); the next run fetches it"
                   if status.status != "finished" else
                   "not fetched: dropped by the scheduler without an outcome; the next run "
                   "fetches it")
            if settle(why) and status.status == "finished":
                self.crawler.stats.inc_value("run/unsettled_urls")
        # What is in complete feed files, not what was handed to the exporter.
        summary["articles_written"] = sum(f["items"] for f in report["files"])
        summary["articles_undelivered"] = report.pop("undelivered", 0)
        run_id = getattr(spider, "run_id", "")
        manifest = {
            "run_id": run_id,
            "spider": spider.name,
            "started_at": self.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": status.status,
            "reason": status.reason,
            "exit_status": status.exit_code,
            "schema_version": SCHEMA_VERSION,
            "extractor_version": getattr(getattr(spider, "profile", None),
                                         "extractor_version", None),
            **summary,
            "health": stats.get("health/failures", []),
            "layout_drift": stats.get("health/drift", []),
            **report,
            "urls": ledger_report(getattr(spider, "ledger", {}),
                                  getattr(spider, "ledger_emitted", 0)),
            "archive": archive_section(self.crawler),
        }
        feed_dir = Path(self.crawler.settings.get("FEED_DIR", "output/%(name)s")
                        % {"name": spider.name})
        path = feed_dir / f"{spider.name}-{run_id}.manifest.json"
        written = write_manifest(path, manifest, fallback=False)
        if written != path:
            # The feed folder refused the manifest: the run cannot claim success.
            runstatus.fail(self.crawler, runstatus.DELIVERY,
                           f"cannot write the manifest in {feed_dir}")
            status = runstatus.decide(self.crawler, reason)
            manifest.update(status=status.status, reason=status.reason,
                            exit_status=status.exit_code)
            fallback = manifest_fallback_dir(self.crawler.settings.get("SUMMARY_FALLBACK_DIR"))
            written = write_manifest(fallback / path.name, manifest)
        runstatus.remember(self.crawler, status)
        logger.log(
            logging.INFO if status.status == "finished" else logging.ERROR,
            "run %s %s%s: %d articles written, %d undelivered, dropped %s, %d pages fetched, "
            "%.1f s; manifest: %s",
            run_id, status.status, f" ({status.reason})" if status.reason else "",
            summary["articles_written"], summary["articles_undelivered"],
            summary["dropped"] or "none", summary["pages_fetched"],
            summary["elapsed_seconds"], written or "stderr",
        )


def check_start_pages(crawler: Crawler, spider: Spider) -> None:
    """A run none of whose start pages (topic pages, feeds) could be fetched did nothing:
    a wrong MIRROR, a host that does not resolve, the site down. It must not pass as a run
    that found nothing new. (Redis mode: another worker may have fetched them.)"""
    from crawler import runstatus

    starts = list(getattr(spider, "topic_urls", []) or [])
    if not starts or crawler.settings.get("REDIS_URL") or crawler.stats is None:
        return
    if crawler.stats.get_value("discovery/start_pages_fetched", 0):
        return
    if runstatus.failures(crawler) or crawler.stats.get_value("health/failed"):
        return  # the run failed for another reason first
    ledger = getattr(spider, "ledger", {})
    errors = [ledger[u][1] for u in starts if u in ledger and ledger[u][0] == "failed"]
    first = f" (e.g. {starts[0]}: {errors[0]})" if errors else ""
    runstatus.fail(crawler, runstatus.NOTHING,
                   f"none of the {len(starts)} start pages could be fetched{first}")


def manifest_fallback_dir(setting: str = "") -> Path:
    """Where a manifest goes when FEED_DIR refuses it (full, read-only): SUMMARY_FALLBACK_DIR,
    else $VNNEWS_MANIFEST_FALLBACK, else <temp dir>/vnnews-manifests."""
    import tempfile

    return Path(setting or os.environ.get("VNNEWS_MANIFEST_FALLBACK", "")
                or Path(tempfile.gettempdir()) / "vnnews-manifests")


def write_manifest(path: Path, manifest: dict[str, Any], *,
                   fallback: bool = True) -> Path | None:
    """Write the manifest atomically at ``path``; if that fails and ``fallback``, as one JSON
    line on stderr. Returns where it went (None: not written, or stderr)."""
    import sys

    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    for target in (path,):
        tmp = target.with_name(target.name + ".part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
            return target
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            logger.error("cannot write the manifest %s: %s", target, exc.strerror or exc)
    if not fallback:
        return None
    print("manifest: " + json.dumps(manifest, ensure_ascii=False), file=sys.stderr)
    return None
