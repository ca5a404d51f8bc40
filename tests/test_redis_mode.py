"""Redis mode against a real redis-server: workers of one crawl, a worker killed, Redis lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SITE_ROOT, load_expected_articles
from redis_server import RedisServer, start_or_skip

from crawler.faults import FaultPlan, FaultRule
from crawler.server import serve_in_thread

EXPECTED = set(load_expected_articles()["baohatinh.vn"])
PASSWORD = "s3cret-Pw_42"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = start_or_skip(tmp_path / "redis", password=PASSWORD)
    yield server
    server.stop()


@pytest.fixture
def site() -> Iterator[Callable[[float], str]]:
    servers = []

    def start(slow: float = 0.0) -> str:
        rules = [FaultRule("slow", pattern=r"-post\d+\.html", times=None,
                           params={"seconds": slow})] if slow else []
        server, base = serve_in_thread(0, SITE_ROOT, FaultPlan(rules=rules))
        servers.append(server)
        return base

    yield start
    for server in servers:
        server.shutdown()


def worker(redis: RedisServer, base: str, out: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "REDIS_URL": redis.url}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "baohatinh", "-s", f"MIRROR={base}",
           "-s", f"FEED_DIR={out}", "-s", "REDIS_IDLE_CLOSE=2", "-s", "REDIS_HEARTBEAT_TTL=3",
           "-s", "LOG_LEVEL=INFO", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def finish(*procs: subprocess.Popen[str], timeout: float = 180) -> list[str]:
    logs = []
    for proc in procs:
        _, err = proc.communicate(timeout=timeout)
        logs.append(err)
    return logs


def delivered(out: Path) -> Counter[str]:
    return Counter(json.loads(line)["url"] for f in sorted(out.glob("*.jsonl"))
                   for line in f.read_text("utf-8").splitlines())


def wait_for(predicate: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_three_workers_deliver_every_article_exactly_once(redis: RedisServer,
                                                          site: Callable[[float], str],
                                                          tmp_path: Path) -> None:
    base = site(0.05)
    out = tmp_path / "out"
    procs = [worker(redis, base, out) for _ in range(3)]
    logs = finish(*procs)
    assert [p.returncode for p in procs] == [0, 0, 0], logs
    counts = delivered(out)
    assert set(counts) == EXPECTED and max(counts.values()) == 1
    manifests = [json.loads(m.read_text()) for m in out.glob("*.manifest.json")]
    assert len(manifests) == 3
    # Work really was shared: more than one worker fetched article pages.
    busy = [m for m in manifests if m["counters"].get("extract/articles", 0) > 0]
    assert len(busy) >= 2
    # The password never reaches a log line; the redacted URL does.
    for log in logs:
        assert PASSWORD not in log
        assert "joined crawl" in log
    # The state lives in the same Redis: a second wave finds everything known.
    again = worker(redis, base, tmp_path / "again")
    finish(again)
    assert again.returncode == 0
    assert delivered(tmp_path / "again") == Counter()


def test_killed_worker_others_finish_and_a_rerun_delivers_its_articles(
        redis: RedisServer, site: Callable[[float], str], tmp_path: Path) -> None:
    base = site(0.3)
    out = tmp_path / "out"
    extra = ("-s", "FEED_ROLLOVER_ITEMS=3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    victim, survivor = worker(redis, base, out, *extra), worker(redis, base, out, *extra)
    # Kill one worker once it has delivered a file and is writing the next.
    victim_run: list[str] = []

    def victim_busy() -> bool:
        for m in out.glob("*.jsonl.part"):  # a feed file (WARC .part files live all run)
            for done in out.glob("*.jsonl"):
                run = done.name.split("-", 1)[1].rsplit("-", 1)[0]
                if run in m.name:
                    victim_run.append(run)
                    return True
        return False

    wait_for(victim_busy)
    # Which process wrote it does not matter for the test: kill the one holding that run.
    for proc in (victim, survivor):
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            break
    others = [p for p in (victim, survivor) if p.returncode is None]
    logs = finish(*others)
    assert all(p.returncode == 0 for p in others), logs
    time.sleep(3.5)  # the dead worker's heartbeat expires
    rerun = worker(redis, base, out)
    finish(rerun)
    assert rerun.returncode == 0
    assert not list(out.glob("*.part"))
    counts = delivered(out)
    assert set(counts) == EXPECTED, sorted(EXPECTED - set(counts))
    assert max(counts.values()) == 1


def test_redis_lost_mid_crawl_is_one_clear_error_and_a_rerun_completes(
        redis: RedisServer, site: Callable[[float], str], tmp_path: Path) -> None:
    base = site(0.3)
    out = tmp_path / "out"
    extra = ("-s", "FEED_ROLLOVER_ITEMS=3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    proc = worker(redis, base, out, *extra)
    wait_for(lambda: len(list(out.glob("*.jsonl"))) >= 1)
    redis.stop()
    (err,) = finish(proc)
    assert proc.returncode == 1, err[-2000:]
    errors = [line for line in err.splitlines() if "lost the connection to Redis" in line]
    assert len(errors) == 1, err[-3000:]
    assert PASSWORD not in err and ":***@127.0.0.1" in errors[0]
    assert "Traceback" not in err
    redis.start()  # the append-only file brings queue and state back
    time.sleep(3.5)
    rerun = worker(redis, base, out)
    finish(rerun)
    assert rerun.returncode == 0
    counts = delivered(out)
    assert set(counts) == EXPECTED, sorted(EXPECTED - set(counts))
    assert max(counts.values()) == 1


def test_related_links_parked_by_one_worker_are_followed_by_another(redis: RedisServer) -> None:
    """An article parsed at the depth limit parks its related links; the worker that later
    finds it closer to a list page follows them, in either order, and nobody refetches it.
    Links followed at some depth are followed again when the article is found closer."""
    from redis import Redis

    from crawler.redis.depths import SharedDepths

    server = Redis.from_url(redis.url)
    depths = SharedDepths(server, "baohatinh", "crawl-1")
    links = ["https://baohatinh.vn/a-post1.html", "https://baohatinh.vn/b-post2.html"]
    limit = 2

    # Parsed first (worker A, at the limit), found closer afterwards (worker B).
    assert depths.lower("k1", 2, limit) == (None, None)
    assert depths.parsed("k1", links, "https://baohatinh.vn/k1", 2, limit) is None
    prev, parked = depths.lower("k1", 0, limit)
    assert prev == 2 and parked == (links, "https://baohatinh.vn/k1")
    assert depths.lower("k1", 0, limit) == (0, None)  # taken once: nobody follows them twice

    # Found closer first, parsed afterwards: the parser follows them at the better depth.
    assert depths.lower("k2", 2, limit) == (None, None)
    assert depths.lower("k2", 1, limit) == (2, None)
    assert depths.parsed("k2", links, "https://baohatinh.vn/k2", 2, limit) == 1
    # Followed at depth 1; found later on a list page, they are followed again at depth 1
    # (the articles they lead to are then one link closer, under the limit), once.
    prev, again = depths.lower("k2", 0, limit)
    assert prev == 1 and again == (links, "https://baohatinh.vn/k2")
    assert depths.lower("k2", 0, limit) == (0, None)
    assert not server.hexists(depths.parked_key, "k2")

    # Parsed on a list page (depth 0): nothing kept, nothing can come closer.
    assert depths.parsed("k4", links, "https://baohatinh.vn/k4", 0, limit) == 0
    assert not server.hexists(depths.parked_key, "k4")

    # Found again but still at the limit: the links stay parked.
    assert depths.lower("k3", 3, limit) == (None, None)
    assert depths.parsed("k3", links, "https://baohatinh.vn/k3", 3, limit) is None
    assert depths.lower("k3", 2, limit) == (3, None)
    assert server.hexists(depths.parked_key, "k3")
