"""Feed files consumers can read while a crawl runs.

A feed is written as ``NAME.part`` beside its final name and renamed (atomically, same
folder) when the run closes it: a consumer globbing ``*.jsonl`` only ever sees complete files.
Files are named with the run id, never Scrapy's per-batch counter.
"""

from __future__ import annotations

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.overwrite and self.path.exists():
            # Appending (-o): start from the complete file so the rename keeps its lines.
            shutil.copyfile(self.path, self.part_path)
            return self.part_path.open("ab")
        return self.part_path.open("wb")

    def store(self, file: IO[bytes]) -> None:
        key = file_key(file)
        file.flush()
        os.fsync(file.fileno())
        file.close()
        if self.crawler is None:
            os.replace(self.part_path, self.path)
            return None
        # Two phases, so that a crash or a lost store at any point delivers each article
        # exactly once: note the file's articles, make the file visible, record them.
        from crawler.distributed import redis_errors
        from crawler.state import StateManager

        state = StateManager.of(self.crawler)
        run_id = getattr(self.crawler.spider, "run_id", "")
        try:
            state.before_rename(key, self.path, run_id)
        except redis_errors():
            logger.warning("state store unreachable: %s stays %s (undelivered; the next run "
                           "emits its articles again)", self.path.name, self.part_path.name)
            return None
        os.replace(self.part_path, self.path)
        try:
            state.after_rename(key, self.path, run_id)
        except redis_errors():
            logger.warning("state store unreachable after completing %s: the next run records "
                           "its articles as delivered", self.path.name)
        return None
