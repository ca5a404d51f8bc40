"""End-to-end crawl benchmark: our full pipeline against a no-op Scrapy spider, same pages.

1. ``bench.sitegen`` writes a site of N articles (~300 KB pages) to a temp folder; the project's
   fixture server (``python -m crawler serve --root DIR --port 0``) serves it in its own process.
2. Each repetition crawls it twice, back to back: (a) ``scrapy crawl baohatinh`` with
   everything on (extraction, cleaning, validation, dedupe with near-duplicates, feed, manifest;
   STATE_URI=none) and (b) ``bench/noop_spider.py`` (Scrapy fetching the same pages and
   following links, nothing else). The ratio ours/noop is taken within each repetition, then
   the median is reported, so slow drifts of the machine cancel out.
3. Per crawl: pages/s over the crawl's own duration (Scrapy's start to finish, interpreter start
   excluded), CPU seconds per page and peak RSS of the crawler process (``os.wait4`` rusage of
   that child only; CPU includes the ~1 s of imports), and the server's CPU over the same
   interval (``/proc/<pid>/stat``), to show the server is not what limits the crawl.
4. Memory: one more crawl of ours at M articles (default 50,000: 15 GB of pages would not fit
   in a temp folder, so ``bench.lazy_server`` renders the same bytes per request) and the peak
   RSS ratio M / N.

    .venv/bin/python -m bench.crawl_bench                       # defaults below
    .venv/bin/python -m bench.crawl_bench --articles 500 --reps 1 --memory-articles 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import PY, ROOT, median, proc_cpu_seconds, ratio, table
from bench.sitegen import HOST, Site, generate

CONCURRENCY = 32
NOOP_SPIDER = Path(__file__).resolve().parent / "noop_spider.py"


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str
    kind: str

    def cpu(self) -> float:
        return proc_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _start(cmd: list[str], kind: str) -> Server:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    m = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"{kind} server did not start: {line!r}")
    return Server(proc, m.group(0), kind)


def start_fixture_server(root: Path) -> Server:
    return _start([PY, "-m", "crawler", "serve", "--root", str(root), "--port", "0"], "fixture")


def start_lazy_server(n: int) -> Server:
    return _start([PY, "-m", "bench.lazy_server", "--articles", str(n), "--port", "0"], "lazy")


def _wait(proc: subprocess.Popen[bytes]) -> tuple[int, Any]:
    """Exit status and rusage of this child alone (RUSAGE_CHILDREN would mix all children)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage


def crawl(kind: str, server: Server, site: Site, work: Path) -> dict[str, Any]:
    """One crawl of the whole site by ``ours`` or ``noop``; its figures."""
    out = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=work))
    start = ",".join(site.topic_urls())
    common = ["-s", f"MIRROR={server.base}", "-s", "LOG_LEVEL=WARNING",
              "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}"]
    if kind == "ours":
        cmd = [PY, "-m", "scrapy", "crawl", "baohatinh", "-a", f"start={start}", *common,
               "-s", f"FEED_DIR={out}", "-s", "STATE_URI=none",
               "-s", f"DISCOVERY_MAX_PAGES={site.page_count()}", "-s", "DISCOVERY_FEEDS=False"]
        cwd = ROOT
    else:
        cmd = [PY, "-m", "scrapy", "runspider", str(NOOP_SPIDER), "-a", f"start={start}",
               "-a", f"stats_out={out / 'stats.json'}", *common]
        cwd = out  # no scrapy.cfg there: the project's settings must not apply
    log = out / "stderr.log"
    server_cpu0 = server.cpu()
    t0 = time.perf_counter()
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        code, usage = _wait(proc)
    wall = time.perf_counter() - t0
    server_cpu = server.cpu() - server_cpu0
    if code != 0:
        raise RuntimeError(f"{kind} crawl exited {code}: {log.read_text()[-2000:]}")
    if kind == "ours":
        manifest = json.loads(next(out.glob("*.manifest.json")).read_text("utf-8"))
        pages, elapsed = manifest["pages_fetched"], manifest["elapsed_seconds"]
        items, errors = manifest["articles_written"], manifest["fetch_failed"]
    else:
        stats = json.loads((out / "stats.json").read_text("utf-8"))
        pages, elapsed = stats["downloader/response_count"], stats["bench/elapsed_seconds"]
        items = 0
        errors = sum(v for k, v in stats.items()
                     if k.startswith("downloader/response_status_count/") and k[-3] != "2")
    cpu = usage.ru_utime + usage.ru_stime
    result = {
        "kind": kind,
        "server": server.kind,
        "pages": pages,
        "items": items,
        "errors": errors,
        "elapsed_s": round(elapsed, 2),
        "wall_s": round(wall, 2),
        "pages_per_s": round(pages / elapsed, 2),
        "cpu_s": round(cpu, 2),
        "cpu_ms_per_page": round(cpu / pages * 1000, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "server_cpu_ms_per_page": round(server_cpu / pages * 1000, 3),
        # Share of one core the server used: near 1.0 would mean it limits the crawl.
        "server_core_share": round(server_cpu / wall, 3),
    }
    shutil.rmtree(out, ignore_errors=True)
    return result


async def _fetch_all(base: str, paths: list[str], concurrency: int) -> int:
    """GET every path over keep-alive connections; returns the bytes received."""
    queue = list(reversed(paths))
    received = 0
    host = base.split("//", 1)[1]
    h, p = host.split(":")

    async def worker() -> None:
        nonlocal received
        reader, writer = await asyncio.open_connection(h, int(p))
        while queue:
            path = queue.pop()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
            received += len(await reader.readexactly(length))
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return received


def server_alone(server: Server, site: Site, pages: int) -> dict[str, Any]:
    """The server with a minimal client (no Scrapy): how many pages/s it can deliver at all."""
    paths = [f"/{HOST}{u[len('https://' + HOST):]}" for u in site.article_urls()][:pages]
    cpu0, t0 = server.cpu(), time.perf_counter()
    received = asyncio.run(_fetch_all(server.base, paths, CONCURRENCY))
    wall, cpu = time.perf_counter() - t0, server.cpu() - cpu0
    return {"server": server.kind, "pages": len(paths), "mb": round(received / 1e6, 1),
            "pages_per_s": round(len(paths) / wall, 1),
            "server_cpu_ms_per_page": round(cpu / len(paths) * 1000, 3)}


def same_bytes(a: Server, b: Server, site: Site, k: int = 5) -> bool:
    """The lazy and the fixture server return identical pages (so their crawls compare)."""
    urls = [*site.topic_urls()[:2], *list(site.article_urls())[:k]]
    paths = [f"/{HOST}{u[len('https://' + HOST):]}" for u in urls]
    import urllib.request

    def get(base: str, path: str) -> bytes:
        with urllib.request.urlopen(base + path, timeout=30) as r:  # 127.0.0.1 only
            return r.read()

    for path in paths:
        x, y = get(a.base, path), get(b.base, path)
        if x != y:
            print(f"  differs: {path} ({len(x)} vs {len(y)} bytes)", flush=True)
            return False
    return True


def run(articles: int = 5000, reps: int = 3, memory_articles: int = 50_000,
        work: Path | None = None) -> dict[str, Any]:
    work_dir = Path(tempfile.mkdtemp(prefix="bench-crawl-", dir=work))
    try:
        return _run(articles, reps, memory_articles, work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _run(articles: int, reps: int, memory_articles: int, work: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    site, written = generate(work / "site", articles)
    gen_s = time.perf_counter() - t0
    print(f"generated {site.page_count():,} pages ({written / 1e6:,.0f} MB, "
          f"{written / site.page_count() / 1e3:,.0f} KB/page) in {gen_s:.1f} s", flush=True)
    server = start_fixture_server(work / "site")
    runs: list[dict[str, Any]] = []
    try:
        alone = server_alone(server, site, min(1000, articles))
        for rep in range(reps):
            # Alternate the order, so neither kind always runs on a "warmer" machine.
            for kind in (("ours", "noop") if rep % 2 == 0 else ("noop", "ours")):
                r = crawl(kind, server, site, work)
                r["rep"] = rep + 1
                runs.append(r)
                print(f"  rep {rep + 1} {kind:4}: {r['pages']:,} pages, {r['pages_per_s']} "
                      f"pages/s, {r['cpu_ms_per_page']} ms CPU/page, {r['peak_rss_mb']} MB",
                      flush=True)
    finally:
        server.stop()
    ours = [r for r in runs if r["kind"] == "ours"]
    noop = [r for r in runs if r["kind"] == "noop"]
    pairs = [(o, n) for o in ours for n in noop if o["rep"] == n["rep"]]
    result: dict[str, Any] = {
        "articles": articles,
        "pages": ours[0]["pages"],
        "page_kb": round(written / site.page_count() / 1e3),
        "concurrency": CONCURRENCY,
        "reps": reps,
        "generate_s": round(gen_s, 1),
        "runs": runs,
        "server_alone": alone,
        "ours_pages_per_s": median([r["pages_per_s"] for r in ours]),
        "noop_pages_per_s": median([r["pages_per_s"] for r in noop]),
        "ours_cpu_ms_per_page": median([r["cpu_ms_per_page"] for r in ours]),
        "noop_cpu_ms_per_page": median([r["cpu_ms_per_page"] for r in noop]),
        "ours_peak_rss_mb": median([r["peak_rss_mb"] for r in ours]),
        "noop_peak_rss_mb": median([r["peak_rss_mb"] for r in noop]),
        "server_cpu_ms_per_page": median([r["server_cpu_ms_per_page"] for r in runs]),
        "server_core_share_max": max(r["server_core_share"] for r in runs),
        # Throughput ratio per repetition (same machine state), then the median.
        "pipeline_vs_noop": median([o["pages_per_s"] / n["pages_per_s"] for o, n in pairs]),
        "cpu_per_page_ours_vs_noop": median(
            [o["cpu_ms_per_page"] / n["cpu_ms_per_page"] for o, n in pairs]),
    }
    if memory_articles:
        result["memory"] = memory(site, memory_articles, result["ours_peak_rss_mb"], work)
    result["total_s"] = round(time.perf_counter() - t0, 1)
    print_report(result)
    return result


def memory(small: Site, n: int, small_rss: float, work: Path) -> dict[str, Any]:
    """Peak RSS of ours at n articles (lazy server) against the small site's median."""
    big = Site(n)
    server = start_lazy_server(n)
    try:
        check = start_fixture_server(work / "site")
        try:
            lazy_small = start_lazy_server(small.n)
            try:
                identical = same_bytes(check, lazy_small, small)
            finally:
                lazy_small.stop()
        finally:
            check.stop()
        alone = server_alone(server, big, 1000)
        r = crawl("ours", server, big, work)
    finally:
        server.stop()
    print(f"  memory {n:,} articles: {r['pages']:,} pages, {r['pages_per_s']} pages/s, "
          f"{r['peak_rss_mb']} MB", flush=True)
    return {
        "articles": n,
        "run": r,
        "server_alone": alone,
        "lazy_equals_fixture_bytes": identical,
        "small_articles": small.n,
        "small_peak_rss_mb": small_rss,
        "large_peak_rss_mb": r["peak_rss_mb"],
        "ratio": ratio(r["peak_rss_mb"], small_rss),
        # Growth per 1,000 extra articles: what a 50k or 1M crawl would add.
        "mb_per_1000_articles": round((r["peak_rss_mb"] - small_rss) / (n - small.n) * 1000, 2),
    }


def print_report(r: dict[str, Any]) -> None:
    rows = [
        [x["rep"], x["kind"], x["pages"], x["items"], x["errors"], x["elapsed_s"],
         x["pages_per_s"], x["cpu_ms_per_page"], x["peak_rss_mb"], x["server_cpu_ms_per_page"],
         x["server_core_share"]]
        for x in r["runs"]
    ]
    print(table(
        f"\nCrawl: {r['articles']:,} articles = {r['pages']:,} pages of ~{r['page_kb']} KB, "
        f"CONCURRENT_REQUESTS={r['concurrency']}, fixture server",
        ["rep", "crawler", "pages", "items", "errors", "crawl s", "pages/s", "CPU ms/page",
         "peak RSS MB", "server CPU ms/page", "server core share"], rows))
    a = r["server_alone"]
    print(f"server alone ({a['server']}, {a['pages']} article pages, {CONCURRENCY} connections): "
          f"{a['pages_per_s']} pages/s, {a['server_cpu_ms_per_page']} ms CPU/page")
    print(table("\nMedians", ["figure", "ours", "noop", "ours/noop"], [
        ["pages/s", r["ours_pages_per_s"], r["noop_pages_per_s"],
         round(r["pipeline_vs_noop"], 3)],
        ["crawler CPU ms/page", r["ours_cpu_ms_per_page"], r["noop_cpu_ms_per_page"],
         round(r["cpu_per_page_ours_vs_noop"], 3)],
        ["peak RSS MB", r["ours_peak_rss_mb"], r["noop_peak_rss_mb"],
         ratio(r["ours_peak_rss_mb"], r["noop_peak_rss_mb"])],
    ]))
    print(f"pipeline_vs_noop (median of per-rep pages/s ratios) = {r['pipeline_vs_noop']:.3f} "
          "(target >= 0.5)")
    m = r.get("memory")
    if m:
        print(f"memory: peak RSS {m['large_peak_rss_mb']} MB at {m['articles']:,} articles vs "
              f"{m['small_peak_rss_mb']} MB at {m['small_articles']:,} = {m['ratio']} "
              f"(target <= 1.10); +{m['mb_per_1000_articles']} MB per 1,000 articles; lazy server "
              f"bytes identical to the fixture server's: {m['lazy_equals_fixture_bytes']}")


def main() -> int:
    parser = argparse.ArgumentParser(description="end-to-end crawl benchmark (127.0.0.1 only)")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--memory-articles", type=int, default=50_000,
                        help="articles of the memory crawl (0: skip it)")
    parser.add_argument("--work", type=Path, help="temp folder parent (default: system temp)")
    parser.add_argument("--json", type=Path, help="also write the result there")
    args = parser.parse_args()
    result = run(args.articles, args.reps, args.memory_articles, args.work)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
