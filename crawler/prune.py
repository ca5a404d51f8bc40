"""``python -m crawler prune``: bound the state store and the feed folders by age.

Nothing is created and nothing is guessed: the store must exist, ``--days`` is at least 1, and
``--dry-run`` reports what would go (counts, and bytes for feed files) without removing it.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.archive import prune_index
from crawler.store import StoreError, open_store, redact_uri, sqlite_file
from crawler.store.sqlite import SqliteStore

# Files of a feed folder prune may delete: complete feeds and run manifests (never .part files
# of a running crawl, never anything else a user keeps there).
FEED_SUFFIXES = (".jsonl", ".jsonl.gz", ".manifest.json", ".warc.gz")  # WARC archives too
MIN_DAYS = 1.0


class PruneError(Exception):
    """A one-line reason prune refuses to run."""


def check_days(text: str) -> float:
    """``--days``: a number of days, at least 1 (0 or less would forget everything).

    >>> check_days("30"), check_days("1.5")
    (30.0, 1.5)
    >>> check_days("-5")
    Traceback (most recent call last):
    ...
    crawler.prune.PruneError: --days -5: must be at least 1 (days of history to keep)
    """
    try:
        days = float(text)
    except ValueError:
        raise PruneError(f"--days {text}: not a number of days") from None
    if not days >= MIN_DAYS:  # also refuses nan
        raise PruneError(f"--days {text}: must be at least 1 (days of history to keep)")
    return days


def prune_state(uri: str, cutoff: datetime, *, root: Path, dry_run: bool) -> dict[str, int]:
    """Counts of what is (or, dry run, would be) forgotten. Refuses a sqlite file that does
    not exist: opening it would create an empty store and report success."""
    path = sqlite_file(uri, root)
    if path is not None and not path.is_file():
        raise PruneError(f"state store {path} does not exist (check --state)")
    if dry_run:
        if path is None:
            raise PruneError(f"--dry-run: only sqlite stores can be previewed, not "
                             f"{redact_uri(uri)}")
        return _preview_sqlite(path, cutoff)
    try:
        store = open_store(uri, root=root)
    except StoreError as exc:
        raise PruneError(str(exc)) from None
    try:
        return store.prune(cutoff)
    finally:
        store.close()


def _preview_sqlite(path: Path, cutoff: datetime) -> dict[str, int]:
    """Prune a copy (SQLite's online backup, consistent even while a crawl writes)."""
    with tempfile.TemporaryDirectory(prefix="prune-preview-") as tmp:
        copy = Path(tmp) / "copy.sqlite3"
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            target = sqlite3.connect(copy)
            with target:
                source.backup(target)
            source.close()
            target.close()
        except sqlite3.Error as exc:
            raise PruneError(f"state store {path}: {exc}") from None
        store = SqliteStore(copy)
        try:
            return store.prune(cutoff)
        finally:
            store.close()


@dataclass
class FeedFile:
    path: Path
    size: int


def old_feed_files(folders: list[str], cutoff: datetime) -> list[FeedFile]:
    """Feed files and manifests last modified before cutoff, in the given folders."""
    found = []
    for folder in folders:
        base = Path(folder)
        if not base.is_dir():
            raise PruneError(f"--feeds {folder}: no such folder")
        for path in sorted(base.iterdir()):
            if not path.is_file() or not path.name.endswith(FEED_SUFFIXES):
                continue
            stat = path.stat()
            if datetime.fromtimestamp(stat.st_mtime, UTC) < cutoff:
                found.append(FeedFile(path, stat.st_size))
    return found


def human_bytes(n: int) -> str:
    """
    >>> human_bytes(512), human_bytes(2048), human_bytes(5 * 1024 ** 2)
    ('512 B', '2.0 KB', '5.0 MB')
    """
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def run(days_text: str, state: str, feeds: list[str], *, root: Path, dry_run: bool,
        now: datetime | None = None) -> list[str]:
    """Prune (or preview); the lines to print. Raises PruneError before touching anything."""
    days = check_days(days_text)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    files = old_feed_files(feeds, cutoff)  # checked before the store is touched
    counts = prune_state(state, cutoff, root=root, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    lines = [f"state {redact_uri(state)}: {verb} "
             + ", ".join(f"{n} {k}" for k, n in counts.items())]
    if feeds:
        total = sum(f.size for f in files)
        if not dry_run:
            for f in files:
                f.path.unlink(missing_ok=True)
            for folder in feeds:
                # Forget the payloads of deleted WARC files, so a later fetch of those URLs is
                # archived in full rather than as a revisit of a record that is gone.
                prune_index(Path(folder))
        lines.append(f"feeds: {verb} {len(files)} files ({human_bytes(total)}) older than "
                     f"{days:g} days")
        if dry_run:
            lines.extend(f"  {f.path} ({human_bytes(f.size)})" for f in files)
    return lines


__all__ = ["PruneError", "check_days", "old_feed_files", "prune_state", "run"]
