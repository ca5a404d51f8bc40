from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import ROOT

from crawler.store import open_store


def test_prune_removes_old_articles_and_old_feeds(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path}/state.sqlite3"
    store = open_store(state, root=ROOT)
    store.record("baohatinh.vn", "https://baohatinh.vn/a-post1.html", "v1:" + "0" * 32)
    store.close()
    old = tmp_path / "feeds" / "baohatinh-old.jsonl"
    new = tmp_path / "feeds" / "baohatinh-new.jsonl"
    old.parent.mkdir()
    old.write_text("{}\n")
    new.write_text("{}\n")
    long_ago = time.time() - 40 * 86400
    os.utime(old, (long_ago, long_ago))
    keep = subprocess.run([sys.executable, "-m", "crawler", "prune", "--days", "30",
                           "--state", state, "--feeds", str(old.parent)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert keep.returncode == 0, keep.stderr
    assert "0 articles" in keep.stdout and not old.exists() and new.exists()
    # Articles not seen for longer than --days go. (This test used --days -1 to forget
    # everything: a negative or zero --days is now refused, see below.)
    store = open_store(state, root=ROOT, now=lambda: datetime.now(UTC) - timedelta(days=3))
    store.record("baohatinh.vn", "https://baohatinh.vn/a-post1.html", "v1:" + "0" * 32)
    store.close()
    proc = prune("--days", "2", "--state", state)
    assert proc.returncode == 0, proc.stderr
    assert "1 articles" in proc.stdout
    store = open_store(state, root=ROOT)
    assert store.lookup("baohatinh.vn", url="https://baohatinh.vn/a-post1.html") is None


def prune(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "prune", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def one_error_line(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    for needle in needles:
        assert needle in proc.stderr


def test_prune_refuses_days_below_one_and_missing_store(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path}/state.sqlite3"
    store = open_store(state, root=ROOT, now=lambda: datetime.now(UTC) - timedelta(days=400))
    store.record("baohatinh.vn", "https://baohatinh.vn/a-post1.html", "v1:" + "0" * 32)
    store.close()
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "a.jsonl").write_text("{}\n")
    for days in ("-5", "0", "0.5", "abc", "nan"):
        one_error_line(prune("--days", days, "--state", state, "--feeds", str(feeds)),
                       f"--days {days}")
    assert (feeds / "a.jsonl").exists()
    store = open_store(state, root=ROOT)
    assert store.lookup("baohatinh.vn", url="https://baohatinh.vn/a-post1.html") is not None
    store.close()
    # A mistyped --state is refused, and no empty database appears in its place.
    typo = tmp_path / "stat.sqlite3"
    one_error_line(prune("--days", "30", "--state", f"sqlite:///{typo}"), "does not exist")
    assert not typo.exists()
    one_error_line(prune("--days", "30", "--state", state, "--feeds", str(tmp_path / "nope")),
                   "no such folder")


def test_prune_dry_run_counts_and_bytes_and_removes_nothing(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path}/state.sqlite3"
    store = open_store(state, root=ROOT, now=lambda: datetime.now(UTC) - timedelta(days=40))
    for i in range(3):
        store.record("baohatinh.vn", f"https://baohatinh.vn/a-post{i}.html",
                     f"v1:{i:032d}")
    store.close()
    store = open_store(state, root=ROOT)
    store.record("baohatinh.vn", "https://baohatinh.vn/new-post9.html", "v1:" + "9" * 32)
    store.close()
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    old = feeds / "baohatinh-old.jsonl"
    old.write_bytes(b"x" * 3000)
    (feeds / "baohatinh-new.jsonl").write_text("{}\n")
    long_ago = time.time() - 40 * 86400
    os.utime(old, (long_ago, long_ago))
    proc = prune("--days", "30", "--state", state, "--feeds", str(feeds), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "would remove" in proc.stdout and "3 articles" in proc.stdout
    assert "1 files (2.9 KB)" in proc.stdout and str(old) in proc.stdout
    assert old.exists()
    store = open_store(state, root=ROOT)
    assert store.lookup("baohatinh.vn", url="https://baohatinh.vn/a-post0.html") is not None
    store.close()
    # The same without --dry-run removes exactly that.
    proc = prune("--days", "30", "--state", state, "--feeds", str(feeds))
    assert proc.returncode == 0, proc.stderr
    assert ": removed " in proc.stdout and " 3 articles" in proc.stdout and not old.exists()
