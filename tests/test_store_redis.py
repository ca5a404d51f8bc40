"""The Redis state store: the SQLite store's behavioural tests run against it, plus what only
a shared server has (many processes at once, passwords, a server that stops or restarts).

Every test gets its own ``redis-server`` on 127.0.0.1 (tests/redis_server.py) and is skipped
when redis-server is not installed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from redis_server import RedisServer, serving, start_or_skip

# The behavioural checks of the SQLite store, collected again here: pytest runs every test_*
# function found in this module, and the ``store`` fixture below makes them use Redis.
from test_store import (  # noqa: F401  (re-exported to pytest)
    T0,
    Clock,
    known,
    test_both_backends_satisfy_the_protocol,
    test_fingerprint_owner_is_the_first_url_across_sites,
    test_http_validators,
    test_lock_is_exclusive_until_released_or_expired,
    test_lookup_by_site_article_id_and_slug_change,
    test_lookup_unknown_and_without_keys,
    test_near_index_with_real_bands,
    test_pending_items_of_a_dead_run_are_undelivered,
    test_prune_forgets_what_was_not_seen_since,
    test_record_new_unchanged_updated,
    test_signatures_and_near_candidates_in_batches,
    test_stats_counts_rows,
    test_unchanged_record_only_moves_last_seen,
)

from crawler.store import StateStore, Status, StoreError, open_store
from crawler.store.redis import SCHEMA_VERSION, Recording, RedisStore
from crawler.store.sqlite import SqliteStore

PASSWORD = "hunter2-S3cret"


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    yield from serving(tmp_path_factory.mktemp("redis"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(redis_server: RedisServer, clock: Clock) -> Iterator[RedisStore]:
    s = RedisStore(redis_server.url, now=clock)
    yield s
    s.close()


@pytest.fixture(params=["sqlite", "redis"])
def both(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock
) -> Iterator[StateStore]:
    """The same extra checks on both backends, so a difference between them fails a test."""
    if request.param == "sqlite":
        s: StateStore = SqliteStore(tmp_path / "state.sqlite3", now=clock)
    else:
        server = request.getfixturevalue("redis_server")
        s = RedisStore(server.url, now=clock)
    yield s
    s.close()


# ---------------------------------------------------------------------------- more shared checks


def test_an_old_url_keeps_naming_its_article(both: StateStore) -> None:
    both.record("a.vn", "https://a.vn/old-42.html", "v1:aa", article_id="42")
    both.record("a.vn", "https://a.vn/new-42.html", "v1:bb", article_id="42")
    # Another article later published at the old URL: the URL still names article 42.
    out = both.record("a.vn", "https://a.vn/old-42.html", "v1:cc", article_id="43")
    assert (out.status, out.revision, out.url) == (Status.UPDATED, 3, "https://a.vn/old-42.html")
    assert both.lookup("a.vn", article_id="43").url == "https://a.vn/old-42.html"  # type: ignore[union-attr]
    # The id 43 became one more name of the article (u old, u new, i 42, i 43).
    assert both.stats()["articles"] == 1 and both.stats()["article_keys"] == 4


def test_unchanged_returns_the_stored_url_and_empty_article_id(both: StateStore) -> None:
    both.record("a.vn", "https://a.vn/x", "v1:aa", article_id="")
    out = both.record("a.vn", "https://a.vn/x", "v1:aa", article_id="")
    assert (out.status, out.revision) == (Status.UNCHANGED, 1)
    rec = both.lookup("a.vn", url="https://a.vn/x")
    assert rec is not None and rec.article_id == ""  # "" is stored, but is not an id key
    assert both.stats()["article_keys"] == 1


def test_fingerprint_of_a_revision_is_owned_and_pruned_with_its_article(
    both: StateStore, clock: Clock
) -> None:
    both.record("a.vn", "https://a.vn/1", "v1:r1")
    both.record("a.vn", "https://a.vn/1", "v1:r2")  # UPDATED: owns v1:r2 too
    both.record("b.vn", "https://b.vn/1", "v1:r2")  # a copy: not the owner
    assert both.fingerprint_owner("v1:r2") == "https://a.vn/1"
    clock.advance(days=10)
    both.record("b.vn", "https://b.vn/1", "v1:r2")
    counts = both.prune(T0 + timedelta(days=5))
    assert (counts["articles"], counts["fingerprints"]) == (1, 2)
    # The owner is gone: the copy does not inherit ownership (first owner only, as SQLite).
    assert both.fingerprint_owner("v1:r2") is None


def test_prune_goes_through_many_chunks_and_keeps_the_recent(
    both: StateStore, clock: Clock
) -> None:
    for i in range(2500):  # more than one prune script call (1,000 each) on Redis
        both.record("a.vn", f"https://a.vn/{i}", f"v1:{i:x}", article_id=str(i))
        both.add_near(f"https://gone.vn/{i}", [f"{i % 7:02x}"])
    clock.advance(days=40)
    both.record("a.vn", "https://a.vn/7", "v1:7")  # UNCHANGED: seen again, kept
    both.add_near("https://a.vn/7", ["ff"])
    counts = both.prune(T0 + timedelta(days=30))
    assert counts["articles"] == 2499 and counts["article_keys"] == 2 * 2499
    assert counts["fingerprints"] == 2499 and counts["near"] == 2500
    assert known(both, ["https://a.vn/7", "https://a.vn/8"]) == {"https://a.vn/7"}
    assert both.near_candidates(["ff", "00"]) == {"https://a.vn/7"}
    assert both.stats()["articles"] == 1 and both.stats()["near"] == 1


def test_prune_keeps_old_near_keys_of_recorded_articles(both: StateStore, clock: Clock) -> None:
    for i in range(1500):  # kept URLs stay in the old range: prune must step over them
        both.record("a.vn", f"https://a.vn/{i}", f"v1:{i}")
        both.add_near(f"https://a.vn/{i}", ["aa"])
    both.add_near("https://orphan.vn/x", ["aa", "bb"])
    clock.advance(days=40)
    for i in range(1500):
        both.record("a.vn", f"https://a.vn/{i}", f"v1:{i}")  # seen again, not re-indexed
    counts = both.prune(T0 + timedelta(days=30))
    assert (counts["articles"], counts["near"]) == (0, 2)
    assert len(both.near_candidates(["aa"])) == 1500
    assert both.near_candidates(["bb"]) == set()


def test_prune_drops_signatures_of_unknown_urls_only(both: StateStore, clock: Clock) -> None:
    both.record("a.vn", "https://a.vn/kept", "v1:k")
    both.set_signature("https://a.vn/kept", b"\x00\x01")
    both.set_signature("https://never.vn/recorded", b"\x02")  # no article: an orphan
    both.set_signature("https://a.vn/later", b"\x03")  # signed, then recorded
    both.record("a.vn", "https://a.vn/later", "v1:l")
    counts = both.prune(T0 - timedelta(days=1))  # nothing is old enough
    assert counts["signatures"] == 1 and counts["articles"] == 0
    assert both.signatures(["https://a.vn/kept", "https://never.vn/recorded", "https://a.vn/later"]
                           ) == {"https://a.vn/kept": b"\x00\x01", "https://a.vn/later": b"\x03"}
    clock.advance(days=2)
    counts = both.prune(T0 + timedelta(days=1))
    assert counts["signatures"] == 2 and both.signatures(["https://a.vn/kept"]) == {}


def test_delivered_items_are_pruned_undelivered_kept(both: StateStore, clock: Clock) -> None:
    both.add_pending("run-1", "k1", "{}")
    both.add_pending("run-2", "k2", "{}")
    assert both.mark_delivered("run-1") == 1
    assert both.mark_delivered("run-1") == 0  # already delivered
    both.add_pending("run-1", "k1", '{"again": 1}')  # a re-emit does not undeliver it
    clock.advance(days=10)
    assert both.prune(T0 + timedelta(days=5))["delivered"] == 1
    stats = both.stats()
    assert (stats["pending"], stats["delivered"]) == (1, 0)
    assert [p.run_id for p in both.undelivered()] == ["run-2"]
    assert both.forget_pending("run-1") == 0


def test_lock_holder_names_an_expired_holder_until_taken_over(
    both: StateStore, clock: Clock
) -> None:
    assert both.lock_holder("crawl") is None
    assert both.acquire_lock("crawl", "run-1", ttl_s=60)
    clock.advance(seconds=120)
    holder = both.lock_holder("crawl")  # expired, still named: the next run is a resume
    assert holder is not None and holder["owner"] == "run-1" and holder["pid"] == os.getpid()
    assert holder["since"] == T0.isoformat(timespec="microseconds")
    assert both.acquire_lock("crawl", "run-2", ttl_s=60)
    assert both.lock_holder("crawl")["owner"] == "run-2"  # type: ignore[index]
    assert both.stats()["locks"] == 1


def test_http_validators_round_trip_on_both(both: StateStore) -> None:
    both.set_http_validators("https://a.vn/t", None, "Sat, 06 Sep 2025 03:00:00 GMT")
    assert both.http_validators("https://a.vn/t") == (None, "Sat, 06 Sep 2025 03:00:00 GMT")
    assert both.stats()["http_validators"] == 1


# ---------------------------------------------------------------------------- Redis only


def test_batch_does_not_roll_back_on_redis(store: RedisStore) -> None:
    # Documented difference: Redis has no rollback, what was written before the error stays.
    with pytest.raises(RuntimeError), store.batch():  # noqa: PT012 (the crash ends a batch)
        store.record("a.vn", "https://a.vn/1", "v1:aa")
        with store.batch(), pytest.raises(StoreError, match="inside a batch"):
            store.close()
        raise RuntimeError("spider crashed mid-batch")
    assert known(store, ["https://a.vn/1"]) == {"https://a.vn/1"}
    assert store.record("a.vn", "https://a.vn/1", "v1:aa").status is Status.UNCHANGED


def test_newer_schema_is_refused(redis_server: RedisServer) -> None:
    RedisStore(redis_server.url).close()
    raw = redis.Redis.from_url(redis_server.url)
    try:
        assert raw.get("vnnews:state:schema") == str(SCHEMA_VERSION).encode()
        raw.set("vnnews:state:schema", SCHEMA_VERSION + 1)
    finally:
        raw.close()
    with pytest.raises(StoreError, match="newer"):
        RedisStore(redis_server.url)


def test_record_many_gives_the_same_outcomes_as_record(store: RedisStore) -> None:
    store.record("a.vn", "https://a.vn/0", "v1:0", article_id="0")
    rows = [Recording("a.vn", f"https://a.vn/{i}", f"v1:{i}", article_id=str(i))
            for i in range(2100)]
    rows.append(Recording("a.vn", "https://a.vn/slug-5", "v1:changed", article_id="5"))
    rows.append(Recording("a.vn", "https://a.vn/6", "v1:6"))
    outcomes = store.record_many(rows)
    assert len(outcomes) == len(rows)
    assert outcomes[0].status is Status.UNCHANGED
    assert {o.status for o in outcomes[1:2100]} == {Status.NEW}
    assert (outcomes[-2].status, outcomes[-2].revision) == (Status.UPDATED, 2)
    assert outcomes[-1].status is Status.UNCHANGED
    assert store.stats()["articles"] == 2100


def test_open_store_uses_db_number_and_prefix_isolation(
    redis_server: RedisServer, clock: Clock
) -> None:
    url = redis_server.url.rsplit("/", 1)[0] + "/3"
    s = open_store(url, root=Path("/nonexistent"), now=clock)
    try:
        assert isinstance(s, RedisStore)
        s.record("a.vn", "https://a.vn/1", "v1:aa")
    finally:
        s.close()
    raw3 = redis.Redis.from_url(url)
    raw0 = redis.Redis.from_url(redis_server.url)
    try:
        assert raw3.hlen("vnnews:state:keys") == 1
        assert raw0.dbsize() == 0
    finally:
        raw3.close()
        raw0.close()
    with RedisStore(url, prefix="other:") as other:
        assert known(other, ["https://a.vn/1"]) == set()  # another prefix, another store


def test_open_store_accepts_rediss_scheme(tmp_path: Path) -> None:
    # No TLS server here: the point is that the scheme reaches the client (an SSL connection
    # attempt that fails) rather than being refused as unknown.
    with pytest.raises(StoreError, match=r"cannot open state store rediss://:\*\*\*@127\.0\.0\.1"):
        open_store(f"rediss://:{PASSWORD}@127.0.0.1:1/0", root=tmp_path)


def test_stopped_server_gives_a_one_line_redacted_store_error(tmp_path: Path) -> None:
    server = start_or_skip(tmp_path / "redis", password=PASSWORD)
    s = RedisStore(server.url)
    s.record("a.vn", "https://a.vn/1", "v1:aa")
    server.stop()
    try:
        for call in (
            lambda: s.record("a.vn", "https://a.vn/2", "v1:bb"),
            lambda: s.lookup("a.vn", url="https://a.vn/1"),
            lambda: s.acquire_lock("crawl", "me", 60),
            s.stats,
        ):
            with pytest.raises(StoreError) as info:
                call()
            message = str(info.value)
            assert "\n" not in message and PASSWORD not in message
            assert f"redis://:***@127.0.0.1:{server.port}/0" in message
        with pytest.raises(StoreError) as info:
            RedisStore(server.url)  # at open: the ping fails
        assert str(info.value).startswith(
            f"cannot open state store redis://:***@127.0.0.1:{server.port}/0: "
        )
        assert "\n" not in str(info.value) and PASSWORD not in str(info.value)
    finally:
        s.close()


def test_password_never_shows_in_repr_errors_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = start_or_skip(tmp_path / "redis", password=PASSWORD)
    try:
        s = open_store(server.url, root=tmp_path)
        assert PASSWORD not in repr(s) and "***" in repr(s)
        s.record("a.vn", "https://a.vn/1", "v1:aa")
        assert known(s, ["https://a.vn/1"]) == {"https://a.vn/1"}  # the password worked
        s.close()
        wrong = server.url.replace(PASSWORD, PASSWORD + "-wrong")
        with pytest.raises(StoreError) as info:
            RedisStore(wrong)
        shown = "".join(traceback.format_exception(info.value))
        assert PASSWORD not in shown and "redis://:***@" in shown
        query = f"redis://127.0.0.1:{server.port}/0?password={PASSWORD}x"
        with pytest.raises(StoreError) as info:
            RedisStore(query)
        assert PASSWORD not in "".join(traceback.format_exception(info.value))
    finally:
        server.stop()
    assert PASSWORD not in caplog.text


def test_data_and_scripts_survive_a_restart(
    redis_server: RedisServer, store: RedisStore, clock: Clock
) -> None:
    store.record("a.vn", "https://a.vn/1", "v1:aa", article_id="1")
    store.add_near("https://a.vn/1", ["0a"])
    store.add_pending("run-1", "k", "{}")
    assert store.acquire_lock("crawl", "run-1", ttl_s=600)
    redis_server.restart()  # the AOF is the only persistence (--save '')
    # The same instance reconnects and its Lua scripts load again (NOSCRIPT after restart).
    out = store.record("a.vn", "https://a.vn/1", "v1:aa", article_id="1")
    assert (out.status, out.revision) == (Status.UNCHANGED, 1)
    with RedisStore(redis_server.url, now=clock) as fresh:
        assert fresh.near_candidates(["0a"]) == {"https://a.vn/1"}
        assert [p.key for p in fresh.undelivered()] == ["k"]
        assert not fresh.acquire_lock("crawl", "run-2", ttl_s=600)
        assert fresh.stats()["articles"] == 1
        assert fresh.record("a.vn", "https://a.vn/2", "v1:bb").status is Status.NEW


# ---------------------------------------------------------------------------- many processes


def _in_child(target: Callable[..., None], *args: Any) -> multiprocessing.process.BaseProcess:
    proc = multiprocessing.get_context("fork").Process(target=target, args=args)
    proc.start()
    return proc


def _hold_lock_and_exit(url: str) -> None:
    s = RedisStore(url)
    ok = s.acquire_lock("crawl", "dead-run", ttl_s=3600)
    s.close()
    os._exit(0 if ok else 3)  # dies holding the lock, as a killed crawl would


def _try_lock(url: str, owner: str) -> None:
    s = RedisStore(url)
    ok = s.acquire_lock("crawl", owner, ttl_s=3600)
    s.close()
    os._exit(0 if ok else 3)


def test_lock_of_a_dead_process_is_taken_over(
    redis_server: RedisServer, store: RedisStore
) -> None:
    proc = _in_child(_hold_lock_and_exit, redis_server.url)
    proc.join(30)
    assert proc.exitcode == 0
    holder = store.lock_holder("crawl")
    assert holder is not None and (holder["owner"], holder["pid"]) == ("dead-run", proc.pid)
    assert store.acquire_lock("crawl", "new-run", ttl_s=3600)


def test_lock_of_a_live_process_is_not_taken_over(redis_server: RedisServer) -> None:
    with RedisStore(redis_server.url) as store:  # the real clock, as the child's
        assert store.acquire_lock("crawl", "live-run", ttl_s=3600)  # this process: alive
        proc = _in_child(_try_lock, redis_server.url, "other-run")
        proc.join(30)
        assert proc.exitcode == 3
        assert store.lock_holder("crawl")["owner"] == "live-run"  # type: ignore[index]


def _race_for_lock(url: str, owner: str, barrier: Any, results: Any) -> None:
    s = RedisStore(url)
    barrier.wait()
    results.put((owner, s.acquire_lock("crawl", owner, ttl_s=3600)))
    # Stay alive until all have tried: a dead winner's lock may rightly be taken over.
    barrier.wait()
    s.close()


def test_exactly_one_of_many_processes_gets_the_lock(redis_server: RedisServer) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(6), ctx.Queue()
    procs = [ctx.Process(target=_race_for_lock, args=(redis_server.url, f"run-{i}", barrier,
                                                       results)) for i in range(6)]
    for p in procs:
        p.start()
    outcomes = dict(results.get(timeout=30) for _ in procs)
    for p in procs:
        p.join(30)
    winners = [owner for owner, ok in outcomes.items() if ok]
    assert len(winners) == 1
    with RedisStore(redis_server.url) as s:
        assert s.lock_holder("crawl")["owner"] == winners[0]  # type: ignore[index]


def _crawl_worker(url: str, worker: int, barrier: Any, results: Any) -> None:
    """Record 150 own + 150 shared articles, in pipelined chunks and one by one."""
    store = RedisStore(url)
    own = [(f"https://w{worker}.vn/{i}", f"v1:w{worker}-{i}") for i in range(150)]
    shared = [(f"https://shared.vn/{i}", f"v1:s-{i}") for i in range(150)]
    order = own + shared if worker == 0 else shared[::-1] + own
    statuses: list[str] = []
    barrier.wait()  # start together so writes really overlap
    for start in range(0, len(order), 25):
        chunk = order[start : start + 25]
        if start % 50 == 0:
            outs = store.record_many(Recording("x.vn", u, fp) for u, fp in chunk)
            statuses += [o.status.value for o in outs]
        else:
            statuses += [store.record("x.vn", u, fp).status.value for u, fp in chunk]
        # Both claim the same copied body: exactly one may own it.
        store.record("y.vn", f"https://copy{worker}.vn/{start}", "v1:copied-body")
    store.close()
    results.put((worker, statuses))


def test_two_processes_record_concurrently(redis_server: RedisServer) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_crawl_worker, args=(redis_server.url, w, barrier, results))
             for w in (0, 1)]
    for p in procs:
        p.start()
    outcomes = dict(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with RedisStore(redis_server.url) as s:
        stats = s.stats()
        assert stats["articles"] == 450 + 24  # no lost rows, no duplicates
        assert stats["article_keys"] == 450 + 24
        assert stats["fingerprints"] == 450 + 1  # one owner for the copied body
        shared = [f"https://shared.vn/{i}" for i in range(150)]
        assert known(s, shared) == set(shared)
        owner = s.fingerprint_owner("v1:copied-body")
        assert owner is not None and owner.startswith("https://copy")
    statuses = outcomes[0] + outcomes[1]
    # Each shared article is NEW for exactly one process and UNCHANGED for the other.
    assert statuses.count("new") == 450 and statuses.count("unchanged") == 150


def test_fixture_helper_restarts_on_the_same_port_and_dir(redis_server: RedisServer) -> None:
    port, first_pid = redis_server.port, redis_server.pid
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.set("k", "v")
        redis_server.restart(kill=False)
        assert (redis_server.port, redis_server.running()) == (port, True)
        assert redis_server.pid != first_pid
        assert client.get("k") == b"v"
        assert (redis_server.directory / "appendonlydir").is_dir()
    finally:
        client.close()

