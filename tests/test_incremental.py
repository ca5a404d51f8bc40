"""Scheduled crawls: incremental runs, updates, near-duplicates, rollover, gzip, locks, and
exactly-once delivery across a SIGKILL."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conftest import ROOT, SITE_ROOT, load_expected_articles, run_crawl
from test_news_spider import sibling_copy

from crawler.faults import FaultPlan, FaultRule
from crawler.server import serve_in_thread

EXPECTED = set(load_expected_articles()["baohatinh.vn"])
EDITED = "thu-ngan-sach-8-thang-cua-ha-tinh-dat-hon-78-du-toan-post295004.html"


def test_second_run_fetches_no_known_article_and_emits_nothing(mirror: str,
                                                               tmp_path: Path) -> None:
    first = run_crawl("baohatinh", mirror, tmp_path)
    assert {i["url"] for i in first.items} == EXPECTED
    second = run_crawl("baohatinh", mirror, tmp_path)
    assert second.returncode == 0
    new_feeds = [f for f in second.feed_files if second.manifest["run_id"] in f.name]
    assert [json.loads(x) for f in new_feeds for x in f.read_text().splitlines()] == []
    counters = second.manifest["counters"]
    assert counters.get("discovery/article_requests", 0) == 0
    # Topic pages are still asked for, and answer 304 Not Modified.
    assert counters["discovery/topic_not_modified"] == 4
    # Topic pages, robots.txt, the RSS feed, the sitemap index and its child sitemap.
    assert second.manifest["pages_fetched"] <= 4 + 4
    assert second.manifest["articles_written"] == 0
    assert second.manifest["store"]["articles"] == len(EXPECTED)


def test_changed_topic_page_lists_known_articles_as_already_seen(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITE_ROOT, root)
    server, base = serve_in_thread(0, root)
    try:
        run_crawl("baohatinh", base, tmp_path / "out")
        topic = root / "baohatinh.vn" / "kinh-te" / "index.html"
        topic.write_text(topic.read_text("utf-8").replace("</body>", "<!-- đổi -->"
                                                           "</body>"), "utf-8")
        second = run_crawl("baohatinh", base, tmp_path / "out")
    finally:
        server.shutdown()
    counters = second.manifest["counters"]
    assert counters["discovery/topic_not_modified"] == 3
    assert counters["discovery/already_seen"] >= 5
    # No known article is fetched again; what is requested is what never made an article.
    outcomes = {r["outcome"] for r in second.manifest["urls"]["not_emitted"]
                if r["outcome"] not in ("list_page", "already_seen", "feed")}
    assert counters.get("discovery/article_requests", 0) == len(
        [r for r in second.manifest["urls"]["not_emitted"]
         if r["outcome"] in ("not_article", "failed") and "-post" in r["url"]])
    assert outcomes <= {"not_article", "failed"}
    assert second.items == [] or all(second.manifest["run_id"] not in f.name
                                     for f in second.feed_files if f.stat().st_size)


def test_edited_article_comes_back_as_revision_2(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITE_ROOT, root)
    server, base = serve_in_thread(0, root)
    refetch = ("-s", "STATE_REFETCH_DAYS=3650", "-s", "CRAWLER_NOW=2025-09-01T03:00:00Z")
    try:
        first = run_crawl("baohatinh", base, tmp_path / "out", *refetch)
        page = root / "baohatinh.vn" / EDITED
        text = page.read_text("utf-8")
        edited = text.replace("đều tăng khá.</p>",
                              "đều tăng khá. Số liệu được cập nhật lúc 17 giờ.</p>", 1)
        assert edited != text
        page.write_text(edited, "utf-8")
        second = run_crawl("baohatinh", base, tmp_path / "out", *refetch)
    finally:
        server.shutdown()
    assert len(first.items) == len(EXPECTED)
    mine = [json.loads(x) for f in second.feed_files if second.manifest["run_id"] in f.name
            for x in f.read_text("utf-8").splitlines()]
    assert [i["url"].rsplit("/", 1)[1] for i in mine] == [EDITED]
    assert mine[0]["revision"] == 2
    assert "17 giờ" in mine[0]["body"]
    assert second.manifest["counters"]["dedupe/dropped_already_seen"] == len(EXPECTED) - 1


def test_syndicated_copies_are_marked_with_the_first_url(mirror: str, tmp_path: Path) -> None:
    run_crawl("baohatinh", mirror, tmp_path / "first")
    server, base = serve_in_thread(0, sibling_copy(tmp_path, "baonghean.vn"))
    try:
        copies = run_crawl("news", base, tmp_path / "copies",
                           "-a", "start=https://baonghean.vn/chinh-tri/", state=tmp_path / "first")
    finally:
        server.shutdown()
    assert copies.returncode == 0
    assert len(copies.items) >= 20
    for item in copies.items:
        assert item["site"] == "baonghean.vn"
        assert item["duplicate_of"] == item["url"].replace("baonghean.vn", "baohatinh.vn")
    assert copies.manifest["counters"]["dedupe/near_duplicates"] == len(copies.items)


def test_rollover_gzip_and_manifest_checksums(mirror: str, tmp_path: Path) -> None:
    result = run_crawl("baohatinh", mirror, tmp_path, "-s", "FEED_ROLLOVER_ITEMS=10",
                       "-s", "FEED_GZIP=True")
    assert result.returncode == 0
    files = sorted(tmp_path.glob("*.jsonl.gz"))
    assert [f.name for f in files] == [
        f"baohatinh-{result.manifest['run_id']}-{n:04d}.jsonl.gz" for n in (1, 2, 3, 4)]
    sizes = [10, 10, 10, len(EXPECTED) - 30]
    items = [json.loads(x) for f in files for x in gzip.decompress(f.read_bytes()).splitlines()]
    assert {i["url"] for i in items} == EXPECTED and len(items) == len(EXPECTED)
    listed = {f["file"]: f for f in result.manifest["files"]}
    assert sorted(listed) == [f.name for f in files]
    for f in files:
        assert listed[f.name]["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert [listed[f.name]["items"] for f in files] == sizes


def slow_server(root: Path = SITE_ROOT, seconds: float = 0.4) -> tuple[object, str]:
    plan = FaultPlan(rules=[FaultRule("slow", pattern=r"-post\d+\.html", times=None,
                                      params={"seconds": seconds})])
    return serve_in_thread(0, root, plan)


def start_crawl(base: str, out: Path, *extra: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "baohatinh", "-s", f"MIRROR={base}",
           "-s", f"FEED_DIR={out}", "-s", f"STATE_URI=sqlite:///{out}/state.sqlite3",
           "-s", "FEED_ROLLOVER_ITEMS=5", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
           "-s", "LOG_LEVEL=INFO", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def wait_for(predicate, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_sigkill_then_resume_delivers_every_article_exactly_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    server, base = slow_server()
    try:
        proc = start_crawl(base, out)
        # Kill it once two files are complete and a third is being written (the feed's .part:
        # the run's WARC archive is a .part from its start to its end).
        wait_for(lambda: len(list(out.glob("*.jsonl"))) >= 2
                 and list(out.glob("*.jsonl.part")))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed = sorted(out.glob("*.jsonl"))
        assert list(out.glob("*.jsonl.part")), "the kill left a partial file behind"
        # A second run with the same command and store completes the crawl.
        proc2 = start_crawl(base, out)
        _, err = proc2.communicate(timeout=120)
        assert proc2.returncode == 0, err[-3000:]
    finally:
        server.shutdown()
    assert not list(out.glob("*.part"))
    items = [json.loads(x) for f in sorted(out.glob("*.jsonl"))
             for x in f.read_text("utf-8").splitlines()]
    counts = Counter(i["url"] for i in items)
    assert set(counts) == EXPECTED
    assert max(counts.values()) == 1
    assert len(killed) >= 2
    manifests = [json.loads(m.read_text()) for m in out.glob("*.manifest.json")]
    statuses = sorted(m["status"] for m in manifests)
    assert statuses == ["finished", "killed-and-resumed"]
    resumed = next(m for m in manifests if m["status"] == "finished")
    assert resumed["resumed"]
    # The killed run's manifest lists its complete files (it used to say files: []).
    dead = next(m for m in manifests if m["status"] == "killed-and-resumed")
    assert [f["file"] for f in dead["files"]] == [p.name for p in killed]
    assert all(f["items"] > 0 and len(f["sha256"]) == 64 for f in dead["files"])


def test_second_run_while_one_is_going_exits_at_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    server, base = slow_server(seconds=1.0)
    try:
        first = start_crawl(base, out)
        wait_for(lambda: ((out / "state.sqlite3").exists() and list(out.glob("*.part")))
                 or first.poll() is not None, timeout=30)
        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "baohatinh", "-s", f"MIRROR={base}",
             "-s", f"FEED_DIR={out}", "-s", f"STATE_URI=sqlite:///{out}/state.sqlite3"],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert time.monotonic() - started < 15
        errors = [ln for ln in second.stderr.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1 and "holds the lock" in errors[0]
        assert f"pid {first.pid}" in errors[0]
        # Reported before Scrapy starts: the error line is all the operator sees.
        assert "Scrapy" not in second.stderr and "[scrapy" not in second.stderr, second.stderr
        first.kill()
        first.wait()
    finally:
        server.shutdown()


def test_a_run_dying_between_rename_and_record_is_finished_by_the_next(
        mirror: str, tmp_path: Path) -> None:
    """Phase 2 of delivery never ran (killed right after the rename): the next run records
    the file's articles from the pending note instead of emitting them again."""
    from crawler.state import Delivery, _delivery_row
    from crawler.store import open_store

    first = run_crawl("baohatinh", mirror, tmp_path, "-s", "FEED_ROLLOVER_ITEMS=10")
    assert first.returncode == 0
    # Simulate the dead run: a complete file whose articles the store never recorded.
    store = open_store(f"sqlite:///{tmp_path}/state.sqlite3", root=ROOT)
    ghost = first.feed_files[0]
    items = [json.loads(x) for x in ghost.read_text("utf-8").splitlines()]
    dead_run = "20200101T000000Z-dead00"
    moved = ghost.with_name(f"baohatinh-{dead_run}.jsonl")
    ghost.rename(moved)
    store.prune(datetime_far_future())  # forget everything recorded so far
    rows = [_delivery_row(Delivery(i["site"], i["url"], i["fingerprint"], i["article_id"],
                                   i["published_at"], i["modified_at"], None)) for i in items]
    store.add_pending(f"{dead_run}/{moved.name}", moved.name, json.dumps(rows))
    store.close()
    # Re-fetching on (no 304s): every article is fetched again and judged by the store.
    second = run_crawl("baohatinh", mirror, tmp_path, "-s", "STATE_REFETCH_DAYS=3650",
                       "-s", "CRAWLER_NOW=2025-09-01T03:00:00Z")
    assert second.returncode == 0
    mine = [json.loads(x) for f in second.feed_files if second.manifest["run_id"] in f.name
            for x in f.read_text("utf-8").splitlines()]
    # The dead run's 10 articles are not emitted again; the others (forgotten) are.
    assert {i["url"] for i in mine} == EXPECTED - {i["url"] for i in items}
    assert second.manifest["counters"]["dedupe/dropped_already_seen"] == len(items)


def datetime_far_future():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2100, 1, 1, tzinfo=UTC)
