"""Re-extraction: today's dispatch and cleaning over archived article pages, no fetch at all.

``python -m crawler reextract WARC_OR_DIR... [-O out.jsonl] [--state STATE_URI]`` runs a
Scrapy crawl whose requests are the article pages of the archive (the records the crawl marked
``WARC-Page-Role: article``, the most recent per URL), answered by the REPLAY download handler:
each page goes through the spider's own ``parse_article`` and the project's pipelines (clean,
validate, dedupe) and feed exporter, so the feed has the same items and schema as a crawl's.

Without a state store every article is written: the archive of a crawl reproduces its feed.
With one, the dedupe pipeline decides as in a crawl: an article whose body (fingerprint)
changed is written as the next ``revision``; an unchanged one is not written.

What changed is reported per site against the previous version of each article, read from the
feeds beside the archive (or ``--previous``): fields that appeared, disappeared or differ.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

import scrapy
from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawler.replay import ArchiveIndex, Entry, parse_paths
from crawler.runcontext import RunContext
from crawler.sites import SiteProfile, generic_profile, profile_for_url, registry
from spiders.base import SiteSpider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Fields that say when or how often, not what the page holds: never a change.
IGNORED_FIELDS = ("crawled_at", "revision", "duplicate_of")


def article_entries(index: ArchiveIndex) -> list[Entry]:
    """The most recent usable article record of each URL, in the order they were fetched."""
    out = []
    for entries in index.by_url.values():
        for entry in reversed(entries):
            if entry.role == "article" and entry.status == 200:
                if entry.kind == "revisit" and index.original(entry) is None:
                    continue  # its payload is in a file not given
                out.append(entry)
                break
    return sorted(out, key=lambda e: (e.date, e.seq))


def warc_time(date: str) -> str:
    """A WARC-Date as the feed's crawled_at (UTC, seconds).

    >>> warc_time("2026-11-30T11:49:00.123456Z")
    '2026-11-30T11:49:00Z'
    """
    return date[:19] + "Z" if len(date) >= 19 else date


def _digest(value: Any) -> str:
    raw = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


def field_digests(article: dict[str, Any]) -> dict[str, str]:
    """One short hash per non-empty field: enough to tell what changed, small to keep."""
    return {k: _digest(v) for k, v in article.items()
            if k not in IGNORED_FIELDS and v not in (None, "", [], {})}


def field_changes(old: dict[str, str], new: dict[str, str]) -> dict[str, list[str]]:
    """Fields that appeared, disappeared or differ between two field_digests.

    >>> field_changes({"title": "a", "lead": "b"}, {"title": "c", "tags": "d"})
    {'appeared': ['tags'], 'disappeared': ['lead'], 'differ': ['title']}
    """
    return {"appeared": sorted(new.keys() - old.keys()),
            "disappeared": sorted(old.keys() - new.keys()),
            "differ": sorted(k for k in old.keys() & new.keys() if old[k] != new[k])}


def feed_files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted([*p.glob("*.jsonl"), *p.glob("*.jsonl.gz")]))
        elif p.is_file():
            out.append(p)
    return out


def load_previous(files: Iterable[Path]) -> dict[str, dict[str, str]]:
    """Each article's last delivered version (highest revision, then latest crawl) as field
    digests, by URL. Unreadable lines are skipped with a log line."""
    best: dict[str, tuple[tuple[int, str], dict[str, str]]] = {}
    for path in files:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                try:
                    art = json.loads(line)
                    url = art["url"]
                except (ValueError, KeyError, TypeError):
                    logger.warning("%s:%d: not an article line, skipped", path, n)
                    continue
                rank = (int(art.get("revision") or 1), str(art.get("crawled_at") or ""))
                if url not in best or rank >= best[url][0]:
                    best[url] = (rank, field_digests(art))
    return {url: v[1] for url, v in best.items()}


@dataclass
class SiteChanges:
    articles: int = 0
    new: int = 0
    unchanged: int = 0
    changed: int = 0
    fields: dict[str, Counter[str]] = field(
        default_factory=lambda: {"appeared": Counter(), "disappeared": Counter(),
                                 "differ": Counter()})
    examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "new": self.new, "unchanged": self.unchanged,
                "changed": self.changed,
                "fields": {k: dict(sorted(v.items())) for k, v in self.fields.items()},
                "examples": self.examples}


class ReextractReport:
    """What re-extraction changed, per site, against the previous versions."""

    def __init__(self, previous: dict[str, dict[str, str]], baseline: list[str]):
        self.previous = previous
        self.baseline = baseline
        self.sites: dict[str, SiteChanges] = {}

    def compare(self, item: Any) -> dict[str, list[str]] | None:
        """Record one article; returns its field changes (None: no previous version)."""
        art = ItemAdapter(item).asdict()
        site = self.sites.setdefault(art.get("site") or "?", SiteChanges())
        site.articles += 1
        old = self.previous.get(art.get("url") or "")
        if old is None:
            site.new += 1
            return None
        changes = field_changes(old, field_digests(art))
        if not any(changes.values()):
            site.unchanged += 1
            return changes
        site.changed += 1
        for kind, names in changes.items():
            site.fields[kind].update(names)
        if len(site.examples) < 5:
            site.examples.append(art["url"])
        return changes

    def lines(self) -> list[str]:
        out = []
        if not self.baseline:
            out.append("no previous feed found: every article counts as new "
                       "(give --previous FEED_OR_DIR to compare)")
        for name, s in sorted(self.sites.items()):
            out.append(f"{name}: {s.articles} re-extracted: {s.changed} changed, "
                       f"{s.unchanged} unchanged, {s.new} not in the previous feeds")
            for kind in ("appeared", "disappeared", "differ"):
                if s.fields[kind]:
                    shown = ", ".join(f"{f} ({n})" for f, n in sorted(s.fields[kind].items()))
                    out.append(f"  fields {kind}: {shown}")
            for url in s.examples:
                out.append(f"  e.g. {url}")
        return out


class ChangeReportPipeline:
    """Between validation and dedupe: compares each article with its previous version, and
    gives it the fetch time of its archived page as ``crawled_at``."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        report = RunContext.of(crawler).reextract_report
        assert report is not None  # from_crawler refused otherwise
        self.report: ReextractReport = report

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChangeReportPipeline:
        if RunContext.of(crawler).reextract_report is None:
            raise NotConfigured("only for python -m crawler reextract")
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        origin = getattr(spider, "_item_origin", {}).get(id(item))
        fetched = getattr(spider, "fetched_at", {}).get(origin or "")
        adapter = ItemAdapter(item)
        if fetched:
            adapter["crawled_at"] = fetched
        changes = self.report.compare(item)
        stats = self.crawler.stats
        assert stats is not None
        if changes is None:
            stats.inc_value("reextract/new")
        elif any(changes.values()):
            stats.inc_value("reextract/changed")
        else:
            stats.inc_value("reextract/unchanged")
        return item


class ReextractSpider(SiteSpider):
    """Requests exactly the archived article pages; parse_article is the crawl's own."""

    name = "reextract"
    known_args: ClassVar[tuple[str, ...]] = ("run_id",)

    def select_profiles(self, args: dict[str, Any], start: list[str]) -> list[SiteProfile]:
        return list(registry().values())

    def profile_for(self, url: str) -> SiteProfile:
        # Today's profile of the page's site; a site without one goes to the family/generic
        # dispatch, as with the news spider (one generic profile per host, built once).
        profile = profile_for_url(url)
        if profile is not None:
            return profile
        host = urlsplit(url).netloc.lower()
        if host not in self._generic:
            self._generic[host] = generic_profile(url)
        return self._generic[host]

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._related_depth_arg = 0  # re-extraction follows no link
        ctx = RunContext.of(crawler)
        index = ctx.replay_index
        if index is None:
            index = ctx.replay_index = ArchiveIndex(parse_paths(crawler.settings.get("REPLAY")))
        spider.entries = article_entries(index)
        spider.fetched_at = {e.url: warc_time(e.date) for e in spider.entries}
        return spider

    entries: list[Entry]
    fetched_at: dict[str, str]
    _generic: ClassVar[dict[str, SiteProfile]] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for n, entry in enumerate(self.entries):
            self.ledger[entry.url] = ("pending", "")
            yield scrapy.Request(
                entry.url, callback=self.parse_article, errback=self.on_error,
                # Served in the order they were fetched: near-duplicates get the same
                # "first" article as in the crawl.
                priority=-n, dont_filter=True,
                meta={"discovered_url": entry.url, "related_depth": 0,
                      "article_key": entry.url})


def run(paths: list[str], *, output: str | None, state: str | None, previous: list[str],
        settings_overrides: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Run the re-extraction crawl in this process; returns (exit status, summary)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    index = ArchiveIndex(paths)
    if not index.by_url:
        raise FileNotFoundError(f"no archived responses in {', '.join(paths)}")
    baseline = [str(p) for p in feed_files(previous or [Path(f).parent for f in index.files])]
    if output:
        out_path = Path(output).resolve()
        baseline = [b for b in baseline if Path(b).resolve() != out_path]
    report = ReextractReport(load_previous(Path(b) for b in baseline), baseline)
    settings = get_project_settings()
    settings.set("REPLAY", ",".join(str(f) for f in index.files), "cmdline")
    settings.set("STATE_URI", state or "none", "cmdline")
    settings.set("ROBOTSTXT_OBEY", False, "cmdline")
    settings.set("ARCHIVE_ENABLED", False, "cmdline")
    settings.set("DISCOVERY_FEEDS", False, "cmdline")
    settings.set("LOG_LEVEL", "WARNING", "cmdline")
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 16, "cmdline")
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    pipelines["crawler.reextract.ChangeReportPipeline"] = 250
    settings.set("ITEM_PIPELINES", pipelines, "cmdline")
    if output:
        out = Path(output)
        settings.set("FEED_DIR", str(out.parent.resolve()), "cmdline")
        fmt = "jsonlines"
        settings.set("FEEDS", {str(out.resolve()): {"format": fmt, "encoding": "utf-8",
                                                     "overwrite": True}}, "cmdline")
    for key, value in settings_overrides.items():
        settings.set(key, value, "cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ReextractSpider)
    ctx = RunContext.of(crawler)
    ctx.replay_index, ctx.reextract_report = index, report
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    summary = {
        "pages": stats.get("replay/response", 0) + stats.get("replay/revisit", 0),
        "articles_written": stats.get("item_scraped_count", 0),
        "dropped": {k: v for k, v in sorted(stats.items())
                    if k.startswith(("dedupe/dropped_", "validate/missing_"))},
        "elapsed_seconds": float(stats.get("elapsed_time_seconds") or 0.0),
        "finish_reason": stats.get("finish_reason", ""),
        "sites": {k: v.as_dict() for k, v in report.sites.items()},
        "report": report.lines(),
        "files": [str(f) for f in index.files],
        "baseline": baseline,
    }
    status = 0 if summary["finish_reason"] == "finished" else (
        3 if summary["finish_reason"] == "layout_changed" else 1)
    return status, summary
