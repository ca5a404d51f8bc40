"""Feed files consumers can read while a crawl runs.

A feed is written as ``NAME.part`` beside its final name and renamed (atomically, same
folder) when the run closes it: a consumer globbing ``*.jsonl`` only ever sees complete files.
Files are named with the run id, never Scrapy's per-batch counter.
"""

from __future__ import annotations

import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from w3lib.url import file_uri_to_path

if TYPE_CHECKING:
    from scrapy import Spider

PART_SUFFIX = ".part"


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


class AtomicFileFeedStorage:
    """Local file storage that writes aside (``.part``) and renames when the feed is done."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None):
        self.path = Path(file_uri_to_path(uri) if uri.startswith("file:") else uri)
        self.overwrite = bool((feed_options or {}).get("overwrite", False))

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
        file.flush()
        os.fsync(file.fileno())
        file.close()
        os.replace(self.part_path, self.path)
        return None
