from __future__ import annotations

import os
import subprocess
import sys
import time
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
    # Articles not seen for longer than --days go; with --days 0 everything does.
    proc = subprocess.run([sys.executable, "-m", "crawler", "prune", "--days", "-1",
                           "--state", state], cwd=ROOT, capture_output=True, text=True)
    assert "1 articles" in proc.stdout
    store = open_store(state, root=ROOT)
    assert store.lookup("baohatinh.vn", url="https://baohatinh.vn/a-post1.html") is None
