"""Benchmark the Redis state store at 1,000,000 articles (the counterpart of bench/store_bench.py).

Starts a throwaway ``redis-server`` on 127.0.0.1 (AOF on, as tests/redis_server.py runs it),
records N articles with ``record_many()`` (the record script, pipelined 1,000 to a round trip),
times ``record()`` one call at a time on a sample, then 100,000 random look-ups by URL and
100,000 by (site, article id). Reports the server's ``used_memory`` and this client's peak RSS,
prints a table and writes ``bench/results/store_redis.json``.

    .venv/bin/python -m bench.store_redis_bench            # 1,000,000 articles
    .venv/bin/python -m bench.store_redis_bench -n 100000  # quick run
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from bench.store_bench import article, peak_rss_mb
from crawler.store.redis import Recording, RedisStore

RESULTS = Path(__file__).resolve().parent / "results" / "store_redis.json"
PUBLISHED = "2025-09-06T10:00:00+07:00"


def recording(i: int) -> Recording:
    site, url, aid, fp = article(i)
    return Recording(site, url, fp, article_id=aid, published_at=PUBLISHED)


def insert_all(store: RedisStore, n: int, batch: int) -> float:
    start = time.perf_counter()
    for lo in range(0, n, batch):
        # Built per batch so the client's RSS measures the store, not a 1M-item list.
        outcomes = store.record_many(recording(i) for i in range(lo, min(lo + batch, n)))
        if outcomes[0].status != "new":
            raise SystemExit(f"article {lo} was not new ({outcomes[0]}): the server is not empty")
        if lo and lo % 200_000 == 0:
            print(f"  {lo:,} recorded, {lo / (time.perf_counter() - start):,.0f}/s", flush=True)
    return time.perf_counter() - start


def time_single_records(store: RedisStore, first: int, count: int) -> float:
    """``record()`` one round trip at a time, as ``batch()`` does (it does not pipeline)."""
    start = time.perf_counter()
    for i in range(first, first + count):
        r = recording(i)
        store.record(r.site, r.url, r.fingerprint, article_id=r.article_id,
                     published_at=r.published_at)
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


def server_facts(url: str) -> dict[str, Any]:
    client = redis.Redis.from_url(url)
    try:
        memory: dict[str, Any] = client.info("memory")
        server: dict[str, Any] = client.info("server")
        persistence: dict[str, Any] = client.info("persistence")
        dbsize = client.dbsize()
    finally:
        client.close()
    return {
        "redis_version": server["redis_version"],
        "used_memory_mb": round(memory["used_memory"] / 1e6, 1),
        "used_memory_peak_mb": round(memory["used_memory_peak"] / 1e6, 1),
        "used_memory_rss_mb": round(memory["used_memory_rss"] / 1e6, 1),
        "aof_enabled": bool(persistence.get("aof_enabled")),
        "keys": dbsize,
    }


def run(n: int, n_lookups: int, batch: int, singles: int, url: str) -> dict[str, object]:
    store = RedisStore(url)
    insert_s = insert_all(store, n, batch)
    single_s = time_single_records(store, n, singles) if singles else 0.0
    total = n + singles
    by_url_s = time_lookups(
        n_lookups, total, lambda i: store.lookup(article(i)[0], url=article(i)[1])
    )
    by_id_s = time_lookups(
        n_lookups, total, lambda i: store.lookup(article(i)[0], article_id=article(i)[2])
    )
    rows = store.stats()
    store.close()
    facts = server_facts(url)
    return {
        "articles": total,
        "batch_size": batch,
        "lookups_each": n_lookups,
        "insert_seconds": round(insert_s, 2),
        "inserts_per_s": round(n / insert_s),
        "single_records": singles,
        "single_record_per_s": round(singles / single_s) if singles else None,
        "lookup_url_per_s": round(n_lookups / by_url_s),
        "lookup_id_per_s": round(n_lookups / by_id_s),
        "client_peak_rss_mb": round(peak_rss_mb(), 1),
        "server_used_memory_mb": facts["used_memory_mb"],
        "server_used_memory_peak_mb": facts["used_memory_peak_mb"],
        "server_rss_mb": facts["used_memory_rss_mb"],
        "bytes_per_article": round(facts["used_memory_mb"] * 1e6 / total),
        "redis_keys": facts["keys"],
        "aof": facts["aof_enabled"],
        "rows": rows,
        "python": platform.python_version(),
        "redis": facts["redis_version"],
        "redis_py": redis.__version__,
        "machine": platform.machine(),
    }


def print_table(r: dict[str, Any]) -> None:
    lines = [
        ("articles", f"{r['articles']:,}"),
        ("insert (record_many, pipelined 1,000)", f"{r['inserts_per_s']:,} /s"),
        ("record() one round trip each", f"{r['single_record_per_s'] or 0:,} /s"),
        ("lookup by URL", f"{r['lookup_url_per_s']:,} /s"),
        ("lookup by site + article id", f"{r['lookup_id_per_s']:,} /s"),
        ("redis-server used_memory", f"{r['server_used_memory_mb']} MB"),
        ("redis-server RSS", f"{r['server_rss_mb']} MB"),
        ("client peak RSS", f"{r['client_peak_rss_mb']} MB"),
    ]
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key:<{width}}  {value:>14}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Redis state store benchmark")
    parser.add_argument("-n", "--articles", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--singles", type=int, default=20_000,
                        help="articles recorded with record() one at a time, after the rest")
    parser.add_argument("--url", help="an EMPTY Redis to use instead of starting redis-server")
    parser.add_argument("--no-save", action="store_true", help="do not write the JSON result")
    args = parser.parse_args()
    if args.url:
        result = run(args.articles, args.lookups, args.batch, args.singles, args.url)
    else:
        from tests.redis_server import running_redis  # the test helper: same server flags

        with tempfile.TemporaryDirectory() as tmp, running_redis(Path(tmp)) as server:
            result = run(args.articles, args.lookups, args.batch, args.singles, server.url)
    print_table(result)
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
