"""``python -m crawler state check|rebuild``: the state store's health, and its recovery.

``check`` opens the store as a crawl would (SQLite: ``PRAGMA quick_check``; Redis: PING and
the schema version key) and says ok, or names the problem (exit status 2).

``rebuild`` recreates what the crawler remembers about delivered articles from what was
delivered: every complete feed file (``*.jsonl``, ``*.jsonl.gz``; never ``*.part``) under the
given folders, in run order, is recorded again (URL, site id, body fingerprint, dates,
revision, near-duplicate signature). A file whose run manifest lists another SHA-256 (edited
after delivery) is skipped and named. A damaged SQLite file is moved aside first
(``<file>.corrupt-<UTC time>``, with its -wal/-shm). Not rebuilt, because nothing delivered
holds them: topic pages' validators (the next run asks for every topic page in full, costing
200s instead of 304s) and run locks.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.feeds import PART_SUFFIX
from crawler.neardup import MinHasher, shingles
from crawler.state import RUN_ID_RE, Delivery, record_deliveries, sha256_of
from crawler.store import StoreError, open_store, redact_uri, sqlite_file


def feed_files(folders: list[Path]) -> list[Path]:
    """Complete feed files, oldest run first (run ids start with their UTC time)."""
    found = [p for folder in folders for pattern in ("*.jsonl", "*.jsonl.gz")
             for p in folder.glob(pattern) if not p.name.endswith(PART_SUFFIX)]

    def order(path: Path) -> tuple[str, str]:
        run = RUN_ID_RE.search(path.name)
        return (run.group(0) if run else "", path.name)

    return sorted(set(found), key=order)


def manifest_hashes(folders: list[Path]) -> dict[str, str]:
    """File name -> SHA-256 as each run's manifest recorded it."""
    out: dict[str, str] = {}
    for folder in folders:
        for path in folder.glob("*.manifest.json"):
            try:
                data = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError):
                continue
            for entry in data.get("files", []) or []:
                if isinstance(entry, dict) and entry.get("file") and entry.get("sha256"):
                    out[entry["file"]] = entry["sha256"]
    return out


def read_articles(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def deliveries_of(path: Path) -> list[Delivery]:
    hasher = MinHasher()
    out = []
    for a in read_articles(path):
        signature = hasher.signature(shingles(a.get("body") or "")) if a.get("body") else None
        out.append(Delivery(a["site"], a["url"], a["fingerprint"], a.get("article_id"),
                            a.get("published_at"), a.get("modified_at"), signature))
    return out


def move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        src = path.with_name(path.name + suffix)
        if src.exists():
            src.replace(target.with_name(target.name + suffix))
    return target


def cmd_check(uri: str, root: Path) -> int:
    try:
        store = open_store(uri, root=root)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        stats = store.stats()
    finally:
        store.close()
    print(f"ok: state store {redact_uri(uri)} passed its integrity check "
          f"({stats.get('articles', 0)} articles)")
    return 0


def cmd_rebuild(uri: str, root: Path, folders: list[Path]) -> int:
    missing = [str(f) for f in folders if not f.is_dir()]
    if missing:
        print(f"error: no such feed folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    path = sqlite_file(uri, root)
    if path is not None and path.exists():
        try:
            open_store(uri, root=root).close()
        except StoreError:
            aside = move_aside(path)
            print(f"moved the damaged store aside: {aside}")
    try:
        store = open_store(uri, root=root)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    hashes = manifest_hashes(folders)
    counts: Counter[str] = Counter()
    try:
        for feed in feed_files(folders):
            expected = hashes.get(feed.name)
            if expected and expected != sha256_of(feed):
                print(f"skipped {feed}: its content differs from its run manifest's SHA-256",
                      file=sys.stderr)
                counts["files_skipped"] += 1
                continue
            try:
                deliveries = deliveries_of(feed)
            except (OSError, ValueError, KeyError) as exc:
                print(f"skipped {feed}: unreadable ({exc})", file=sys.stderr)
                counts["files_skipped"] += 1
                continue
            counts.update(record_deliveries(store, deliveries))
            counts["files"] += 1
    finally:
        store.close()
    print(f"rebuilt {redact_uri(uri)} from {counts['files']} feed files: "
          f"{counts['recorded_new']} articles, {counts['recorded_updated']} revisions, "
          f"{counts['recorded_unchanged']} already known, {counts['files_skipped']} files "
          "skipped (topic validators are not rebuilt: the next run fetches every topic page)")
    return 0
