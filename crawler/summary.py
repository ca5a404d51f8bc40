"""Run summary: one log line and a manifest (JSON) beside the run's feeds.

The manifest lets an operator (and ``make demo``) see what a run did without reading logs:
articles written, drops by reason, pages fetched, failures, time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler import runstatus
from crawler.archive import archive_report
from crawler.feeds import manifest_path
from crawler.health import article_checked
from crawler.items import SCHEMA_VERSION
from crawler.sites.dispatch import extractor_version
from crawler.state import StateManager
from crawler.store.errors import store_errors
from crawler.urls import site_of

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Version of the manifest's layout (schemas/manifest.schema.json): the major part changes
# when a field is removed or changes meaning, the minor part when fields are added.
MANIFEST_VERSION = "1.2"


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

    state = StateManager.of(crawler)
    try:
        store: dict[str, Any] = dict(state.store.stats())
    except store_errors() as exc:
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


# Fields whose presence the per-site table measures (share of emitted articles having them).
COVERAGE_FIELDS = ("title", "lead", "body", "authors", "published_at", "images", "related",
                   "tags", "section")
# Latency samples kept per site (reservoir): percentiles stay exact on small runs and
# memory stays bounded on long ones.
LATENCY_SAMPLES = 5000
# The run timeline keeps at most this many buckets: their width doubles as the run goes on.
TIMELINE_BUCKETS = 120


def reason_class(reason: str) -> str:
    """The class of a failure reason, for per-site counts: the detail is in ``urls``.

    >>> [reason_class(r) for r in ("HTTP 404", "timeout: took 30 s", "redirect loop (3 hops)",
    ...                            "gone (HTTP 410) since revision 2", "DNSLookupError: x")]
    ['HTTP 404', 'timeout', 'redirect loop', 'gone', 'DNSLookupError']
    """
    if reason.startswith("gone"):
        return "gone"
    head = reason.split(":", 1)[0].split(" (", 1)[0].strip()
    return head or "unknown"


def drop_class(message: str) -> str:
    """What a pipeline's DropItem message means: duplicate, already_seen, invalid, other.

    >>> drop_class("duplicate article (url): https://a.vn/x"), drop_class("invalid article x")
    ('duplicate', 'invalid')
    """
    if message.startswith(("duplicate article", "near-duplicate")):
        return "duplicate"
    if message.startswith("already delivered"):
        return "already_seen"
    if message.startswith("invalid article"):
        return "invalid"
    return "other"


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values.

    >>> percentile([0.1, 0.2, 0.3, 0.4], 50), percentile([0.1, 0.2, 0.3, 0.4], 95)
    (0.2, 0.4)
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


@dataclass
class SiteTally:
    """What one site gave during a run."""

    pages: int = 0
    bytes: int = 0
    status: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    latency_seen: int = 0
    emitted: int = 0
    updated: int = 0
    marked_duplicates: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    layers: dict[str, int] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    checked: int = 0
    missing: dict[str, int] = field(default_factory=dict)

    def add_latency(self, seconds: float, rng: random.Random) -> None:
        self.latency_seen += 1
        if len(self.latencies) < LATENCY_SAMPLES:
            self.latencies.append(seconds)
        else:
            slot = rng.randrange(self.latency_seen)
            if slot < LATENCY_SAMPLES:
                self.latencies[slot] = seconds


class Timeline:
    """Counts per time bucket since the start; buckets merge pairwise (width doubles) so a run
    of any length keeps at most TIMELINE_BUCKETS of them."""

    KINDS = ("pages", "articles", "errors")

    def __init__(self, width: float = 0.25):
        self.width = width
        self.counts: dict[str, list[int]] = {k: [] for k in self.KINDS}

    def add(self, kind: str, elapsed: float) -> None:
        index = int(max(elapsed, 0.0) // self.width)
        while index >= TIMELINE_BUCKETS:
            self._merge()
            index = int(max(elapsed, 0.0) // self.width)
        for series in self.counts.values():
            series.extend([0] * (index + 1 - len(series)))
        self.counts[kind][index] += 1

    def _merge(self) -> None:
        self.width *= 2
        for kind, series in self.counts.items():
            self.counts[kind] = [sum(series[i:i + 2]) for i in range(0, len(series), 2)]

    def as_dict(self) -> dict[str, Any]:
        return {"bucket_seconds": self.width, **self.counts}


def layer_of(spider: Any, url: str, response: Any) -> tuple[str, str]:
    """The extraction layer a crawled article went through and its extractor version:
    ``profile:<slug>`` for sites with a profile; for others (the ``news`` spider's automatic
    profiles) the CMS family the page's markup shows, else ``generic``, as
    crawler.extraction.extract_with_info names them."""
    try:
        used = response.meta.get("extraction_layer")  # left there by the spider
    except AttributeError:  # a response without a request
        used = None
    if used:
        return used, extractor_version(used)
    profile_for = getattr(spider, "profile_for", None)
    profile = profile_for(url) if profile_for else None
    if profile is None:
        return "unknown", "?"
    if profile.family != "auto":
        return f"profile:{profile.slug}", profile.extractor_version
    # A site without a profile and no layer recorded by the spider: the page is not parsed a
    # second time here to guess it.
    return "unknown", "?"


class RunTally:
    """Per-site counts and the run timeline, fed by Scrapy's signals."""

    def __init__(self, clock: Any = time.monotonic):
        self.clock = clock
        self.started = clock()
        self.sites: dict[str, SiteTally] = {}
        self.timeline = Timeline()
        self.rng = random.Random(0)
        self._inflight: dict[int, float] = {}

    def site(self, name: str) -> SiteTally:
        tally = self.sites.get(name)
        if tally is None:
            tally = self.sites[name] = SiteTally()
        return tally

    def connect(self, crawler: Crawler) -> None:
        crawler.signals.connect(self.on_reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.on_left, signal=signals.request_left_downloader)
        crawler.signals.connect(self.on_response, signal=signals.response_received)
        crawler.signals.connect(self.on_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.on_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.on_checked, signal=article_checked)

    def on_checked(self, url: str, site: str, missing: list[str], **_: Any) -> None:
        """The layout-health check of an article page: the extractor's drift, per field."""
        tally = self.site(site or site_of(url) or "?")
        tally.checked += 1
        for name in missing:
            tally.missing[name] = tally.missing.get(name, 0) + 1

    def on_reached(self, request: Any, spider: Any) -> None:
        self._inflight[id(request)] = self.clock()

    def on_left(self, request: Any, spider: Any) -> None:
        # Scrapy's HTTP handler sets download_latency; a handler that downloads a copy of the
        # request (crawler.mirror) does not, so it is measured here the same way.
        started = self._inflight.pop(id(request), None)
        if started is not None and "download_latency" not in request.meta:
            request.meta["download_latency"] = self.clock() - started

    def on_response(self, response: Any, request: Any, spider: Any) -> None:
        tally = self.site(site_of(request.url) or "?")
        tally.pages += 1
        tally.bytes += len(response.body)
        status = str(response.status)
        tally.status[status] = tally.status.get(status, 0) + 1
        latency = request.meta.get("download_latency")
        if isinstance(latency, (int, float)):
            tally.add_latency(float(latency), self.rng)
        elapsed = self.clock() - self.started
        self.timeline.add("pages", elapsed)
        if response.status >= 400:
            self.timeline.add("errors", elapsed)

    def on_scraped(self, item: Any, response: Any, spider: Any) -> None:
        from itemadapter import ItemAdapter

        adapter = ItemAdapter(item)
        url = adapter.get("url") or ""
        tally = self.site(adapter.get("site") or site_of(url) or "?")
        tally.emitted += 1
        if (adapter.get("revision") or 1) > 1:
            tally.updated += 1
        if adapter.get("duplicate_of"):
            tally.marked_duplicates += 1
        for name in COVERAGE_FIELDS:
            if adapter.get(name):
                tally.present[name] = tally.present.get(name, 0) + 1
        if response is not None and hasattr(response, "text"):
            layer, version = layer_of(spider, url, response)
            tally.layers[layer] = tally.layers.get(layer, 0) + 1
            tally.versions[layer] = version
        self.timeline.add("articles", self.clock() - self.started)

    def on_dropped(self, item: Any, response: Any, exception: BaseException,
                   spider: Any) -> None:
        from itemadapter import ItemAdapter

        adapter = ItemAdapter(item)
        tally = self.site(adapter.get("site") or site_of(adapter.get("url") or "") or "?")
        kind = drop_class(str(exception))
        tally.drops[kind] = tally.drops.get(kind, 0) + 1

    def report(self, ledger: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
        """One row per site, sorted by name; failures and non-articles come from the
        spider's ledger (the outcome of every URL it requested)."""
        failures: dict[str, dict[str, int]] = {}
        not_articles: dict[str, int] = {}
        for url, (outcome, reason) in ledger.items():
            site = site_of(url) or "?"
            if outcome == "failed":
                per = failures.setdefault(site, {})
                kind = reason_class(reason)
                per[kind] = per.get(kind, 0) + 1
            elif outcome == "not_article":
                not_articles[site] = not_articles.get(site, 0) + 1
        names = sorted(set(self.sites) | set(failures) | set(not_articles))
        rows = []
        for name in names:
            t = self.sites.get(name) or SiteTally()
            p50, p95 = percentile(t.latencies, 50), percentile(t.latencies, 95)
            rows.append({
                "site": name,
                "pages_fetched": t.pages,
                "bytes": t.bytes,
                "http_status": dict(sorted(t.status.items())),
                "latency_ms": {"p50": None if p50 is None else round(p50 * 1000, 1),
                               "p95": None if p95 is None else round(p95 * 1000, 1)},
                "articles": {"emitted": t.emitted, "updated": t.updated,
                             "duplicates": t.drops.get("duplicate", 0),
                             "marked_duplicate_of": t.marked_duplicates,
                             "already_seen": t.drops.get("already_seen", 0),
                             "invalid": t.drops.get("invalid", 0)},
                "not_articles": not_articles.get(name, 0),
                "failures": dict(sorted(failures.get(name, {}).items())),
                "coverage": {f: round(100.0 * t.present.get(f, 0) / t.emitted, 1)
                             if t.emitted else None for f in COVERAGE_FIELDS},
                "extraction": dict(sorted(t.layers.items())),
                "extractor_versions": dict(sorted(t.versions.items())),
                "drift": {"checked": t.checked, "missing": dict(sorted(t.missing.items()))},
            })
        return rows


def site_table(rows: list[dict[str, Any]]) -> list[str]:
    """The per-site table as text lines, for the end-of-run log.

    >>> site_table([{"site": "a.vn", "pages_fetched": 3, "bytes": 2048,
    ...   "articles": {"emitted": 2, "updated": 0, "duplicates": 1}, "not_articles": 0,
    ...   "failures": {"HTTP 404": 1}, "latency_ms": {"p50": 5.0, "p95": 9.0},
    ...   "coverage": {"title": 100.0, "authors": 50.0}, "extraction": {"profile:a": 2}}])[1][:59]
    'a.vn  pages 3  articles 2 (+0 updated, 1 dup)  not articles'
    """
    lines = [f"{len(rows)} site(s):"]
    for r in rows:
        a = r["articles"]
        fails = ", ".join(f"{k}={v}" for k, v in r["failures"].items()) or "none"
        lat = r["latency_ms"]
        cover = ", ".join(f"{k} {v:.0f}%" for k, v in r["coverage"].items() if v is not None)
        via = ", ".join(r["extraction"]) or "-"
        p50 = "-" if lat["p50"] is None else f"{lat['p50']:.0f}"
        p95 = "-" if lat["p95"] is None else f"{lat['p95']:.0f}"
        lines.append(
            f"{r['site']}  pages {r['pages_fetched']}  articles {a['emitted']} "
            f"(+{a['updated']} updated, {a['duplicates']} dup)  not articles "
            f"{r['not_articles']}  failures {fails}  latency p50 {p50} ms p95 {p95} ms  "
            f"{r['bytes'] // 1024} KB  coverage {cover or '-'}  via {via}")
    return lines


def archive_section(crawler: Crawler) -> dict[str, Any] | None:
    """The WARC files of the run (crawler.archive): records by type, bytes, SHA-256."""
    return archive_report(crawler)


class RunSummary:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.started = datetime.now(UTC)
        self.tally = RunTally()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        if not crawler.settings.getbool("SUMMARY_ENABLED", True):
            raise NotConfigured("SUMMARY_ENABLED is off")
        ext = cls(crawler)
        ext.tally.connect(crawler)
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
        sites = self.tally.report(getattr(spider, "ledger", {}))
        manifest = {
            "manifest_version": MANIFEST_VERSION,
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
            "extractor_versions": {
                r["site"]: r["extractor_versions"] for r in sites if r["extractor_versions"]},
            **summary,
            "sites": sites,
            "timeline": self.tally.timeline.as_dict(),
            "health": stats.get("health/failures", []),
            "layout_drift": stats.get("health/drift", []),
            **report,
            "urls": ledger_report(getattr(spider, "ledger", {}),
                                  getattr(spider, "ledger_emitted", 0)),
            "archive": archive_section(self.crawler),
        }
        path = manifest_path(self.crawler.settings, spider.name, run_id)
        feed_dir = path.parent
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
        for line in site_table(sites):
            logger.info("%s", line)


def check_start_pages(crawler: Crawler, spider: Spider) -> None:
    """A run none of whose start pages (topic pages, feeds) could be fetched did nothing:
    a wrong MIRROR, a host that does not resolve, the site down. It must not pass as a run
    that found nothing new. (Redis mode: another worker may have fetched them.)"""
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
            tmp.replace(target)
            return target
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            logger.error("cannot write the manifest %s: %s", target, exc.strerror or exc)
    if not fallback:
        return None
    print("manifest: " + json.dumps(manifest, ensure_ascii=False), file=sys.stderr)
    return None
