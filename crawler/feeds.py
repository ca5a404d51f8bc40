"""Feed files consumers can read while a crawl runs.

A feed is written as ``NAME.part`` beside its final name and renamed (atomically, same
folder) when the run closes it: a consumer globbing ``*.jsonl`` only ever sees complete files.
Files are named with the run id, never Scrapy's per-batch counter.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy.exporters import JsonLinesItemExporter
from w3lib.url import file_uri_to_path

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
        super().__init__(file, **kwargs)
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
            from crawler.state import StateManager

            self._deliveries.append(StateManager.of(self._crawler).delivery(item))

    def finish_exporting(self) -> None:
        super().finish_exporting()
        if self._crawler is not None:
            from crawler.state import StateManager

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
            from crawler import runstatus

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
            from crawler.state import StateManager

            error = getattr(file, "failed", None) or exc
            StateManager.of(self.crawler).file_failed(
                file_key(file), f"feed write failed: {getattr(error, 'strerror', None) or error}")

    def store(self, file: IO[bytes]) -> None:
        key = file_key(file)
        if getattr(file, "failed", None) is not None:
            self._discard(file, None)
            return None
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
            return None
        if self.crawler is None:
            os.replace(self.part_path, self.path)
            return None
        # Two phases, so that a crash or a lost store at any point delivers each article
        # exactly once: note the file's articles, make the file visible, record them.
        from crawler.distributed import fail_run, redis_errors
        from crawler.state import StateManager

        state = StateManager.of(self.crawler)
        run_id = getattr(self.crawler.spider, "run_id", "")
        try:
            state.before_rename(key, self.path, run_id)
        except redis_errors() as exc:
            logger.warning("state store unreachable: %s stays %s (undelivered; the next run "
                           "emits its articles again)", self.path.name, self.part_path.name)
            fail_run(self.crawler, exc)
            state.file_failed(key, "state store failed before the file was complete")
            return None
        try:
            os.replace(self.part_path, self.path)
        except OSError as exc:
            self._discard(file, exc)
            with contextlib.suppress(*redis_errors()):
                state.store.forget_pending(f"{run_id}/{self.path.name}")
            return None
        try:
            state.after_rename(key, self.path, run_id)
        except redis_errors() as exc:
            logger.warning("state store unreachable after completing %s: the next run records "
                           "its articles as delivered", self.path.name)
            fail_run(self.crawler, exc)
        return None


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
