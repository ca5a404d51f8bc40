"""Benchmark the SQLite state store at 1,000,000 articles.

Records N articles through ``record()`` in batches of 1,000 (one transaction each), then
times 100,000 random look-ups by URL and 100,000 by (site, article id), and reports peak
RSS. Prints a table and writes ``bench/results/store_sqlite.json``.

    .venv/bin/python -m bench.store_bench            # 1,000,000 articles (~2-3 minutes)
    .venv/bin/python -m bench.store_bench -n 100000  # quick run
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from crawler.store.sqlite import SqliteStore

RESULTS = Path(__file__).resolve().parent / "results" / "store_sqlite.json"
SITES = ("baohatinh.vn", "vnexpress.net", "dantri.com.vn", "tuoitre.vn", "thanhnien.vn")


def article(i: int) -> tuple[str, str, str, str]:
    """Site, canonical URL, article id and fingerprint of synthetic article ``i``."""
    site = SITES[i % len(SITES)]
    slug = f"bao-so-3-do-bo-quang-ninh-hai-phong-tin-{i}"
    return site, f"https://{site}/thoi-su/{slug}-post{i}.html", str(i), f"v1:{i:032x}"


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


def insert_all(store: SqliteStore, n: int, batch: int) -> float:
    start = time.perf_counter()
    for lo in range(0, n, batch):
        with store.batch():
            for i in range(lo, min(lo + batch, n)):
                site, url, aid, fp = article(i)
                store.record(
                    site, url, fp, article_id=aid, published_at="2025-09-06T10:00:00+07:00"
                )
        if lo and lo % 200_000 == 0:
            print(f"  {lo:,} recorded, {lo / (time.perf_counter() - start):,.0f}/s", flush=True)
    return time.perf_counter() - start


def time_lookups(n_lookups: int, n: int, find: Callable[[int], object]) -> float:
    rng = random.Random(42)
    picks = [rng.randrange(n) for _ in range(n_lookups)]
    start = time.perf_counter()
    misses = sum(find(i) is None for i in picks)
    elapsed = time.perf_counter() - start
    if misses:
        raise SystemExit(f"{misses} look-ups found nothing: the benchmark is broken")
    return elapsed


def run(n: int, n_lookups: int, batch: int, directory: Path) -> dict[str, object]:
    path = directory / "bench.sqlite3"
    store = SqliteStore(path)
    insert_s = insert_all(store, n, batch)
    by_url_s = time_lookups(n_lookups, n, lambda i: store.lookup(article(i)[0], url=article(i)[1]))
    by_id_s = time_lookups(
        n_lookups, n, lambda i: store.lookup(article(i)[0], article_id=article(i)[2])
    )
    rows = store.stats()
    store.close()
    size = sum(p.stat().st_size for p in directory.glob("bench.sqlite3*"))
    return {
        "articles": n,
        "batch_size": batch,
        "lookups_each": n_lookups,
        "insert_seconds": round(insert_s, 2),
        "inserts_per_s": round(n / insert_s),
        "lookup_url_per_s": round(n_lookups / by_url_s),
        "lookup_id_per_s": round(n_lookups / by_id_s),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "db_size_mb": round(size / 1e6, 1),
        "rows": rows,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": platform.machine(),
    }


def print_table(r: dict[str, object]) -> None:
    lines = [
        ("articles", f"{r['articles']:,}"),
        ("insert (record, batches of 1,000)", f"{r['inserts_per_s']:,} /s"),
        ("lookup by URL", f"{r['lookup_url_per_s']:,} /s"),
        ("lookup by site + article id", f"{r['lookup_id_per_s']:,} /s"),
        ("peak RSS", f"{r['peak_rss_mb']} MB"),
        ("database size (with WAL)", f"{r['db_size_mb']} MB"),
    ]
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key:<{width}}  {value:>14}")


def main() -> int:
    parser = argparse.ArgumentParser(description="SQLite state store benchmark")
    parser.add_argument("-n", "--articles", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--dir", type=Path, help="where to put the database (default: a tmp dir)")
    parser.add_argument("--no-save", action="store_true", help="do not write the JSON result")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        result = run(args.articles, args.lookups, args.batch, Path(tmp))
    print_table(result)
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
