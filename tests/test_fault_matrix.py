"""The fault matrix: every failure ends loudly (exit status, manifest status and reason, no
traceback, no URL left pending) and, with the fault removed, at most two reruns of the same
command deliver exactly the articles of a clean crawl, each once.

Environment faults (full disk, failing disk, full state disk) are injected at the Python I/O
boundary by tests/faultrun.py; site faults by the fixture server's fault plan.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SITE_ROOT, load_expected_articles

from crawler.faults import FaultPlan, FaultRule
from crawler.feeds import new_run_id
from crawler.server import serve_in_thread

EXPECTED = set(load_expected_articles()["baohatinh.vn"])
FAULTRUN = ROOT / "tests" / "faultrun.py"
FAST = ("-s", "RETRY_BACKOFF_BASE=0.05", "-s", "RETRY_BACKOFF_MAX=0.2", "-s", "RETRY_TIMES=2",
        "-s", "RETRY_AFTER_MAX=1", "-s", "FEED_ROLLOVER_ITEMS=10", "-s", "DOWNLOAD_TIMEOUT=5",
        # The WARC archive has its own tests; here the disk budget is the feeds'.
        "-s", "ARCHIVE_ENABLED=False")
ARTICLE_A = "trang-su-moi-ky-vong-moi-post289901.html"
ARTICLE_B = "trao-200-suat-hoc-bong-cho-hoc-sinh-vuot-kho-hoc-gioi-post294480.html"
ARTICLE_C = "gia-lon-hoi-tang-nguoi-chan-nuoi-ha-tinh-tai-dan-post294602.html"
ARTICLE_D = "ha-tinh-in-dau-chan-nguoi-post287950.html"
ARTICLE_E = "trao-huy-hieu-dang-dot-29-cho-hon-1-200-dang-vien-post294790.html"
ARTICLE_F = "hon-240-nghin-hoc-sinh-ha-tinh-san-sang-buoc-vao-nam-hoc-moi-post295020.html"


@dataclass
class Run:
    returncode: int
    log: str
    manifest: dict[str, Any]
    manifest_path: Path | None


@pytest.fixture(scope="module")
def clean_site() -> Iterator[str]:
    server, base = serve_in_thread(0, SITE_ROOT)
    yield base
    server.shutdown()


def crawl(base: str, out: Path, *extra: str, fault: str = "", spider: str = "baohatinh",
          state: Path | None = None, timeout: int = 180) -> Run:
    """One ``scrapy crawl`` (through faultrun.py when a fault is given); its manifest is
    found by run id in FEED_DIR or, when the feed folder refused it, in the fallback."""
    run_id = new_run_id()
    fallback = out.parent / f"{out.name}-fallback"
    # PYTHONPATH: faultrun.py runs as a script, and imports the crawler of this checkout.
    env = {**os.environ, "VNNEWS_TEST_FAULT": fault, "VNNEWS_MANIFEST_FALLBACK": str(fallback),
           "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    entry = [str(FAULTRUN)] if fault else ["-m", "scrapy"]
    cmd = [sys.executable, *entry, "crawl", spider, "-s", f"MIRROR={base}",
           "-s", f"FEED_DIR={out}", "-s", "LOG_LEVEL=INFO", "-a", f"run_id={run_id}",
           "-s", f"STATE_URI=sqlite:///{(state or out).resolve()}/state.sqlite3", *FAST, *extra]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    manifest, where = {}, None
    for folder in (out, fallback):
        path = folder / f"{spider}-{run_id}.manifest.json"
        if path.exists():
            manifest, where = json.loads(path.read_text("utf-8")), path
            break
    return Run(proc.returncode, proc.stderr, manifest, where)


def delivered(out: Path) -> Counter[str]:
    return Counter(json.loads(line)["url"] for f in sorted(out.glob("*.jsonl"))
                   for line in f.read_text("utf-8").splitlines() if line.strip())


def assert_honest(run: Run, code: int, reason: str = "") -> None:
    """Exit status, manifest status and reason agree; no traceback; nothing pending."""
    assert run.returncode == code, run.log[-3000:]
    assert run.manifest, f"no manifest anywhere\n{run.log[-2000:]}"
    assert run.manifest["status"] == ("finished" if code == 0 else "failed")
    assert run.manifest["exit_status"] == code
    assert run.manifest["reason"].startswith(reason), run.manifest["reason"]
    assert "Traceback" not in run.log, run.log[run.log.index("Traceback") - 500:][:3000]
    urls = run.manifest["urls"]
    assert "pending" not in urls["counts"], urls
    assert sum(urls["counts"].values()) == urls["discovered"]
    # The summary counts what is in complete files.
    assert run.manifest["articles_written"] == sum(f["items"] for f in run.manifest["files"])


def assert_recovers(base: str, out: Path, *extra: str, reruns: int = 2,
                    spider: str = "baohatinh") -> Run:
    """With the fault gone, at most ``reruns`` runs deliver the clean crawl's articles, each
    once (counted over every complete feed file the runs left)."""
    last = None
    for _ in range(reruns):
        last = crawl(base, out, *extra, spider=spider)
        assert_honest(last, 0)
        if set(delivered(out)) == EXPECTED:
            break
    counts = delivered(out)
    assert set(counts) == EXPECTED, sorted(EXPECTED - set(counts))
    assert max(counts.values()) == 1, [u for u, n in counts.items() if n > 1]
    assert not list(out.glob("*.part")), list(out.glob("*.part"))
    assert last is not None
    return last


# --- delivery: the feed folder --------------------------------------------------------------

def test_disk_full_mid_run(clean_site: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    run = crawl(clean_site, out, fault=f"disk_full:{out}:40000")
    assert_honest(run, 4, "delivery_failed: cannot write")
    assert "No space left on device" in run.manifest["reason"]
    # Some files completed before the disk filled; the articles of the failed one are listed
    # as undelivered, and the files on disk hold exactly what the manifest says.
    on_disk = sum(delivered(out).values())
    assert run.manifest["articles_written"] == on_disk
    assert 0 < on_disk < len(EXPECTED)
    assert run.manifest["articles_undelivered"] >= 1
    assert run.manifest["urls"]["counts"]["undelivered"] == run.manifest["articles_undelivered"]
    assert not list(out.glob("*.part"))
    rerun = assert_recovers(clean_site, out)
    assert f"run {run.manifest['run_id']} did not finish" in rerun.manifest["resumed"]


def test_no_space_at_all_manifest_falls_back(clean_site: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    run = crawl(clean_site, out, fault=f"disk_full:{out}:0")
    assert_honest(run, 4, "delivery_failed")
    assert run.manifest_path is not None and run.manifest_path.parent != out
    assert run.manifest["articles_written"] == 0
    assert not list(out.glob("*.jsonl")) and not list(out.glob("*.part"))
    assert not list(out.glob("*.manifest.json*"))
    rerun = assert_recovers(clean_site, out)
    # The failed run is not mistaken for a killed one, but the rerun knows it did not finish
    # (no 304s, no early stop on a page of known articles).
    assert rerun.manifest["resumed"] == [f"run {run.manifest['run_id']} did not finish"]
    assert not [m for m in out.glob("*.manifest.json")
                if json.loads(m.read_text("utf-8"))["status"] == "killed-and-resumed"]


def test_failing_disk_eio(clean_site: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    run = crawl(clean_site, out, fault=f"eio:{out}")
    assert_honest(run, 4, "delivery_failed")
    assert "Input/output error" in run.manifest["reason"]
    assert_recovers(clean_site, out)


# --- the state store -------------------------------------------------------------------------

def test_state_store_disk_full_mid_run(clean_site: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = crawl(clean_site, out, fault="sqlite_full:25")
    assert_honest(run, 1, "store_failed: state store")
    assert "database or disk is full" in run.manifest["reason"]
    assert_recovers(clean_site, out)


def test_state_store_disk_full_before_the_run(clean_site: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = crawl(clean_site, out)  # the store exists; its disk is full at the next start
    assert_honest(first, 0)
    run = crawl(clean_site, out, fault="sqlite_full:0")
    assert run.returncode == 2 and not run.manifest
    errors = [line for line in run.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "database or disk is full" in errors[0], run.log[-2000:]
    assert "Traceback" not in run.log


def test_corrupted_state_store_is_refused_then_rebuilt(clean_site: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = crawl(clean_site, out)
    assert_honest(first, 0)
    db = out / "state.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = db.stat().st_size
    with db.open("r+b") as fh:  # damage pages in the middle of the file
        fh.seek(size // 2)
        fh.write(b"\xff" * 4096)
    run = crawl(clean_site, out)
    assert run.returncode == 2
    errors = [line for line in run.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(db) in errors[0] and "corrupted" in errors[0], run.log[-2000:]
    assert "state rebuild" in errors[0]
    assert "Traceback" not in run.log
    uri = f"sqlite:///{db}"
    check = subprocess.run([sys.executable, "-m", "crawler", "state", "check", "--state", uri],
                           cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 2 and "corrupted" in check.stderr
    rebuilt = subprocess.run([sys.executable, "-m", "crawler", "state", "rebuild", "--state",
                              uri, "--feeds", str(out)], cwd=ROOT, capture_output=True,
                             text=True)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"{len(EXPECTED)} articles" in rebuilt.stdout
    assert list(out.glob("state.sqlite3.corrupt-*"))
    check = subprocess.run([sys.executable, "-m", "crawler", "state", "check", "--state", uri],
                           cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.startswith("ok:")
    # The rebuilt store knows every delivered article: nothing is delivered twice.
    after = assert_recovers(clean_site, out)
    assert after.manifest["articles_written"] == 0


# --- nothing fetched ---------------------------------------------------------------------------

def test_mirror_at_a_closed_port_fetches_nothing(clean_site: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    out = tmp_path / "out"
    run = crawl(dead, out, "-s", "RETRY_TIMES=0")
    assert_honest(run, 5, "nothing_fetched: none of the 4 start pages could be fetched")
    assert "Connection" in run.manifest["reason"]
    assert_recovers(clean_site, out)


# --- the crawler's own errors ------------------------------------------------------------------

def test_extraction_error_is_accounted_and_retried(clean_site: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = crawl(clean_site, out, fault=f"callback_error:{re.escape(ARTICLE_A)}")
    assert_honest(run, 6, "crawler_errors:")
    rows = {r["url"].rsplit("/", 1)[1]: r for r in run.manifest["urls"]["not_emitted"]}
    assert rows[ARTICLE_A]["outcome"] == "failed"
    assert rows[ARTICLE_A]["reason"] == "extraction error: RuntimeError: injected extraction bug"
    assert ARTICLE_A not in {u.rsplit("/", 1)[1] for u in delivered(out)}
    assert_recovers(clean_site, out)


# --- every fault kind of the fault server ------------------------------------------------------

def test_every_site_fault_kind_is_accounted_and_recovered(clean_site: str,
                                                          tmp_path: Path) -> None:
    plan = FaultPlan(rules=[
        # Transient: retried away within the run.
        FaultRule("500", pattern=ARTICLE_B, times=1),
        FaultRule("503", pattern=ARTICLE_C, times=1),
        FaultRule("429", pattern=ARTICLE_D, times=1, params={"retry_after": 1}),
        FaultRule("reset", pattern=ARTICLE_E, times=1),
        FaultRule("truncate", pattern=ARTICLE_F, times=1),
        FaultRule("slow", pattern="kinh-te", times=1, params={"seconds": 6}),
        # Permanent for this run: each ends with an outcome and a reason.
        FaultRule("404", pattern="post294755", times=None),
        FaultRule("empty", pattern="post294820", times=None),
        FaultRule("oversize", pattern="post266105", times=None),
        FaultRule("redirect_loop", pattern="post288950", times=None),
        FaultRule("redirect_offsite", pattern=ARTICLE_A, times=None),
        # Decoded or followed: delivered.
        FaultRule("cp1258", pattern="post2949", times=None),
        FaultRule("latin1_lie", pattern="post2950", times=None),
        FaultRule("redirect_chain", pattern="post2947", times=None, params={"hops": 2}),
    ])
    server, base = serve_in_thread(0, SITE_ROOT, plan)
    out = tmp_path / "out"
    try:
        run = crawl(base, out, "-s", "DOWNLOAD_MAXSIZE=1000000")
    finally:
        server.shutdown()
    assert_honest(run, 0)
    assert set(plan.injected) >= {"500", "503", "429", "reset", "truncate", "slow", "404",
                                  "empty", "oversize", "redirect_loop", "redirect_offsite"}
    rows = {r["url"].rsplit("/", 1)[1]: r for r in run.manifest["urls"]["not_emitted"]}
    reasons = {name: row["reason"] for name, row in rows.items()}
    # Refused by the network guard (or the spider's own check), naming the host either way.
    assert "off-site" in reasons[ARTICLE_A] and "tin-khac.example" in reasons[ARTICLE_A]
    by_id = {re.search(r"post\d+", k).group(0): v for k, v in reasons.items()  # type: ignore[union-attr]
             if re.search(r"post\d+", k)}
    assert by_id["post266105"].startswith("oversize")
    assert "redirect" in by_id["post288950"].lower()
    # Transient faults cost nothing: those articles are in this run's files.
    got = {u.rsplit("/", 1)[1] for u in delivered(out)}
    assert {ARTICLE_B, ARTICLE_C, ARTICLE_D, ARTICLE_E, ARTICLE_F} <= got
    assert_recovers(clean_site, out)


# --- one lock per site and store ---------------------------------------------------------------

def test_two_spiders_on_one_site_never_run_at_once(tmp_path: Path) -> None:
    plan = FaultPlan(rules=[FaultRule("slow", pattern=r"-post\d+\.html", times=None,
                                      params={"seconds": 1.0})])
    server, base = serve_in_thread(0, SITE_ROOT, plan)
    state = tmp_path / "state"
    state.mkdir()
    try:
        env = {**os.environ}
        first = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "baohatinh", "-s", f"MIRROR={base}",
             "-s", f"FEED_DIR={tmp_path / 'a'}", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
             "-s", f"STATE_URI=sqlite:///{state}/state.sqlite3"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        start = time.monotonic()
        while not list((tmp_path / "a").glob("*.part")):
            assert time.monotonic() - start < 60 and first.poll() is None
            time.sleep(0.1)
        second = crawl(base, tmp_path / "b", "-a", "sites=baohatinh", spider="news",
                       state=state)
        first.communicate(timeout=180)
    finally:
        server.shutdown()
    assert first.returncode == 0
    assert second.returncode == 2
    errors = [line for line in second.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "site baohatinh.vn" in errors[0], second.log[-2000:]
    assert "(baohatinh)" in errors[0] and "pid" in errors[0]
    # Said before Scrapy starts: the error line is all the operator sees.
    assert "[scrapy" not in second.log, second.log[-2000:]
    assert not list((tmp_path / "b").glob("*.jsonl"))
    assert set(delivered(tmp_path / "a")) == EXPECTED


# --- Redis: a crawl whose workers died with Redis is dead ---------------------------------------

def test_redis_restart_then_immediate_rerun_recovers_everything_once(tmp_path: Path) -> None:
    from redis_server import start_or_skip

    redis = start_or_skip(tmp_path / "redis")
    plan = FaultPlan(rules=[FaultRule("slow", pattern=r"-post\d+\.html", times=None,
                                      params={"seconds": 0.3})])
    server, base = serve_in_thread(0, SITE_ROOT, plan)
    out = tmp_path / "out"
    env = {**os.environ, "REDIS_URL": redis.url}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "baohatinh", "-s", f"MIRROR={base}",
           "-s", f"FEED_DIR={out}", "-s", "REDIS_IDLE_CLOSE=2", "-s", "LOG_LEVEL=INFO",
           # Heartbeats that outlive the restart: only the server run id tells.
           "-s", "REDIS_HEARTBEAT_TTL=30", "-s", "FEED_ROLLOVER_ITEMS=3",
           "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
    try:
        first = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        start = time.monotonic()
        while not list(out.glob("*.jsonl")):
            assert time.monotonic() - start < 90 and first.poll() is None
            time.sleep(0.05)
        redis.stop(kill=True)  # Redis dies mid-crawl...
        _, err = first.communicate(timeout=120)
        assert first.returncode == 1, err[-2000:]
        assert "Traceback" not in err
        redis.start()  # ...and comes back at once: the AOF restores every key, heartbeats too
        rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=180)
    finally:
        server.shutdown()
        redis.stop()
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "Traceback" not in rerun.stderr
    assert "(1 live workers)" in rerun.stderr
    counts = delivered(out)
    assert set(counts) == EXPECTED, sorted(EXPECTED - set(counts))
    assert max(counts.values()) == 1
    assert not list(out.glob("*.part"))


def test_redis_worker_whose_disk_fills_leaves_the_crawl_unclean(clean_site: str,
                                                                tmp_path: Path) -> None:
    from redis_server import start_or_skip

    redis = start_or_skip(tmp_path / "redis")
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "REDIS_URL": redis.url,
           "VNNEWS_MANIFEST_FALLBACK": str(tmp_path / "fallback")}
    cmd = [sys.executable, str(FAULTRUN), "crawl", "baohatinh", "-s", f"MIRROR={clean_site}",
           "-s", f"FEED_DIR={out}", "-s", "REDIS_IDLE_CLOSE=1", "-s", "LOG_LEVEL=INFO",
           "-s", "FEED_ROLLOVER_ITEMS=10"]
    try:
        first = subprocess.run(cmd, cwd=ROOT, env={**env, "VNNEWS_TEST_FAULT":
                                                   f"disk_full:{out}:40000"},
                               capture_output=True, text=True, timeout=180)
        rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=180)
    finally:
        redis.stop()
    assert first.returncode == 4, first.stderr[-2000:]
    assert "Traceback" not in first.stderr
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "Traceback" not in rerun.stderr
    # The rerun is a new crawl that resumes the failed worker's (its claims are forgotten).
    assert "this crawl resumes" in rerun.stderr
    counts = delivered(out)
    assert set(counts) == EXPECTED, sorted(EXPECTED - set(counts))
    assert max(counts.values()) == 1
