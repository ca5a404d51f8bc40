"""Unit checks behind the fault matrix: the run status, guarded feed files, the manifest
fallback, the store's integrity check and rebuild, the per-site lock."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler import runstatus
from crawler.feeds import GuardedFile
from crawler.state import LockHeld, StateManager
from crawler.statetool import cmd_check, cmd_rebuild
from crawler.store import StoreError
from crawler.store.sqlite import SqliteStore
from crawler.summary import write_manifest


def crawler_with(**settings: Any) -> Any:
    crawler = get_crawler(settings_dict={"STATE_LOCK_TTL": 60, **settings})
    crawler.stats.open_spider()
    return crawler


def test_run_status_precedence_and_exit_codes() -> None:
    crawler = crawler_with()
    assert runstatus.decide(crawler, "finished") == runstatus.RunStatus("finished", "", 0)
    assert runstatus.decide(crawler, "shutdown").exit_code == 1
    runstatus.fail(crawler, runstatus.CALLBACK, "https://a.vn/x: KeyError: 'x'")
    assert runstatus.decide(crawler, "finished").exit_code == 6
    runstatus.fail(crawler, runstatus.DELIVERY, "cannot write f.part: No space left on device")
    runstatus.fail(crawler, runstatus.DELIVERY, "cannot write g.part: No space left on device")
    status = runstatus.decide(crawler, "delivery_failed")
    assert status.status == "failed" and status.exit_code == 4
    assert status.reason == ("delivery_failed: cannot write f.part: No space left on device "
                             "(and 1 more)")
    crawler.stats.set_value("health/failed", 1)
    assert runstatus.decide(crawler, "layout_changed").exit_code == 3


def test_guarded_file_reports_the_first_error_once_then_swallows(tmp_path: Path) -> None:
    errors: list[OSError] = []

    class Full:
        closed = False

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self) -> None:
            self.closed = True

    guarded = GuardedFile(Full(), errors.append)  # type: ignore[arg-type]
    assert guarded.write(b"abc") == 3
    guarded.write(b"more")
    guarded.flush()
    guarded.close()
    assert len(errors) == 1 and errors[0].errno == errno.ENOSPC
    assert guarded.failed is errors[0]


def test_manifest_falls_back_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    where = write_manifest(blocked / "run.manifest.json", {"status": "failed", "reason": "x"})
    assert where is None
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert json.loads(line.removeprefix("manifest: ")) == {"status": "failed", "reason": "x"}
    assert write_manifest(tmp_path / "ok.manifest.json", {"status": "finished"}) == (
        tmp_path / "ok.manifest.json")


def _damaged_store(path: Path) -> None:
    store = SqliteStore(path)
    with store.batch():
        for i in range(3000):
            store.record("a.vn", f"https://a.vn/x-{i}.html", f"v1:{i:040d}", article_id=str(i))
    store.close()
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.seek(size // 2)
        fh.write(b"\x00\xff" * 2048)


def test_quick_check_refuses_a_damaged_file_naming_it(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    db = tmp_path / "state.sqlite3"
    _damaged_store(db)
    with pytest.raises(StoreError) as caught:
        SqliteStore(db)
    message = str(caught.value)
    assert str(db) in message and "corrupted" in message and "state rebuild" in message
    assert "\n" not in message
    assert cmd_check(f"sqlite:///{db}", tmp_path) == 2
    assert capsys.readouterr().err.startswith("error: state store")


def test_rebuild_replays_complete_feeds_and_skips_altered_ones(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()

    def article(n: int, body: str) -> dict[str, Any]:
        return {"site": "a.vn", "url": f"https://a.vn/x-post{n}.html", "article_id": str(n),
                "fingerprint": f"v1:{n}-{len(body)}", "published_at": None,
                "modified_at": None, "body": body}

    first = feeds / "s-20260101T000000Z-aaaaaa-0001.jsonl"
    first.write_text("\n".join(json.dumps(article(n, f"thân bài {n} " * 30))
                               for n in range(5)) + "\n", "utf-8")
    second = feeds / "s-20260102T000000Z-bbbbbb-0001.jsonl"
    second.write_text(json.dumps(article(1, "đã sửa " * 40)) + "\n", "utf-8")
    altered = feeds / "s-20260103T000000Z-cccccc-0001.jsonl"
    altered.write_text(json.dumps(article(9, "x")) + "\n", "utf-8")
    (feeds / "s-20260103T000000Z-cccccc.manifest.json").write_text(json.dumps(
        {"files": [{"file": altered.name, "sha256": "0" * 64}]}), "utf-8")
    (feeds / "s-20260104T000000Z-dddddd-0001.jsonl.part").write_text(
        json.dumps(article(7, "y")) + "\n", "utf-8")
    db = tmp_path / "state.sqlite3"
    _damaged_store(db)
    assert cmd_rebuild(f"sqlite:///{db}", tmp_path, [feeds]) == 0
    assert list(tmp_path.glob("state.sqlite3.corrupt-*"))
    store = SqliteStore(db)
    try:
        assert store.stats()["articles"] == 5
        assert store.lookup("a.vn", url="https://a.vn/x-post1.html").revision == 2
        assert store.lookup("a.vn", url="https://a.vn/x-post9.html") is None  # altered
        assert store.lookup("a.vn", url="https://a.vn/x-post7.html") is None  # never complete
        assert store.signatures(["https://a.vn/x-post3.html"])
    finally:
        store.close()


def test_site_lock_holds_across_spiders(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/state.sqlite3"
    one = StateManager(crawler_with(STATE_URI=uri))
    two = StateManager(crawler_with(STATE_URI=uri))
    one.acquire("baohatinh", ["baohatinh.vn"])
    two.owner = "elsewhere:1"
    with pytest.raises(LockHeld) as caught:
        two.acquire("news", ["baohatinh.vn", "vnexpress.vn"])
    assert "site baohatinh.vn" in str(caught.value) and "(baohatinh)" in str(caught.value)
    # All or nothing: the news run took none of its locks.
    assert two.lock_names == []
    assert one.store.lock_holder("crawl:news") is None
    assert one.store.lock_holder("site:vnexpress.vn") is None
    one.release()
    two.acquire("news", ["baohatinh.vn", "vnexpress.vn"])
    assert sorted(two.lock_names) == ["crawl:news", "site:baohatinh.vn", "site:vnexpress.vn"]
    two.release()
