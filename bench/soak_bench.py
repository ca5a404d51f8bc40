"""Soak: 10,000+ pages through a faulty server, beside the same crawl without faults.

1. ``bench.sitegen`` writes a site of 10,000 articles (9 topics, 20 stories per list page) to a
   temp folder. Pages are generated **without the inline-script padding** (only the fixed pads:
   icon sprite, mega menu, sidebars, footer), ~128 KB instead of the real 150-500 KB (mean
   ~300 KB), so that two crawls of 10,000+ pages fit in ~12 minutes on 2 cores; the padding is
   raw script text, cheap for the parser, so the pipeline's work per page changes less than
   the bytes do.
2. The project's fixture server (crawler.server.make_server) serves it in its own process
   (``python -m bench.soak_bench --serve ROOT [--faults]``), with ``standard_plan(rate=0.3)``
   from crawler/faults.py for the faulty crawl: ~30% of URLs answer 500 (twice), 503, 429
   (Retry-After: 1), a reset connection or a truncated body before the page comes through,
   and traps are on (endless pagination, calendar pages, links to private addresses and
   look-alike hosts, malformed URLs). The clean crawl gets the same folder with no plan.
3. Each crawl: ``scrapy crawl baohatinh -a start=<9 topic URLs>`` with fast retry backoff
   (RETRY_BACKOFF_BASE=0.05, RETRY_BACKOFF_MAX=0.2, RETRY_AFTER_MAX=1) and no state store.
   **Pages/s** is the site's pages (robots.txt, list pages, articles: the same number for both
   crawls) over the crawl's own duration (the manifest's elapsed time: Scrapy's start to
   finish); responses/s (retries and fault answers included) beside it.
4. **Memory**: while a crawl runs, ``/proc/<pid>/status`` of the crawler (VmHWM = peak RSS so
   far, VmRSS) is sampled every 0.25 s beside the server's count of responses sent; the peak
   RSS when that count passes 2,000 and 10,000 is reported, and their ratio.
5. Checks: both crawls deliver the site's whole article set, each article once, with no
   failed fetch; otherwise the benchmark fails.

    .venv/bin/python -m bench.soak_bench            # ~12 minutes
    .venv/bin/python -m bench.soak_bench --quick    # 1,000 articles, marks at 200 and 1,000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from unittest import mock

from bench import sitegen
from bench.common import PY, RESULTS, ROOT, git_commit, machine, proc_cpu_seconds, ratio, table

FULL = {"articles": 10_000, "marks": (2_000, 10_000)}
QUICK = {"articles": 1_000, "marks": (200, 1_000)}
FAULT_RATE = 0.3
# Page weight: sitegen draws each page's size from a triangular law over these bytes and pads
# up to it with inline scripts; 0 means no script padding at all (see the module docstring).
PAD_TO_BYTES = 0
SAMPLE_S = 0.25
CRAWL_TIMEOUT_S = 900  # a crawl that takes this long is broken: stop it rather than wait
OUT = RESULTS / "soak.json"
COUNT_PATH = "/_bench/count"


# --- the server process ----------------------------------------------------------------------

def serve(root: Path, faults: bool) -> None:
    """The fixture server on ROOT (with the standard fault plan), counting its responses."""
    from crawler.faults import standard_plan
    from crawler.server import make_server

    plan = standard_plan(rate=FAULT_RATE) if faults else None
    server = make_server(0, root, plan)
    base = server.RequestHandlerClass
    lock = threading.Lock()
    sent = Counter[str]()

    class Counting(base):  # type: ignore[valid-type,misc]
        def do_GET(self) -> None:
            if self.path == COUNT_PATH:
                with lock:
                    data = dict(sent)
                data["injected"] = dict(plan.injected) if plan else {}  # type: ignore[assignment]
                body = json.dumps(data).encode()
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            try:
                super().do_GET()
            finally:
                # Counted once answered (a reset or truncation included): the crawler's
                # response count follows this one closely.
                with lock:
                    sent["responses"] += 1

    server.RequestHandlerClass = Counting
    print(f"serving {root} (faults: {faults}) on http://127.0.0.1:{server.server_address[1]}",
          flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


class Server:
    def __init__(self, root: Path, faults: bool):
        cmd = [PY, "-m", "bench.soak_bench", "--serve", str(root)] + (["--faults"] if faults
                                                                       else [])
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        m = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not m:
            self.stop()
            raise RuntimeError(f"fixture server did not start: {line!r}")
        self.base = m.group(0)

    def counts(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.base + COUNT_PATH, timeout=10) as r:  # 127.0.0.1 only
            return dict(json.loads(r.read()))

    def cpu(self) -> float:
        return proc_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- the crawls --------------------------------------------------------------------------------

def crawl_command(site: sitegen.Site, mirror: str, out: Path) -> list[str]:
    # One list page past the longest topic: with traps on, every last page links to an
    # endless next page, and the page limit is what stops it (at a page or two per topic).
    max_pages = max(site.pages_of(t) for t in range(len(sitegen.TOPICS))) + 1
    return [
        PY, "-m", "scrapy", "crawl", "baohatinh", "-a", f"start={','.join(site.topic_urls())}",
        "-s", f"MIRROR={mirror}", "-s", "STATE_URI=none", "-s", f"FEED_DIR={out}",
        "-s", "RETRY_BACKOFF_BASE=0.05", "-s", "RETRY_BACKOFF_MAX=0.2", "-s", "RETRY_AFTER_MAX=1",
        "-s", "LOG_LEVEL=WARNING", "-s", "DISCOVERY_FEEDS=False",
        "-s", f"DISCOVERY_MAX_PAGES={max_pages}",
    ]


def _proc_memory_kb(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of a running process, in kB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return int(fields["VmHWM"].split()[0]), int(fields["VmRSS"].split()[0])


def crawl(kind: str, site: sitegen.Site, root: Path, work: Path,
          marks: tuple[int, ...]) -> tuple[dict[str, Any], Counter[str]]:
    """One whole crawl with faults ("faults") or without ("clean"); its figures and items."""
    out = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=work))
    server = Server(root, faults=kind == "faults")
    log_path = out / "stderr.log"
    at_mark: dict[int, dict[str, Any]] = {}
    series: list[dict[str, Any]] = []
    try:
        cpu0 = server.cpu()
        t0 = time.monotonic()
        with log_path.open("wb") as log:
            proc = subprocess.Popen(crawl_command(site, server.base, out), cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=log)
            next_series = 0
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - t0 > CRAWL_TIMEOUT_S:
                    proc.kill()
                    continue
                try:
                    hwm, rss = _proc_memory_kb(proc.pid)
                except (OSError, KeyError):
                    time.sleep(SAMPLE_S)  # exiting between wait4 and the read
                    continue
                sent = int(server.counts().get("responses", 0))
                sample = {"responses": sent, "t_s": round(time.monotonic() - t0, 1),
                          "peak_rss_mb": round(hwm / 1024, 1), "rss_mb": round(rss / 1024, 1)}
                for mark in marks:
                    if mark not in at_mark and sent >= mark:
                        at_mark[mark] = sample
                if sent >= next_series:  # a coarse memory curve: every 1,000 responses
                    series.append(sample)
                    next_series = sent - sent % 1000 + 1000
                time.sleep(SAMPLE_S)
        wall = time.monotonic() - t0
        code = os.waitstatus_to_exitcode(status)
        server_cpu = server.cpu() - cpu0
        injected = server.counts().get("injected", {})
        served = int(server.counts().get("responses", 0))
    finally:
        server.stop()
    if code != 0:
        raise RuntimeError(f"{kind} crawl exited {code}: {log_path.read_text()[-2000:]}")
    manifest = json.loads(next(out.glob("*.manifest.json")).read_text("utf-8"))
    items = Counter(json.loads(line)["url"] for f in out.glob("*.jsonl")
                    for line in f.read_text("utf-8").splitlines() if line.strip())
    counters = manifest["counters"]
    elapsed = manifest["elapsed_seconds"]
    site_pages = site.page_count() + 1  # + robots.txt
    result = {
        "kind": kind,
        "site_pages": site_pages,
        "responses": manifest["pages_fetched"],
        "server_responses": served,
        "articles_written": manifest["articles_written"],
        "fetch_failed": manifest["fetch_failed"],
        "http_status": manifest["http_status"],
        "faults_injected": injected,
        "retries": counters.get("retry/count", 0),
        "retry_wait_s": round(float(counters.get("retry/wait_seconds", 0)), 1),
        "traps": {k: v for k, v in counters.items()
                  if k in ("discovery/offsite_links", "discovery/malformed_links",
                           "discovery/non_article_links", "discovery/pagination_stopped_limit",
                           "fetch/blocked_private_host")},
        "elapsed_s": round(elapsed, 2),
        "wall_s": round(wall, 2),
        "pages_per_s": round(site_pages / elapsed, 2),
        "responses_per_s": round(manifest["pages_fetched"] / elapsed, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_rss_at": {str(m): at_mark.get(m) for m in marks},
        "server_core_share": round(server_cpu / wall, 3),
        "memory_series": series,
    }
    shutil.rmtree(out, ignore_errors=True)
    return result, items


def run(quick: bool = False) -> dict[str, Any]:
    sizes = QUICK if quick else FULL
    work = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    try:
        return _run(sizes["articles"], sizes["marks"], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(articles: int, marks: tuple[int, ...], work: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    # sitegen's page weights are module constants; generate() forks its pool inside this
    # block, so the children render with the same (unpadded) sizes.
    with mock.patch.multiple(sitegen, SIZE_MIN=PAD_TO_BYTES, SIZE_MODE=PAD_TO_BYTES,
                             SIZE_MAX=PAD_TO_BYTES):
        site, written = sitegen.generate(work / "site", articles)
    gen_s = time.perf_counter() - t0
    page_kb = written / site.page_count() / 1e3
    print(f"generated {site.page_count():,} pages ({written / 1e6:,.0f} MB, {page_kb:,.0f} "
          f"KB/page) in {gen_s:.1f} s", flush=True)
    runs: dict[str, dict[str, Any]] = {}
    items: dict[str, Counter[str]] = {}
    # Clean first: the faulty crawl is the soak; the clean one is its yardstick.
    for kind in ("clean", "faults"):
        runs[kind], items[kind] = crawl(kind, site, work / "site", work, marks)
        r = runs[kind]
        print(f"  {kind:6}: {r['responses']:,} responses, {r['articles_written']:,} articles, "
              f"{r['pages_per_s']} site pages/s, peak RSS {r['peak_rss_mb']} MB", flush=True)
    expected = set(site.article_urls())
    for kind, counts in items.items():
        missing, extra = expected - set(counts), set(counts) - expected
        twice = sum(1 for c in counts.values() if c > 1)
        if missing or extra or twice or runs[kind]["fetch_failed"]:
            raise RuntimeError(f"{kind} crawl: {len(missing)} articles missing, {len(extra)} "
                               f"unexpected, {twice} delivered twice, "
                               f"{runs[kind]['fetch_failed']} failed fetches")
    faults, clean = runs["faults"], runs["clean"]
    low, high = (str(m) for m in marks)
    mem = faults["peak_rss_at"]
    if mem[low] is None or mem[high] is None:
        raise RuntimeError(f"the faulty crawl did not pass {marks} responses: {mem}")
    clean_mem = clean["peak_rss_at"]
    command = " ".join(crawl_command(site, "http://127.0.0.1:PORT", Path("OUT"))).replace(
        PY, ".venv/bin/python")
    return {
        "soak_pages_per_s_faults": {
            "value": faults["pages_per_s"],
            "unit": "site pages (robots.txt + list pages + articles) / s of crawl, faults on",
            "responses_per_s": faults["responses_per_s"],
        },
        "soak_pages_per_s_clean": {
            "value": clean["pages_per_s"],
            "unit": "site pages / s of crawl, no faults",
            "responses_per_s": clean["responses_per_s"],
        },
        "soak_faults_vs_clean": {
            "value": ratio(faults["pages_per_s"], clean["pages_per_s"]),
            "unit": "site pages/s with faults / without (same site, same run of the bench)",
        },
        "soak_memory_10k_vs_2k": {
            "value": ratio(mem[high]["peak_rss_mb"], mem[low]["peak_rss_mb"]),
            "unit": f"peak RSS (VmHWM) of the faulty crawl when {int(high):,} responses were "
                    f"served / when {int(low):,} were",
            "target": 1.10,
            "peak_rss_mb": {low: mem[low]["peak_rss_mb"], high: mem[high]["peak_rss_mb"]},
            "clean_crawl": ratio(clean_mem[high]["peak_rss_mb"], clean_mem[low]["peak_rss_mb"])
            if clean_mem.get(high) and clean_mem.get(low) else None,
            "how": "/proc/<crawler pid>/status VmHWM sampled every 0.25 s, read when the "
                   "server's count of responses sent first passes each mark",
        },
        "same_article_set": True,  # checked above: the run fails otherwise
        "sizes": {"articles": articles, "site_pages": faults["site_pages"],
                  "page_kb": round(page_kb), "fault_rate": FAULT_RATE, "traps": True,
                  "pages_note": "unpadded sitegen pages (~128 KB; real ones 150-500 KB)"},
        "generate_s": round(gen_s, 1),
        "command": command,
        "server_command": ".venv/bin/python -m bench.soak_bench --serve ROOT [--faults]",
        "bench_command": ".venv/bin/python -m bench.soak_bench",
        "runs": [clean, faults],
    }


def print_table(result: dict[str, Any]) -> None:
    rows = []
    for r in result["runs"]:
        marks = r["peak_rss_at"]
        rows.append([r["kind"], r["site_pages"], r["responses"], r["retries"],
                     r["articles_written"], r["fetch_failed"], r["elapsed_s"], r["pages_per_s"],
                     r["responses_per_s"], *(m["peak_rss_mb"] if m else None
                                             for m in marks.values()),
                     r["peak_rss_mb"]])
    mark_names = [f"RSS@{int(m):,}" for m in result["runs"][0]["peak_rss_at"]]
    print(table("Soak: the same crawl with and without faults (standard_plan(rate=0.3))",
                ["crawl", "site pages", "responses", "retries", "articles", "failed", "s",
                 "pages/s", "resp/s", *mark_names, "peak MB"], rows))
    mem = result["soak_memory_10k_vs_2k"]
    print(f"\nsoak_faults_vs_clean = {result['soak_faults_vs_clean']['value']}; "
          f"soak_memory_10k_vs_2k = {mem['value']} (target <= {mem['target']}); "
          f"faults injected: {result['runs'][1]['faults_injected']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="1,000 articles")
    parser.add_argument("--no-write", action="store_true",
                        help=f"do not write {OUT.relative_to(ROOT)}")
    parser.add_argument("--serve", type=Path, metavar="ROOT",
                        help="(internal) run the counting fixture server on ROOT")
    parser.add_argument("--faults", action="store_true", help="(with --serve) fault plan on")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.faults)
        return 0
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
