"""Redis mode: does a second worker double a latency-bound crawl? (``workers2_vs_1``)

The target is ``bench.multisite_server`` in its own process: 8 sites x 150 small articles
(3 topics each, 20 stories per topic page, ``rel=next`` pagination), every answer delayed by
500 ms. Each worker is capped at 8 requests in flight (``CONCURRENT_REQUESTS=8``, and 8 per
site), so one worker can fetch at most 8 / 0.5 s = 16 pages/s whatever its CPU: the crawl is
latency-bound, and a second worker should bring 16 more.

Per run: a fresh ``redis-server`` (tests/redis_server.py; the state store defaults to it),
``scrapy crawl news -a start=<24 topic URLs>`` started as 1 or 2 workers with
``REDIS_URL``. The second worker starts once the first has joined the crawl (the crawl key
exists in Redis): two workers that both find no crawl in the same few milliseconds would
each start their own (crawler.redis.membership.Crawl.join), and the benchmark must measure one
shared crawl. Repetitions alternate the order (1 then 2, 2 then 1, ...).

Measured per run:
- **active time**: from the first worker's launch (interpreter start included) to the
  server's last response (``/_stats``). Each article is extracted and written within
  milliseconds of its page arriving, so this is the time to the last delivered item; the
  workers' idle wait before exiting (``REDIS_IDLE_CLOSE``, checked by Scrapy every 5 s) is
  excluded. The wall time to the last worker's exit is reported beside it.
- **pages/s**: pages fetched (all workers' manifests) / active time. Each worker fetches
  every site's robots.txt itself, so 2 workers fetch 8 pages more than 1; the ratio
  ``workers2_vs_1`` is therefore taken on the time of the same crawl (1 worker's active time /
  2 workers'), the pages/s ratio beside it;
- articles delivered: every ``*.jsonl`` of the run, which must hold each article of the site
  exactly once (else the run fails);
- crawler CPU (``os.wait4`` rusage of each worker) per second of wall time: far below 1 core
  per worker means the crawl waits on the network, not on the CPU.

    .venv/bin/python -m bench.workers_bench            # 3 repetitions, ~7 minutes
    .venv/bin/python -m bench.workers_bench --quick    # 1 repetition, small sites
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import (
    PY,
    RESULTS,
    ROOT,
    git_commit,
    machine,
    median,
    proc_cpu_seconds,
    table,
)
from bench.multisite_server import MultiSite
from tests.redis_server import RedisServer

SPIDER = "news"
CRAWL_KEY = f"vnnews:{SPIDER}:crawl"
CONCURRENCY = 8
DELAY_S = 0.5
IDLE_CLOSE_S = 3
TARGET = 1.8
FULL = {"sites": 8, "articles": 150, "reps": 3}
QUICK = {"sites": 8, "articles": 30, "reps": 1}
RUN_TIMEOUT_S = 600  # a run that takes this long is broken: stop it rather than wait
OUT = RESULTS / "workers.json"


def _get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as r:  # 127.0.0.1 only
        return dict(json.loads(r.read()))


class SiteServer:
    """bench.multisite_server in its own process (its CPU apart from the bench's)."""

    def __init__(self, sites: int, articles: int, delay: float):
        self.proc = subprocess.Popen(
            [PY, "-m", "bench.multisite_server", "--sites", str(sites), "--articles",
             str(articles), "--delay", str(delay), "--port", "0"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        m = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not m:
            self.stop()
            raise RuntimeError(f"multisite server did not start: {line!r}")
        self.base = m.group(0)

    def stats(self) -> dict[str, Any]:
        return _get_json(f"{self.base}/_stats")

    def cpu(self) -> float:
        return proc_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def worker_command(site: MultiSite, mirror: str, out: Path) -> list[str]:
    return [
        PY, "-m", "scrapy", "crawl", SPIDER, "-a", f"start={','.join(site.topic_urls())}",
        "-s", f"MIRROR={mirror}", "-s", f"FEED_DIR={out}",
        "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}",
        "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}",
        "-s", f"DISCOVERY_MAX_PAGES={site.max_pages()}",
        "-s", f"REDIS_IDLE_CLOSE={IDLE_CLOSE_S}", "-s", "DISCOVERY_FEEDS=False",
        "-s", "LOG_LEVEL=WARNING", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
    ]


def _wait_for_crawl(redis: RedisServer, proc: subprocess.Popen[bytes]) -> None:
    """Until the first worker has joined (or created) the crawl; bounded."""
    import redis as redis_client

    client = redis_client.Redis.from_url(redis.url)
    deadline = time.monotonic() + 60
    try:
        while not client.exists(CRAWL_KEY):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the first worker never joined a crawl")
            time.sleep(0.02)
    finally:
        client.close()


def _reap(proc: subprocess.Popen[bytes], deadline: float) -> tuple[int, Any, float]:
    """Exit status, rusage (this child only) and exit time of a worker; killed past deadline."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage, time.time()
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.05)


def delivered(out: Path) -> Counter[str]:
    return Counter(json.loads(line)["url"] for f in sorted(out.glob("*.jsonl"))
                   for line in f.read_text("utf-8").splitlines() if line.strip())


def crawl(n_workers: int, site: MultiSite, server: SiteServer, work: Path) -> dict[str, Any]:
    """One crawl of every site by n_workers Redis-mode workers; its figures."""
    run_dir = Path(tempfile.mkdtemp(prefix=f"w{n_workers}-", dir=work))
    out = run_dir / "out"
    redis = RedisServer(run_dir / "redis").start()
    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        env = {**os.environ, "REDIS_URL": redis.url}
        cmd = worker_command(site, server.base, out)
        before = server.stats()
        server_cpu0 = server.cpu()
        t0 = time.time()
        deadline = time.monotonic() + RUN_TIMEOUT_S
        for k in range(n_workers):
            if k:
                _wait_for_crawl(redis, procs[0])
            log = (run_dir / f"worker{k + 1}.log").open("wb")
            logs.append(log)
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                          stderr=log))
        reaped = [_reap(p, deadline) for p in procs]
        t_exit = max(r[2] for r in reaped)
        after = server.stats()
        server_cpu = server.cpu() - server_cpu0
    finally:
        for log in logs:
            log.close()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        redis.stop()
    codes = [r[0] for r in reaped]
    if any(codes):
        tails = [(run_dir / f"worker{k + 1}.log").read_text(errors="replace")[-1500:]
                 for k in range(n_workers)]
        raise RuntimeError(f"{n_workers}-worker run: exit codes {codes}: {tails}")
    manifests = [json.loads(m.read_text("utf-8")) for m in sorted(out.glob("*.manifest.json"))]
    counts = delivered(out)
    expected = set(site.article_urls())
    missing, extra = expected - set(counts), set(counts) - expected
    twice = sum(1 for c in counts.values() if c > 1)
    if missing or extra or twice:
        raise RuntimeError(f"{n_workers}-worker run delivered a wrong set: {len(missing)} "
                           f"missing, {len(extra)} unexpected, {twice} more than once")
    pages = sum(m["pages_fetched"] for m in manifests)
    active = after["last_response_at"] - t0
    wall = t_exit - t0
    cpu = [u.ru_utime + u.ru_stime for _, u, _ in reaped]
    parked = sum(m["counters"].get("discovery/related_from_parked", 0) for m in manifests)
    result = {
        "workers": n_workers,
        "pages": pages,
        "server_responses": after["responses"] - before["responses"],
        "articles_delivered": sum(counts.values()),
        "articles_expected": len(expected),
        "exactly_once": True,  # checked above: the run fails otherwise
        "articles_per_worker": [m["articles_written"] for m in manifests],
        "fetch_failed": sum(m["fetch_failed"] for m in manifests),
        # Article pages fetched by the workers beyond the site's own pages (robots.txt and
        # list pages excluded): 0 when no page is fetched twice.
        "article_fetches_over_site": sum(m["counters"].get("discovery/article_requests", 0)
                                         for m in manifests) - len(expected),
        "related_followed_from_parked": parked,
        "active_s": round(active, 2),
        "wall_to_last_exit_s": round(wall, 2),
        "idle_tail_s": round(wall - active, 2),
        "pages_per_s": round(pages / active, 2),
        # What the caps allow at most: requests in flight / latency.
        "latency_bound_max_pages_per_s": n_workers * CONCURRENCY / DELAY_S,
        "crawler_cpu_s": [round(c, 2) for c in cpu],
        # Each worker's CPU over its lifetime in cores: well below 1 = waiting on the network.
        "crawler_core_share": [round(c / (r[2] - t0), 3) for c, r in zip(cpu, reaped,
                                                                            strict=True)],
        "peak_rss_mb": [round(u.ru_maxrss / 1024, 1) for _, u, _ in reaped],
        "server_core_share": round(server_cpu / wall, 3),
        "server_max_in_flight": after["max_in_flight"],
    }
    result["efficiency"] = round(result["pages_per_s"]
                                 / result["latency_bound_max_pages_per_s"], 3)
    shutil.rmtree(run_dir, ignore_errors=True)
    return result


def run(quick: bool = False) -> dict[str, Any]:
    sizes = QUICK if quick else FULL
    site = MultiSite(sizes["sites"], sizes["articles"])
    work = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    server = SiteServer(sizes["sites"], sizes["articles"], DELAY_S)
    runs: list[dict[str, Any]] = []
    try:
        for rep in range(sizes["reps"]):
            # Alternate the order, so neither count always runs on a "warmer" machine.
            for n in ((1, 2) if rep % 2 == 0 else (2, 1)):
                r = crawl(n, site, server, work)
                r["rep"] = rep + 1
                runs.append(r)
                print(f"  rep {rep + 1}, {n} worker(s): {r['pages']:,} pages in "
                      f"{r['active_s']} s (exit at {r['wall_to_last_exit_s']} s), "
                      f"{r['pages_per_s']} pages/s, CPU {r['crawler_core_share']} core",
                      flush=True)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    one = [r for r in runs if r["workers"] == 1]
    two = [r for r in runs if r["workers"] == 2]
    pairs = [(a, b) for a in one for b in two if a["rep"] == b["rep"]]
    # The same crawl (same pages, same articles) in both runs, so its throughput ratio is the
    # ratio of times; pages/s would also credit each worker's own robots.txt fetches.
    ratios = [round(a["active_s"] / b["active_s"], 3) for a, b in pairs]
    page_ratios = [round(b["pages_per_s"] / a["pages_per_s"], 3) for a, b in pairs]
    wall_ratios = [round(a["wall_to_last_exit_s"] / b["wall_to_last_exit_s"], 3)
                   for a, b in pairs]
    max_share = max(s for r in runs for s in r["crawler_core_share"])
    start = ",".join(site.topic_urls())
    command = ("REDIS_URL=redis://127.0.0.1:PORT/0 .venv/bin/python -m scrapy crawl news "
               f"-a start={start} " + " ".join(worker_command(site, "http://127.0.0.1:PORT",
                                                              Path("OUT"))[7:]))
    return {
        "workers2_vs_1": {
            "value": median(ratios),
            "unit": "throughput of 2 workers / 1 worker over the same crawl (active time of "
                    "1 worker / of 2), per repetition, then the median",
            "target": TARGET,
            "per_repetition": ratios,
            "pages_per_s_ratio_per_repetition": page_ratios,
            "wall_to_exit_ratio_per_repetition": wall_ratios,
            "timed_to": "the server's last response (= the last delivered item, within ms); "
                        "workers' idle-close wait excluded, wall to last exit beside it",
        },
        "pages_per_s_1_worker": median([r["pages_per_s"] for r in one]),
        "pages_per_s_2_workers": median([r["pages_per_s"] for r in two]),
        "active_s_1_worker": median([r["active_s"] for r in one]),
        "active_s_2_workers": median([r["active_s"] for r in two]),
        "wall_to_exit_s_1_worker": median([r["wall_to_last_exit_s"] for r in one]),
        "wall_to_exit_s_2_workers": median([r["wall_to_last_exit_s"] for r in two]),
        "sizes": {**sizes, "pages_per_run": site.page_count(),
                  "articles_per_run": sizes["sites"] * sizes["articles"],
                  "article_page_bytes": len(site.article_page(0, 0)),
                  "topic_page_bytes": len(site.topic_page(0, 0, 1) or b""),
                  "delay_s": DELAY_S, "concurrent_requests_per_worker": CONCURRENCY,
                  "redis_idle_close_s": IDLE_CLOSE_S},
        "latency_bound": {
            "max_crawler_core_share": max_share,
            "efficiency_1_worker": median([r["efficiency"] for r in one]),
            "efficiency_2_workers": median([r["efficiency"] for r in two]),
            "how": "each worker's CPU (os.wait4 rusage) over its lifetime is a small share of "
                   "one core, and pages/s is close to requests in flight / 500 ms (16 per "
                   "worker): the crawl waits on the server's latency, not on the CPU",
        },
        "command": command,
        "bench_command": ".venv/bin/python -m bench.workers_bench",
        "runs": runs,
    }


def print_table(result: dict[str, Any]) -> None:
    rows = [[r["rep"], r["workers"], r["pages"], r["articles_delivered"], r["active_s"],
             r["wall_to_last_exit_s"], r["pages_per_s"], r["efficiency"],
             "/".join(f"{s:.2f}" for s in r["crawler_core_share"]),
             "/".join(str(a) for a in r["articles_per_worker"])] for r in result["runs"]]
    print(table("Redis mode, latency-bound (500 ms per answer, 8 in flight per worker)",
                ["rep", "workers", "pages", "articles", "active s", "exit s", "pages/s",
                 "of max", "CPU cores", "articles/worker"], rows))
    w = result["workers2_vs_1"]
    print(f"\nworkers2_vs_1 = {w['value']} (target >= {w['target']}; per repetition "
          f"{w['per_repetition']}); pages/s: 1 worker {result['pages_per_s_1_worker']}, "
          f"2 workers {result['pages_per_s_2_workers']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small sites, one repetition")
    parser.add_argument("--no-write", action="store_true",
                        help=f"do not write {OUT.relative_to(ROOT)}")
    args = parser.parse_args()
    result = run(quick=args.quick)
    print_table(result)
    if not args.no_write:
        stamped = {"commit": git_commit(), "date": datetime.now(UTC).isoformat(timespec="seconds"),
                   "machine": machine(), "quick": args.quick, **result}
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(stamped, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
