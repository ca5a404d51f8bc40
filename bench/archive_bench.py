"""Archive benchmark: what keeping every response as WARC costs, and what re-extraction gains.

1. ``bench.sitegen`` writes N articles (~300 KB pages); the fixture server serves them.
2. Per repetition, back to back (order alternating): ``scrapy crawl baohatinh`` exactly as in
   ``bench.crawl_bench`` (everything on, STATE_URI=none) with ``ARCHIVE_ENABLED=True`` and with
   ``ARCHIVE_ENABLED=False``. Figure: pages/s on / off per repetition, then the median (target
   >= 0.9), CPU per page of each, and the archive's bytes per page and per article.
3. ``python -m crawler reextract`` over the WARC of the last "on" crawl: pages/s over the
   re-extraction crawl's own duration (Scrapy start to finish, as for the crawls), against the
   crawl's pages/s; and the same articles must come out.

    .venv/bin/python -m bench.archive_bench --articles 2000 --reps 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import PY, RESULTS, ROOT, median
from bench.crawl_bench import CONCURRENCY, Server, _wait, start_fixture_server
from bench.sitegen import Site, generate

OUT_JSON = RESULTS / "archive.json"


def crawl(server: Server, site: Site, out: Path, archive: bool) -> dict[str, Any]:
    cmd = [PY, "-m", "scrapy", "crawl", "baohatinh", "-a", f"start={','.join(site.topic_urls())}",
           "-s", f"MIRROR={server.base}", "-s", "LOG_LEVEL=WARNING",
           "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}", "-s", f"FEED_DIR={out}",
           "-s", "STATE_URI=none", "-s", f"DISCOVERY_MAX_PAGES={site.page_count()}",
           "-s", "DISCOVERY_FEEDS=False", "-s", f"ARCHIVE_ENABLED={archive}"]
    log = out / "stderr.log"
    out.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        code, usage = _wait(proc)
    if code != 0:
        raise RuntimeError(f"crawl exited {code}: {log.read_text()[-2000:]}")
    manifest = json.loads(next(out.glob("*.manifest.json")).read_text("utf-8"))
    pages, elapsed = manifest["pages_fetched"], manifest["elapsed_seconds"]
    cpu = usage.ru_utime + usage.ru_stime
    warc = manifest.get("archive") or {}
    warc_bytes = sum(f["bytes"] for f in warc.get("files", []))
    return {"archive": archive, "pages": pages, "items": manifest["articles_written"],
            "elapsed_s": elapsed, "pages_per_s": round(pages / elapsed, 2),
            "cpu_ms_per_page": round(cpu / pages * 1000, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "warc_files": len(warc.get("files", [])), "warc_bytes": warc_bytes,
            "warc_records": sum(f["records"] for f in warc.get("files", []))}


def reextract(folder: Path, work: Path) -> dict[str, Any]:
    target = work / "reextract.jsonl"
    summary = work / "reextract-summary.json"
    t0 = time.perf_counter()
    cmd = [PY, "-m", "crawler", "reextract", str(folder), "-O", str(target),
           "--json", str(summary)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    code, usage = _wait(proc)
    wall = time.perf_counter() - t0
    if code != 0:
        raise RuntimeError(f"reextract exited {code}")
    data = json.loads(summary.read_text("utf-8"))
    pages, elapsed = data["pages"], data["elapsed_seconds"]
    cpu = usage.ru_utime + usage.ru_stime
    return {"pages": pages, "items": data["articles_written"], "elapsed_s": elapsed,
            "wall_s": round(wall, 2), "pages_per_s": round(pages / elapsed, 2),
            "cpu_ms_per_page": round(cpu / pages * 1000, 2)}


def run(articles: int = 2000, reps: int = 3, work: Path | None = None) -> dict[str, Any]:
    work_dir = Path(tempfile.mkdtemp(prefix="bench-archive-", dir=work))
    try:
        return _run(articles, reps, work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _run(articles: int, reps: int, work: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    site, written = generate(work / "site", articles)
    print(f"generated {site.page_count():,} pages ({written / site.page_count() / 1e3:,.0f} "
          f"KB/page)", flush=True)
    server = start_fixture_server(work / "site")
    runs: list[dict[str, Any]] = []
    last_on: Path | None = None
    try:
        for rep in range(reps):
            for archive in ((True, False) if rep % 2 == 0 else (False, True)):
                out = work / f"rep{rep}-{'on' if archive else 'off'}"
                r = crawl(server, site, out, archive)
                r["rep"] = rep + 1
                runs.append(r)
                print(f"  rep {rep + 1} archive {'on ' if archive else 'off'}: {r['pages']:,} "
                      f"pages, {r['pages_per_s']} pages/s, {r['cpu_ms_per_page']} ms CPU/page"
                      + (f", WARC {r['warc_bytes'] / 1e6:.1f} MB" if archive else ""),
                      flush=True)
                if archive:
                    if last_on is not None:
                        shutil.rmtree(last_on, ignore_errors=True)
                    last_on = out
                else:
                    shutil.rmtree(out, ignore_errors=True)
    finally:
        server.stop()
    assert last_on is not None
    re = reextract(last_on, work)
    print(f"  reextract: {re['pages']:,} pages, {re['pages_per_s']} pages/s, "
          f"{re['cpu_ms_per_page']} ms CPU/page, {re['items']:,} articles", flush=True)
    on = [r for r in runs if r["archive"]]
    off = [r for r in runs if not r["archive"]]
    pairs = [(a, b) for a in on for b in off if a["rep"] == b["rep"]]
    warc_bytes = median([r["warc_bytes"] for r in on])
    on_pps = median([r["pages_per_s"] for r in on])
    result = {
        "articles": articles, "pages": on[0]["pages"], "reps": reps,
        "page_kb": round(written / site.page_count() / 1e3),
        "runs": runs,
        "archive_on_pages_per_s": on_pps,
        "archive_off_pages_per_s": median([r["pages_per_s"] for r in off]),
        "archive_on_cpu_ms_per_page": median([r["cpu_ms_per_page"] for r in on]),
        "archive_off_cpu_ms_per_page": median([r["cpu_ms_per_page"] for r in off]),
        "archive_overhead": round(median([a["pages_per_s"] / b["pages_per_s"]
                                          for a, b in pairs]), 3),
        "archive_bytes_per_page": round(warc_bytes / on[0]["pages"]),
        "archive_mb_per_1000_articles": round(warc_bytes / on[0]["items"] * 1000 / 1e6, 1),
        "reextract": re,
        "reextract_vs_crawl": round(re["pages_per_s"] / on_pps, 2),
        "reextract_same_articles": re["items"] == on[-1]["items"],
        "total_s": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps({k: v for k, v in result.items() if k not in ("runs", "reextract")},
                     indent=1))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="WARC archive overhead and reextract speed")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--work", type=Path, help="temp folder parent (default: system temp)")
    parser.add_argument("--json", type=Path, default=OUT_JSON)
    parser.add_argument("--update-latest", action="store_true",
                        help="also put these figures into results/latest.json")
    args = parser.parse_args()
    result = run(args.articles, args.reps, args.work)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(f"wrote {args.json}")
    if args.update_latest and args.json == OUT_JSON:
        from bench.common import git_commit
        from bench.run import LATEST, archive_figures

        latest = json.loads(LATEST.read_text("utf-8")) if LATEST.is_file() else {}
        figures = archive_figures()
        for fig in figures.values():
            fig["commit"] = git_commit()  # measured apart from the rest of latest.json
        latest.update(figures)
        LATEST.write_text(json.dumps(latest, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"updated the archive figures in {LATEST}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
