"""Feed files consumers can read while a crawl runs.

A feed is written as ``NAME.part`` beside its final name and renamed (atomically, same
folder) when the run closes it: a consumer globbing ``*.jsonl`` only ever sees complete files.
Files are named with the run id, never Scrapy's per-batch counter.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy.exporters import CsvItemExporter, JsonItemExporter, JsonLinesItemExporter
from w3lib.url import file_uri_to_path

from crawler import runstatus
from crawler.runstatus import fail_store
from crawler.state import StateManager
from crawler.store.errors import store_errors

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

PART_SUFFIX = ".part"
logger = logging.getLogger(__name__)


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: UTC time plus a random tail.

    >>> new_run_id(datetime(2025, 9, 1, 3, 0, tzinfo=UTC))[:17]
    '20250901T030000Z-'
    """
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """Feed URI parameters: ``run_id`` (the spider's) and ``feed_dir`` (FEED_DIR expanded)."""
    params["run_id"] = getattr(spider, "run_id", None) or new_run_id()
    params["feed_dir"] = spider.settings.get("FEED_DIR", "output/%(name)s") % {
        "name": spider.name
    }
    return params


def file_key(file: Any) -> int:
    """Identity of a feed file shared by its exporter and its storage (the exporter may hold
    Scrapy's post-processing wrapper, the storage the file inside it)."""
    return id(getattr(file, "file", file))


class DeliveryJsonLinesExporter(JsonLinesItemExporter):
    """JSON Lines that also notes which articles each file holds, so they are recorded as
    delivered exactly when the file is complete (crawler.state)."""

    def __init__(self, file: IO[bytes], *, crawler: Crawler | None = None, **kwargs: Any):
        # Scrapy annotates the file as BytesIO; it writes to any binary file (feed storages
        # hand it real files), as IO[bytes] says.
        super().__init__(file, **kwargs)  # type: ignore[arg-type]
        self._crawler = crawler
        self._deliveries: list[Any] = []
        self._key = file_key(file)

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any
                     ) -> DeliveryJsonLinesExporter:
        return cls(file, crawler=crawler, **kwargs)

    def export_item(self, item: Any) -> None:
        super().export_item(item)
        if self._crawler is not None:
            self._deliveries.append(StateManager.of(self._crawler).delivery(item))

    def finish_exporting(self) -> None:
        super().finish_exporting()
        if self._crawler is not None:
            StateManager.of(self._crawler).file_closing(self._key, self._deliveries)


class AtomicFileFeedStorage:
    """Local file storage that writes aside (``.part``) and renames when the feed is done."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None,
                 crawler: Crawler | None = None):
        self.path = Path(file_uri_to_path(uri) if uri.startswith("file:") else uri)
        self.overwrite = bool((feed_options or {}).get("overwrite", False))
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler, uri: str, *,
                     feed_options: dict[str, Any] | None = None) -> AtomicFileFeedStorage:
        return cls(uri, feed_options=feed_options, crawler=crawler)

    @property
    def part_path(self) -> Path:
        return self.path.with_name(self.path.name + PART_SUFFIX)

    def open(self, spider: Spider) -> IO[bytes]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.overwrite and self.path.exists():
                # Appending (-o): start from the complete file so the rename keeps its lines.
                shutil.copyfile(self.path, self.part_path)
                raw = self.part_path.open("ab")
            else:
                raw = self.part_path.open("wb")
        except OSError as exc:
            guarded = GuardedFile(None, self._on_write_error)
            guarded.fail(exc)
            return guarded  # type: ignore[return-value]
        return GuardedFile(raw, self._on_write_error)  # type: ignore[return-value]

    def _on_write_error(self, exc: OSError) -> None:
        if self.crawler is not None:
            runstatus.fail(self.crawler, runstatus.DELIVERY,
                           f"cannot write {self.part_path}: {exc.strerror or exc}", close=True)
        else:
            logger.error("cannot write %s: %s", self.part_path, exc.strerror or exc)

    def _discard(self, file: IO[bytes], exc: OSError | None) -> None:
        """A file that could not be written completely is never delivered: its ``.part`` is
        removed (the next run fetches and emits its articles again) and its articles are
        noted as undelivered in the manifest."""
        with contextlib.suppress(OSError):
            file.close()
        with contextlib.suppress(OSError):
            self.part_path.unlink(missing_ok=True)
        if exc is not None and not getattr(file, "failed", None):
            self._on_write_error(exc)
        if self.crawler is not None:
            error = getattr(file, "failed", None) or exc
            StateManager.of(self.crawler).file_failed(
                file_key(file), f"feed write failed: {getattr(error, 'strerror', None) or error}")

    def store(self, file: IO[bytes]) -> None:
        key = file_key(file)
        if getattr(file, "failed", None) is not None:
            self._discard(file, None)
            return
        try:
            file.flush()
            if getattr(file, "failed", None) is not None:
                raise file.failed  # type: ignore[attr-defined]
            os.fsync(file.fileno())
            file.close()
            if getattr(file, "failed", None) is not None:
                raise file.failed  # type: ignore[attr-defined]
        except OSError as exc:
            self._discard(file, exc)
            return
        if self.crawler is None:
            self.part_path.replace(self.path)
            return
        # Two phases, so that a crash or a lost store at any point delivers each article
        # exactly once: note the file's articles, make the file visible, record them.
        state = StateManager.of(self.crawler)
        run_id = getattr(self.crawler.spider, "run_id", "")
        try:
            state.before_rename(key, self.path, run_id)
        except store_errors() as exc:
            logger.warning("state store unreachable: %s stays %s (undelivered; the next run "
                           "emits its articles again)", self.path.name, self.part_path.name)
            fail_store(self.crawler, exc)
            state.file_failed(key, "state store failed before the file was complete")
            return
        try:
            self.part_path.replace(self.path)
        except OSError as exc:
            self._discard(file, exc)
            with contextlib.suppress(*store_errors()):
                state.store.forget_pending(f"{run_id}/{self.path.name}")
            return
        try:
            state.after_rename(key, self.path, run_id)
        except store_errors() as exc:
            logger.warning("state store unreachable after completing %s: the next run records "
                           "its articles as delivered", self.path.name)
            fail_store(self.crawler, exc)
        return


class GuardedFile:
    """A feed file whose write errors (disk full, I/O error, quota) are caught once, reported
    to the run, and make every later write a no-op: the exporter, gzip and Scrapy's feed slot
    go on without tracebacks, and the storage discards the file instead of delivering it."""

    def __init__(self, raw: IO[bytes] | None, on_error: Any):
        self.raw = raw
        self.failed: OSError | None = None
        self._on_error = on_error

    def fail(self, exc: OSError) -> None:
        if self.failed is None:
            self.failed = exc
            self._on_error(exc)

    def write(self, data: bytes) -> int:
        if self.failed is None and self.raw is not None:
            try:
                return self.raw.write(data)
            except OSError as exc:
                self.fail(exc)
        return len(data)

    def flush(self) -> None:
        if self.failed is None and self.raw is not None and not self.raw.closed:
            try:
                self.raw.flush()
            except OSError as exc:
                self.fail(exc)

    def fileno(self) -> int:
        if self.raw is None:
            raise OSError("feed file was never opened")
        return self.raw.fileno()

    def close(self) -> None:
        if self.raw is not None and not self.raw.closed:
            try:
                self.raw.close()
            except OSError as exc:
                self.fail(exc)

    @property
    def closed(self) -> bool:
        return self.raw is None or self.raw.closed

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self.raw.tell() if self.raw is not None and not self.raw.closed else 0

    def __getattr__(self, name: str) -> Any:
        if self.raw is None:
            raise AttributeError(name)
        return getattr(self.raw, name)


# --- Scrapy's -O / -o / FEEDS conventions --------------------------------------------------------

# The project's own feed (settings.FEEDS): one file per run under FEED_DIR.
PROJECT_FEED_PREFIX = "%(feed_dir)s/"


def _feeds_settings(settings: Any) -> Any:
    from scrapy.settings import BaseSettings

    feeds = settings.get("FEEDS")
    return feeds if isinstance(feeds, BaseSettings) else None


def user_feeds(settings: Any) -> dict[str, dict[str, Any]]:
    """Feeds the user gave (-O, -o, -s FEEDS=...): all but the project's own FEED_DIR feed.
    (Scrapy merges -O/-o into FEEDS at one priority, so the project's is told by its URI.)"""
    from scrapy.settings import SETTINGS_PRIORITIES

    feeds = _feeds_settings(settings)
    if feeds is None:
        return {}
    project = SETTINGS_PRIORITIES["project"]
    return {uri: dict(opts) for uri, opts in feeds.items()
            if (feeds.getpriority(uri) or 0) > project
            and not uri.startswith(PROJECT_FEED_PREFIX)}


def feed_dir_explicit(settings: Any) -> bool:
    from scrapy.settings import SETTINGS_PRIORITIES

    return (settings.getpriority("FEED_DIR") or 0) > SETTINGS_PRIORITIES["project"]


def apply_cli_feeds(settings: Any) -> list[str]:
    """Scrapy's conventions when the user names feeds: ``-O FILE`` always (re)writes FILE with
    this run's articles, an empty file when there are none; ``-o FILE`` appends this run's
    (creating FILE when absent); and the project's own FEED_DIR feed is not written unless
    FEED_DIR is also given. Returns the user's feed URIs."""
    given = user_feeds(settings)
    feeds = _feeds_settings(settings)
    if not given or feeds is None:
        return []
    for uri, opts in given.items():
        if "store_empty" not in opts:
            feeds.set(uri, {**opts, "store_empty": True}, feeds.getpriority(uri))
    if not feed_dir_explicit(settings):
        for uri in [u for u in feeds if u.startswith(PROJECT_FEED_PREFIX) and u not in given]:
            feeds.delete(uri, feeds.getpriority(uri))
    return list(given)


def project_feed_dir_used(settings: Any) -> bool:
    """Whether this run writes into FEED_DIR (its feed, or its manifest)."""
    return feed_dir_explicit(settings) or not user_feeds(settings)


def manifest_path(settings: Any, spider_name: str, run_id: str) -> Path:
    """Where the run's manifest goes: FEED_DIR, or beside the user's first local feed file
    (``out.jsonl`` -> ``out.manifest.json``) when the project's feed folder is not in use."""
    feed_dir = Path(settings.get("FEED_DIR", "output/%(name)s") % {"name": spider_name})
    default = feed_dir / f"{spider_name}-{run_id}.manifest.json"
    if project_feed_dir_used(settings):
        return default
    for uri in user_feeds(settings):
        if "://" in uri and not uri.startswith("file://"):
            continue
        try:
            target = uri % {"name": spider_name, "run_id": run_id, "batch_id": 1,
                            "time": run_id, "feed_dir": str(feed_dir)}
        except (KeyError, ValueError, TypeError):
            continue
        path = Path(file_uri_to_path(target) if target.startswith("file:") else target)
        stem = path.name.split(".", 1)[0] or spider_name
        return path.with_name(f"{stem}.manifest.json")
    return default


class _DeliveryMixin:
    """Delivery bookkeeping (crawler.state) for any exporter: the articles a file holds are
    recorded as delivered when the file is complete, as DeliveryJsonLinesExporter does."""

    _crawler: Crawler | None

    def _start_delivery(self, file: IO[bytes], crawler: Crawler | None) -> None:
        self._crawler = crawler
        self._deliveries: list[Any] = []
        self._key = file_key(file)

    def _delivered(self, item: Any) -> None:
        if self._crawler is not None:
            self._deliveries.append(StateManager.of(self._crawler).delivery(item))

    def _closing(self) -> None:
        if self._crawler is not None:
            StateManager.of(self._crawler).file_closing(self._key, self._deliveries)


def flat_cell(value: Any) -> Any:
    """A CSV cell: lists and objects (images, related, authors...) as JSON text, so a cell
    never holds a Python repr and a reader gets the structure back with one json.loads.

    >>> flat_cell([{"url": "https://a.vn/x.jpg", "caption": "Ảnh"}])
    '[{"url": "https://a.vn/x.jpg", "caption": "Ảnh"}]'
    >>> flat_cell("text"), flat_cell(None)
    ('text', None)
    """
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


class DeliveryCsvExporter(_DeliveryMixin, CsvItemExporter):
    """CSV (``-o out.csv``): nested fields as JSON text; delivery bookkeeping as for JSON Lines."""

    def __init__(self, file: IO[bytes], *, crawler: Crawler | None = None, **kwargs: Any):
        super().__init__(file, **kwargs)  # type: ignore[arg-type]  # see DeliveryJsonLinesExporter
        self._start_delivery(file, crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any
                     ) -> DeliveryCsvExporter:
        return cls(file, crawler=crawler, **kwargs)

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        return super().serialize_field(field, name, flat_cell(value))

    def export_item(self, item: Any) -> None:
        super().export_item(item)
        self._delivered(item)

    def finish_exporting(self) -> None:
        super().finish_exporting()
        self._closing()


class DeliveryJsonExporter(_DeliveryMixin, JsonItemExporter):
    """One JSON array (``-O out.json``); delivery bookkeeping as for JSON Lines."""

    def __init__(self, file: IO[bytes], *, crawler: Crawler | None = None, **kwargs: Any):
        super().__init__(file, **kwargs)  # type: ignore[arg-type]  # see DeliveryJsonLinesExporter
        self._start_delivery(file, crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any
                     ) -> DeliveryJsonExporter:
        return cls(file, crawler=crawler, **kwargs)

    def export_item(self, item: Any) -> None:
        super().export_item(item)
        self._delivered(item)

    def finish_exporting(self) -> None:
        super().finish_exporting()
        self._closing()
