"""Run every benchmark and write ``bench/results/latest.json`` (``make bench``).

    .venv/bin/python -m bench.run           # full: ~25 minutes on 2 cores
    .venv/bin/python -m bench.run --quick   # smaller sizes, ~5 minutes: a smoke test of the suite

Each figure in latest.json is an object with its ``value``, the units and sizes it was
measured at, a ``target`` when the project has one, and the ``command`` that reproduces it
alone. Figures not measurable yet are ``null`` with a ``note`` saying why.

Sizes: the crawl is CPU-bound on one core (~18 pages/s for our pipeline today), so the full
run crawls 2,500 articles x 3 repetitions for throughput and 10,000 articles for memory, to
stay under 30 minutes. The brief's 5,000 x 3 and 50,000 run with
``python -m bench.crawl_bench --articles 5000 --memory-articles 50000`` (about 1 h 15 min
today); the 50k/5k memory ratio is projected from the measured growth meanwhile.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import archive_bench, crawl_bench, extract_bench
from bench.common import RESULTS, git_commit, machine, ratio

PY = ".venv/bin/python"
LATEST = RESULTS / "latest.json"
STORE_JSON = RESULTS / "store_sqlite.json"

# The brief's sizes: 5,000 articles (3 repetitions) and a 50,000-article memory crawl.
FULL = {"extract_pages": 200, "passes": 5, "articles": 5000, "reps": 3,
        "memory_articles": 50_000, "archive_articles": 2000}
QUICK = {"extract_pages": 50, "passes": 3, "articles": 300, "reps": 2, "memory_articles": 1500,
         "archive_articles": 200}


def store_figures() -> dict[str, Any]:
    """SQLite store figures from the committed store benchmark, else a smaller fresh run."""
    command = f"{PY} -m bench.store_bench"
    if STORE_JSON.is_file():
        data = json.loads(STORE_JSON.read_text("utf-8"))
        source = f"bench/results/store_sqlite.json ({data.get('articles', '?'):,} articles)"
    else:
        from bench import store_bench

        n = 100_000
        with tempfile.TemporaryDirectory() as tmp:
            data = store_bench.run(n, 20_000, 1_000, Path(tmp))
        source = (f"fresh run at {n:,} articles (store_sqlite.json absent; the reference size "
                  f"is 1,000,000: `{command}`)")
        command = f"{PY} -m bench.store_bench -n {n} --lookups 20000"
    return {
        "value": {k: data.get(k) for k in ("inserts_per_s", "lookup_url_per_s",
                                           "lookup_id_per_s")},
        "unit": "operations/s (insert in batches of 1,000; look-ups by URL and by site+id)",
        "articles": data.get("articles"),
        "peak_rss_mb": data.get("peak_rss_mb"),
        "source": source,
        "command": command,
    }


def real_extract_figure(extract: dict[str, Any], command: str) -> dict[str, Any]:
    """CPU ours / trafilatura on the real pages of SHARED_DIR/html: through the dispatch (every
    page there has a profile or family) and with the generic layer alone (an unseen site)."""
    def ratio(key: str) -> float | None:
        return (extract.get(key) or {}).get("ours_vs_trafilatura")

    def ms(key: str) -> dict[str, float] | None:
        return (extract.get(key) or {}).get("ms_per_page")

    return {
        "value": {"profiled": ratio("real_profiled"), "generic": ratio("real_generic"),
                  "generic_forced": ratio("real_generic_forced")},
        "target": "<= 0.25 (profile or family), <= 1.0 (generic)",
        "unit": "CPU time ours / trafilatura.extract on the real article pages (SHARED_DIR)",
        "pages": (extract.get("real") or {}).get("pages"),
        "ms_per_page": {"profiled": ms("real_profiled"),
                        "generic_forced": ms("real_generic_forced")},
        "command": command,
    }


def figures(crawl: dict[str, Any], extract: dict[str, Any], cfg: dict[str, Any]
            ) -> dict[str, Any]:
    crawl_cmd = (f"{PY} -m bench.crawl_bench --articles {cfg['articles']} --reps {cfg['reps']} "
                 f"--memory-articles {cfg['memory_articles']}")
    extract_cmd = (f"{PY} -m bench.extract_bench --pages {cfg['extract_pages']} "
                   f"--passes {cfg['passes']}")
    gen, fix = extract["generated"], extract["fixtures"]
    mem = crawl.get("memory") or {}
    out: dict[str, Any] = {
        "pipeline_vs_noop": {
            "value": round(crawl["pipeline_vs_noop"], 3),
            "target": ">= 0.5",
            "unit": "pages/s of our full pipeline / pages/s of a no-op Scrapy spider, same pages",
            "ours_pages_per_s": crawl["ours_pages_per_s"],
            "noop_pages_per_s": crawl["noop_pages_per_s"],
            "ours_cpu_ms_per_page": crawl["ours_cpu_ms_per_page"],
            "noop_cpu_ms_per_page": crawl["noop_cpu_ms_per_page"],
            "server_cpu_ms_per_page": crawl["server_cpu_ms_per_page"],
            "articles": crawl["articles"],
            "pages": crawl["pages"],
            "page_kb": crawl["page_kb"],
            "reps": crawl["reps"],
            "command": crawl_cmd,
        },
        "extract_ms_per_page": {
            "value": gen["ms_per_page"]["ours"],
            "unit": "CPU ms per article page (extract_article: extraction + cleaning)",
            "page_kb": gen["avg_kb"],
            "pages": gen["pages"],
            "fixtures_ms_per_page": fix["ms_per_page"]["ours"],
            "fixtures_page_kb": fix["avg_kb"],
            "command": extract_cmd,
        },
        "extract_vs_trafilatura": {
            "value": gen["ours_vs_trafilatura"],
            "target": "<= 0.2",
            "unit": "CPU time ours / trafilatura.extract(output_format='txt'), generated pages",
            "trafilatura_ms_per_page": gen["ms_per_page"]["trafilatura"],
            "ours_ms_per_page": gen["ms_per_page"]["ours"],
            "fixtures_value": fix["ours_vs_trafilatura"],
            # Timed page by page in turn (steadier; see bench/extract_bench.py), and against
            # trafilatura asked for the metadata ours extracts too (like for like).
            "interleaved_value": (extract.get("generated_interleaved") or {})
            .get("ours_vs_trafilatura"),
            "with_metadata_value": gen.get("ours_vs_trafilatura_meta"),
            # Real pages of ten other sites (SHARED_DIR/html), when that folder was present.
            "real_pages_value": (extract.get("real") or {}).get("ours_vs_trafilatura"),
            "real_pages_ms_per_page": ((extract.get("real") or {}).get("ms_per_page") or {})
            .get("ours"),
            "command": extract_cmd,
        },
        "extract_real_vs_trafilatura": real_extract_figure(extract, extract_cmd),
        "lxml_parse_ms_per_page": {
            "value": gen["ms_per_page"]["lxml"],
            "unit": "CPU ms per page of lxml.html.fromstring (the floor of any extractor)",
            "ours_vs_lxml": gen["ours_vs_lxml"],
            "fixtures_value": fix["ms_per_page"]["lxml"],
            "command": extract_cmd,
        },
        "memory_50k_vs_5k": _memory_figure(mem, crawl_cmd),
        "workers2_vs_1": _saved_figure(
            "workers.json", "workers2_vs_1", ">= 1.8", f"{PY} -m bench.workers_bench"),
        "store_sqlite_ops_per_s": store_figures(),
        "store_redis_ops_per_s": _redis_store_figure(),
        "soak": _saved_figure("soak.json", None, None, f"{PY} -m bench.soak_bench"),
        **archive_figures(),
    }
    return out


def archive_figures() -> dict[str, Any]:
    """WARC archive overhead, bytes per page and reextract speed (bench/archive_bench.py,
    results/archive.json)."""
    command = f"{PY} -m bench.archive_bench"
    path = archive_bench.OUT_JSON
    if not path.is_file():
        note = {"value": None, "note": f"not measured: run `{command}`", "command": command}
        return {"archive_overhead": note, "archive_bytes_per_page": note,
                "reextract_vs_crawl": note}
    d = json.loads(path.read_text("utf-8"))
    sizes = {"articles": d["articles"], "pages": d["pages"], "page_kb": d["page_kb"],
             "reps": d["reps"], "source": "bench/results/archive.json",
             "command": f"{command} --articles {d['articles']} --reps {d['reps']}"}
    return {
        "archive_overhead": {
            "value": d["archive_overhead"], "target": ">= 0.9",
            "unit": "crawl pages/s with the WARC archive on / off (same pages, per rep)",
            "on_pages_per_s": d["archive_on_pages_per_s"],
            "off_pages_per_s": d["archive_off_pages_per_s"],
            "on_cpu_ms_per_page": d["archive_on_cpu_ms_per_page"],
            "off_cpu_ms_per_page": d["archive_off_cpu_ms_per_page"], **sizes},
        "archive_bytes_per_page": {
            "value": d["archive_bytes_per_page"],
            "unit": "bytes of WARC (request + response records, gzip) per fetched page",
            "mb_per_1000_articles": d["archive_mb_per_1000_articles"], **sizes},
        "reextract_vs_crawl": {
            "value": d["reextract_vs_crawl"],
            "unit": "pages/s of python -m crawler reextract over the crawl's WARC / the "
                    "crawl's pages/s (archive on)",
            "reextract_pages_per_s": d["reextract"]["pages_per_s"],
            "reextract_cpu_ms_per_page": d["reextract"]["cpu_ms_per_page"],
            "same_articles": d["reextract_same_articles"], **sizes},
    }


def _saved_figure(name: str, key: str | None, target: str | None, command: str
                  ) -> dict[str, Any]:
    """A figure from a benchmark that writes its own result file (run separately: it needs
    redis-server, or runs long); null with a note when the file is absent."""
    path = RESULTS / name
    if not path.is_file():
        return {"value": None, "note": f"not measured: run `{command}`", "command": command}
    data = json.loads(path.read_text("utf-8"))
    value = data.get(key) if key else {k: v for k, v in data.items()
                                        if not isinstance(v, (dict, list))}
    if isinstance(value, dict) and "value" in value and key:
        value = value["value"]
    out = {"value": value, "source": f"bench/results/{name}", "command": command}
    if target:
        out["target"] = target
    return out


def _redis_store_figure() -> dict[str, Any]:
    path = RESULTS / "store_redis.json"
    command = f"{PY} -m bench.store_redis_bench"
    if not path.is_file():
        return {"value": None, "note": f"not measured: run `{command}`", "command": command}
    data = json.loads(path.read_text("utf-8"))
    return {"value": {k: data.get(k) for k in ("inserts_per_s", "lookup_url_per_s",
                                               "lookup_id_per_s")},
            "unit": "operations/s (insert in pipelined batches of 1,000; look-ups)",
            "articles": data.get("articles"), "server_used_memory_mb":
                data.get("server_used_memory_mb"),
            "source": "bench/results/store_redis.json", "command": command}


def _memory_figure(mem: dict[str, Any], command: str) -> dict[str, Any]:
    if not mem:
        return {"value": None, "note": "memory crawl skipped", "command": command}
    small, large = mem["small_articles"], mem["articles"]
    rss_small, rss_large = mem["small_peak_rss_mb"], mem["large_peak_rss_mb"]
    # Peak RSS as a + b * articles through the two measured points, evaluated at 5k and 50k.
    slope = (rss_large - rss_small) / (large - small)
    base = rss_small - slope * small
    projected = ratio(base + slope * 50_000, base + slope * 5_000)
    measured_as_asked = (small, large) == (5_000, 50_000)
    return {
        "value": mem["ratio"] if measured_as_asked else projected,
        "target": "<= 1.10",
        "unit": "peak RSS of our crawler at 50,000 articles / at 5,000",
        "measured_ratio": mem["ratio"],
        "measured_at_articles": [small, large],
        "measured_peak_rss_mb": [rss_small, rss_large],
        "mb_per_1000_articles": mem["mb_per_1000_articles"],
        "projected_50k_vs_5k": projected,
        "projected_peak_rss_mb_at_50k": round(base + slope * 50_000, 1),
        "note": None if measured_as_asked else (
            f"value is PROJECTED (linear in articles) from crawls of {small:,} and {large:,} "
            f"articles; a 50,000-article crawl takes ~50 min at today's throughput"),
        "command": command,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="run every benchmark; write latest.json")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (~5 minutes)")
    parser.add_argument("--articles", type=int, help="crawl size for throughput")
    parser.add_argument("--reps", type=int)
    parser.add_argument("--memory-articles", type=int)
    parser.add_argument("--out", type=Path, default=LATEST)
    parser.add_argument("--from-json", nargs=2, type=Path, metavar=("CRAWL", "EXTRACT"),
                        help="assemble latest.json from saved crawl_bench/extract_bench "
                             "--json results instead of running them again")
    args = parser.parse_args()
    cfg = dict(QUICK if args.quick else FULL)
    for key in ("articles", "reps", "memory_articles"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    if args.from_json:
        crawl = json.loads(args.from_json[0].read_text("utf-8"))
        extract = json.loads(args.from_json[1].read_text("utf-8"))
        cfg.update(articles=crawl["articles"], reps=crawl["reps"],
                   memory_articles=(crawl.get("memory") or {}).get("articles", 0))
    else:
        print(f"== extraction ({cfg['extract_pages']} pages x {cfg['passes']} passes)",
              flush=True)
        extract = extract_bench.run(cfg["extract_pages"], cfg["passes"])
        print(f"\n== crawl ({cfg['articles']:,} articles x {cfg['reps']} reps; memory at "
              f"{cfg['memory_articles']:,})", flush=True)
        crawl = crawl_bench.run(cfg["articles"], cfg["reps"], cfg["memory_articles"])
        print(f"\n== archive ({cfg['archive_articles']:,} articles x {cfg['reps']} reps, on/off)",
              flush=True)
        archive = archive_bench.run(cfg["archive_articles"], cfg["reps"])
        archive_bench.OUT_JSON.write_text(json.dumps(archive, indent=2) + "\n", "utf-8")
    result: dict[str, Any] = {
        "commit": git_commit(),
        "machine": machine(),
        "mode": "from saved results" if args.from_json else ("quick" if args.quick else "full"),
        "started_at": started.isoformat(timespec="seconds"),
        "command": f"{PY} -m bench.run" + (" --quick" if args.quick else ""),
        **figures(crawl, extract, cfg),
    }
    result["total_s"] = round(time.perf_counter() - t0, 1)
    result["details"] = {"crawl": crawl, "extract": extract}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print_summary(result)
    print(f"\nwrote {args.out} in {result['total_s'] / 60:.1f} min")
    return 0


def print_summary(r: dict[str, Any]) -> None:
    print("\n== summary")
    for key in ("pipeline_vs_noop", "extract_ms_per_page", "extract_vs_trafilatura",
                "extract_real_vs_trafilatura", "lxml_parse_ms_per_page", "memory_50k_vs_5k",
                "workers2_vs_1",
                "store_sqlite_ops_per_s", "store_redis_ops_per_s", "archive_overhead",
                "archive_bytes_per_page", "reextract_vs_crawl"):
        fig = r[key]
        value = fig["value"]
        extra = f"  (target {fig['target']})" if fig.get("target") else ""
        note = f"  [{fig['note']}]" if fig.get("note") else ""
        print(f"{key:<24} {json.dumps(value)}{extra}{note}")


if __name__ == "__main__":
    raise SystemExit(main())
