"""Re-extraction over the demo crawl's WARC: the same feed again; with the demo's store and a
profile changed on purpose, exactly the changed articles as revision 2, with what changed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.reextract import field_changes, field_digests

ROOT = Path(__file__).resolve().parent.parent

# Run in a subprocess (a Twisted reactor does not restart in-process), with the baohatinh
# profile changed on purpose: one article in three gets an extra body paragraph.
PATCHED = r"""
import dataclasses, re, sys
from crawler.sites import registry
profile = registry()["baohatinh"]
original = profile.extractor
def changed(html, url):
    raw = original(html, url)
    if int(re.search(r"(\d+)\D*$", raw["url"]).group(1)) % 3 == 0:
        raw["paragraphs"] = [*raw["paragraphs"], "Đoạn văn thêm vào bởi bài kiểm tra."]
    return raw
registry()["baohatinh"] = dataclasses.replace(profile, extractor=changed)
from crawler.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def is_changed(url: str) -> bool:
    return int(re.search(r"(\d+)\D*$", url).group(1)) % 3 == 0  # type: ignore[union-attr]


def reextract(*args: str, patched: bool = False) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", PATCHED] if patched else [sys.executable, "-m", "crawler"]
    proc = subprocess.run([*cmd, "reextract", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def read_feed(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]


def without_crawled_at(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a["url"]: {k: v for k, v in a.items() if k != "crawled_at"} for a in items}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([sys.executable, "-m", "crawler", "demo", "--output", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    feeds = sorted(out.glob("*.jsonl"))
    assert len(feeds) == 1 and list(out.glob("*.warc.gz"))
    return out, read_feed(feeds[0])


def test_reextract_reproduces_the_demo_feed(demo: Any, tmp_path: Path) -> None:
    out, feed = demo
    target = tmp_path / "again.jsonl"
    proc = reextract(str(out), "-O", str(target))
    again = read_feed(target)
    assert len(again) == len(feed) == 36
    assert without_crawled_at(again) == without_crawled_at(feed)
    # crawled_at is when the archived page was fetched, not now.
    by_url = {a["url"]: a for a in feed}
    for a in again:
        assert a["crawled_at"][:15] == by_url[a["url"]]["crawled_at"][:15]
    assert "baohatinh.vn: 36 re-extracted: 0 changed, 36 unchanged" in proc.stdout


def test_with_the_store_and_no_change_nothing_is_written(demo: Any, tmp_path: Path) -> None:
    out, _ = demo
    shutil.copy(out / "state.sqlite3", tmp_path / "state.sqlite3")
    target = tmp_path / "none.jsonl"
    proc = reextract(str(out), "-O", str(target),
                     "--state", f"sqlite:///{tmp_path / 'state.sqlite3'}")
    assert not target.exists() or read_feed(target) == []
    assert "36 articles written" not in proc.stdout and "0 articles written" in proc.stdout


def test_changed_profile_emits_exactly_the_changed_articles_as_revision_2(
        demo: Any, tmp_path: Path) -> None:
    out, feed = demo
    shutil.copy(out / "state.sqlite3", tmp_path / "state.sqlite3")
    state = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    target = tmp_path / "rev.jsonl"
    summary = tmp_path / "summary.json"
    proc = reextract(str(out), "-O", str(target), "--state", state, "--json", str(summary),
                     patched=True)
    expected = {a["url"] for a in feed if is_changed(a["url"])}
    assert 0 < len(expected) < len(feed)
    emitted = read_feed(target)
    assert {a["url"] for a in emitted} == expected
    assert all(a["revision"] == 2 for a in emitted)
    assert all(a["body"].endswith("Đoạn văn thêm vào bởi bài kiểm tra.") for a in emitted)
    site = json.loads(summary.read_text("utf-8"))["sites"]["baohatinh.vn"]
    assert site["changed"] == len(expected)
    assert site["unchanged"] == len(feed) - len(expected)
    assert site["fields"]["differ"] == {"body": len(expected), "fingerprint": len(expected)}
    assert site["fields"]["appeared"] == {} and site["fields"]["disappeared"] == {}
    assert f"fields differ: body ({len(expected)}), fingerprint ({len(expected)})" in proc.stdout
    # The store now holds revision 2: the same re-extraction again writes nothing.
    again = tmp_path / "again.jsonl"
    reextract(str(out), "-O", str(again), "--state", state, patched=True)
    assert not again.exists() or read_feed(again) == []


def test_field_changes_and_digests() -> None:
    old = field_digests({"title": "A", "lead": "", "tags": ["x"], "crawled_at": "1"})
    new = field_digests({"title": "B", "lead": "L", "tags": ["x"], "crawled_at": "2"})
    assert field_changes(old, new) == {"appeared": ["lead"], "disappeared": [],
                                       "differ": ["title"]}


def test_missing_archive_is_one_error_line(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "crawler", "reextract",
                           str(tmp_path / "nothing.warc.gz")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: no WARC file or folder")
