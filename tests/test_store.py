"""The crawl state store: URI parsing, SQLite behaviour, and two processes sharing one file."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.neardup import MinHasher, lsh_bands, shingles
from crawler.store import (
    NullStore,
    StateStore,
    Status,
    StoreError,
    Validators,
    open_store,
    redact_uri,
)
from crawler.store.sqlite import SCHEMA_VERSION, SqliteStore

T0 = datetime(2025, 9, 1, 3, 0, tzinfo=UTC)


class Clock:
    """A settable clock so tests decide what "now" is."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def known(store: StateStore, urls: list[str]) -> set[str]:
    """The URLs the store knows, asked as the crawl asks (``lookup``, one URL at a time)."""
    return {u for u in urls if store.lookup("a.vn", url=u) is not None}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "state.sqlite3", now=clock)
    yield s
    s.close()


# ---------------------------------------------------------------------------- open_store


def test_relative_sqlite_uri_resolves_against_root_not_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, elsewhere = tmp_path / "project", tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    s = open_store("sqlite:///state/crawl.sqlite3", root=root)
    s.close()
    assert (root / "state" / "crawl.sqlite3").is_file()
    assert not (elsewhere / "state").exists()


def test_absolute_sqlite_uri(tmp_path: Path) -> None:
    target = tmp_path / "abs" / "s.sqlite3"
    s = open_store(f"sqlite:///{target}", root=Path("/nonexistent"))
    s.close()
    assert target.is_file()


def test_none_uri_gives_a_store_that_knows_nothing() -> None:
    s = open_store(" none ", root=Path())
    assert isinstance(s, NullStore)
    assert s.record("a.vn", "https://a.vn/1", "v1:aa").status is Status.NEW
    assert s.record("a.vn", "https://a.vn/1", "v1:aa").status is Status.NEW  # still unknown
    assert s.lookup("a.vn", url="https://a.vn/1") is None
    assert s.fingerprint_owner("v1:aa") is None
    assert s.http_validators("https://a.vn/t") == Validators(None, None)
    assert s.acquire_lock("crawl", "me", 60)


def test_unreachable_redis_is_a_one_line_error_without_the_password() -> None:
    # Port 1 on loopback: nothing listens there.
    with pytest.raises(StoreError) as info:
        open_store("redis://:hunter2@127.0.0.1:1/0", root=Path())
    assert "hunter2" not in str(info.value) and "\n" not in str(info.value)


def test_unknown_scheme_error_hides_the_password() -> None:
    with pytest.raises(StoreError) as info:
        open_store("postgres://crawler:hunter2@db.local/state", root=Path())
    assert "hunter2" not in str(info.value)
    assert "postgres://crawler:***@db.local/state" in str(info.value)


@pytest.mark.parametrize(
    ("uri", "secret"),
    [
        ("redis://user:hunter2@cache:6379/0", "hunter2"),
        ("redis://:hunter2@cache:6379/0", "hunter2"),
        ("redis://hunter2@cache:6379/0", "hunter2"),
        ("redis://u:hun/ter@2@cache/0", "hun/ter@2"),
        ("rediss://cache:6380/0?password=hunter2&ssl_cert_reqs=none", "hunter2"),
    ],
)
def test_redact_uri_never_shows_the_password(uri: str, secret: str) -> None:
    redacted = redact_uri(uri)
    assert secret not in redacted
    assert "***" in redacted


def test_sqlite_uri_without_a_path_is_an_error() -> None:
    with pytest.raises(StoreError, match="sqlite://host/x"):
        open_store("sqlite://host/x", root=Path())


def test_unwritable_location_raises_store_error_naming_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    bad = blocker / "state.sqlite3"
    with pytest.raises(StoreError) as info:
        open_store(f"sqlite:///{bad}", root=tmp_path)
    message = str(info.value)
    assert str(bad) in message and "\n" not in message


def test_directory_or_garbage_file_raises_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        SqliteStore(tmp_path)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database, just text" * 100)
    with pytest.raises(StoreError, match=str(junk)):
        SqliteStore(junk)


def test_both_backends_satisfy_the_protocol(store: SqliteStore) -> None:
    assert isinstance(store, StateStore)
    assert isinstance(NullStore(), StateStore)


# ---------------------------------------------------------------------------- schema, pragmas


def test_schema_version_and_pragmas(store: SqliteStore, tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "state.sqlite3")
    try:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        conn.close()
    assert {"article_keys_article", "articles_last_seen", "near_last_seen"} <= indexes
    assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SqliteStore(path)


def test_reopening_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with SqliteStore(path) as s:
        s.record("a.vn", "https://a.vn/1", "v1:aa")
    with SqliteStore(path) as s:
        assert known(s, ["https://a.vn/1"]) == {"https://a.vn/1"}


# ---------------------------------------------------------------------------- articles


def test_record_new_unchanged_updated(store: SqliteStore, clock: Clock) -> None:
    first = store.record(
        "a.vn",
        "https://a.vn/x-1.html",
        "v1:aa",
        article_id="1",
        published_at="2025-09-01T10:00:00+07:00",
    )
    assert (first.status, first.revision) == (Status.NEW, 1)

    clock.advance(hours=1)
    same = store.record("a.vn", "https://a.vn/x-1.html", "v1:aa", article_id="1")
    assert (same.status, same.revision) == (Status.UNCHANGED, 1)

    clock.advance(hours=1)
    changed = store.record(
        "a.vn",
        "https://a.vn/x-1.html",
        "v1:bb",
        article_id="1",
        modified_at="2025-09-01T12:00:00+07:00",
    )
    assert (changed.status, changed.revision) == (Status.UPDATED, 2)

    rec = store.lookup("a.vn", url="https://a.vn/x-1.html")
    assert rec is not None
    assert (rec.fingerprint, rec.revision, rec.article_id) == ("v1:bb", 2, "1")
    assert rec.published_at == "2025-09-01T10:00:00+07:00"  # kept when not re-sent
    assert rec.modified_at == "2025-09-01T12:00:00+07:00"
    assert (rec.first_seen, rec.last_seen, rec.last_fetched) == (
        T0,
        T0 + timedelta(hours=2),
        T0 + timedelta(hours=2),
    )


def test_unchanged_record_only_moves_last_seen(store: SqliteStore, clock: Clock) -> None:
    store.record("a.vn", "https://a.vn/1", "v1:aa", article_id="1", published_at="P")
    before = store.lookup("a.vn", url="https://a.vn/1")
    clock.advance(days=1)
    store.record("a.vn", "https://a.vn/1", "v1:aa", article_id="1", published_at="other")
    after = store.lookup("a.vn", url="https://a.vn/1")
    assert before is not None and after is not None
    assert after.last_seen == T0 + timedelta(days=1)
    assert (after.published_at, after.last_fetched, after.first_seen, after.revision) == (
        before.published_at,
        before.last_fetched,
        before.first_seen,
        before.revision,
    )


def test_lookup_by_site_article_id_and_slug_change(store: SqliteStore) -> None:
    store.record("a.vn", "https://a.vn/old-slug-post42.html", "v1:aa", article_id="42")
    by_id = store.lookup("a.vn", article_id="42")
    assert by_id is not None and by_id.url == "https://a.vn/old-slug-post42.html"
    assert store.lookup("b.vn", article_id="42") is None  # ids are per site

    # The site edits the slug: same article id, new canonical URL -> same article.
    out = store.record("a.vn", "https://a.vn/new-slug-post42.html", "v1:bb", article_id="42")
    assert (out.status, out.revision) == (Status.UPDATED, 2)
    assert store.stats()["articles"] == 1
    assert known(
        store, ["https://a.vn/old-slug-post42.html", "https://a.vn/new-slug-post42.html"]
    ) == {"https://a.vn/old-slug-post42.html", "https://a.vn/new-slug-post42.html"}
    assert store.lookup("a.vn", article_id="42").url == "https://a.vn/new-slug-post42.html"


def test_lookup_unknown_and_without_keys(store: SqliteStore) -> None:
    assert store.lookup("a.vn", url="https://a.vn/none") is None
    assert store.lookup("a.vn") is None


def test_signatures_and_near_candidates_in_batches(store: SqliteStore) -> None:
    # More URLs and bands than one query (500 on SQLite) or one command (1,000 on Redis) takes:
    # what the state manager asks when it checks an article for near-duplicates.
    urls = [f"https://a.vn/{i}" for i in range(1200)]
    with store.batch():
        for i, url in enumerate(urls[::2]):
            store.set_signature(url, i.to_bytes(4, "big"))
            store.add_near(url, [f"{i:04x}"])
    found = store.signatures(urls)
    assert set(found) == set(urls[::2]) and found[urls[2]] == (1).to_bytes(4, "big")
    assert store.signatures([]) == {}
    assert store.near_candidates(f"{i:04x}" for i in range(1200)) == set(urls[::2])
    assert store.near_candidates([]) == set()


def test_batch_rolls_back_on_error(store: SqliteStore) -> None:
    # The crash comes at the end of a batch that wrote: the whole block is the case.
    with pytest.raises(RuntimeError), store.batch():  # noqa: PT012
        store.record("a.vn", "https://a.vn/1", "v1:aa")
        with store.batch():  # nested: joins the outer transaction
            store.record("a.vn", "https://a.vn/2", "v1:bb")
        raise RuntimeError("spider crashed mid-batch")
    assert known(store, ["https://a.vn/1", "https://a.vn/2"]) == set()
    store.record("a.vn", "https://a.vn/3", "v1:cc")  # the store is usable afterwards
    assert store.stats()["articles"] == 1


# ---------------------------------------------------------------------------- duplicates


def test_fingerprint_owner_is_the_first_url_across_sites(store: SqliteStore) -> None:
    store.record("a.vn", "https://a.vn/1", "v1:same")
    store.record("b.vn", "https://b.vn/copy", "v1:same")
    assert store.fingerprint_owner("v1:same") == "https://a.vn/1"
    assert store.fingerprint_owner("v1:other") is None


def test_near_index_with_real_bands(store: SqliteStore) -> None:
    hasher = MinHasher()
    body = (
        "Bão số 3 mạnh lên cấp 12, giật cấp 15 và có khả năng đổ bộ vào khu vực Quảng Ninh "
        "- Hải Phòng chiều tối nay. Vùng biển phía bắc vịnh Bắc Bộ có gió mạnh cấp 10 - 12, "
        "sóng biển cao 4 - 6 m, biển động rất mạnh. Khu vực Đông Bắc Bộ có mưa to đến rất to."
    )
    copy = "TTO - " + body.replace("rất mạnh", "rất mạnh,") + " Theo TTXVN"
    store.add_near("https://a.vn/bao", lsh_bands(hasher.signature(shingles(body))))
    assert store.near_candidates(lsh_bands(hasher.signature(shingles(copy)))) == {
        "https://a.vn/bao"
    }
    assert store.near_candidates(lsh_bands(hasher.signature(shingles("Giá vàng tăng")))) == set()
    store.add_near("https://b.vn/x", [b"\x01\x02", "ab"])
    assert store.near_candidates(["0102"]) == {"https://b.vn/x"}  # bytes are stored as hex
    store.add_near("https://b.vn/x", ["ab"])  # re-adding is idempotent
    assert store.stats()["near"] == 32 + 2


# ---------------------------------------------------------------------------- topics, HTTP


def test_http_validators(store: SqliteStore) -> None:
    topic = "https://a.vn/chu-de/bao-so-3"
    assert store.http_validators(topic) == Validators(None, None)
    store.set_http_validators(topic, '"abc"', "Sat, 06 Sep 2025 03:00:00 GMT")
    assert store.http_validators(topic) == Validators('"abc"', "Sat, 06 Sep 2025 03:00:00 GMT")
    store.set_http_validators(topic, None, "Sat, 06 Sep 2025 03:00:00 GMT")
    assert store.http_validators(topic).etag is None

    url = "https://a.vn/sitemap.xml"
    assert store.http_validators(url) == Validators(None, None)
    store.set_http_validators(url, 'W/"1"', None)
    assert store.http_validators(url) == Validators('W/"1"', None)
    store.set_http_validators(url, None, None)
    assert store.stats()["http_validators"] == 1  # the topic page's only


# ---------------------------------------------------------------------------- deliveries


def test_pending_items_of_a_dead_run_are_undelivered(store: SqliteStore) -> None:
    store.add_pending("run-1", "https://a.vn/1", '{"n": 1}')
    store.add_pending("run-1", "https://a.vn/2", '{"n": 2}')
    store.add_pending("run-1", "https://a.vn/1", '{"n": 11}')  # re-emitted: latest JSON wins
    store.add_pending("run-2", "https://a.vn/3", '{"n": 3}')
    assert store.mark_delivered("run-2") == 1
    # run-1 died before its feed file was complete: a new run gets its items back.
    assert [tuple(p) for p in store.undelivered()] == [
        ("run-1", "https://a.vn/1", '{"n": 11}'),
        ("run-1", "https://a.vn/2", '{"n": 2}'),
    ]
    assert store.undelivered(exclude_run="run-1") == []
    assert store.forget_pending("run-1") == 2
    assert store.undelivered() == []
    assert store.stats()["delivered"] == 1


# ---------------------------------------------------------------------------- locks


def test_lock_is_exclusive_until_released_or_expired(store: SqliteStore, clock: Clock) -> None:
    assert store.acquire_lock("crawl", "run-1", ttl_s=600)
    assert not store.acquire_lock("crawl", "run-2", ttl_s=600)
    assert store.acquire_lock("crawl", "run-1", ttl_s=600)  # the owner refreshes it
    assert not store.release_lock("crawl", "run-2")  # not the owner's to release
    assert store.release_lock("crawl", "run-1")
    assert store.acquire_lock("crawl", "run-2", ttl_s=600)
    clock.advance(seconds=601)
    assert store.acquire_lock("crawl", "run-3", ttl_s=600)  # ttl passed: taken over


def _hold_lock_and_exit(path: str) -> None:
    s = SqliteStore(Path(path))
    ok = s.acquire_lock("crawl", "dead-run", ttl_s=3600)
    s.close()
    os._exit(0 if ok else 3)  # dies holding the lock, as a killed crawl would


def test_lock_of_a_dead_process_is_taken_over(store: SqliteStore, tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_hold_lock_and_exit, args=(str(tmp_path / "state.sqlite3"),))
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0
    assert store._conn.execute("SELECT owner FROM locks").fetchone() == ("dead-run",)
    assert store.acquire_lock("crawl", "new-run", ttl_s=3600)


# ---------------------------------------------------------------------------- prune, stats


def test_prune_forgets_what_was_not_seen_since(store: SqliteStore, clock: Clock) -> None:
    store.record("a.vn", "https://a.vn/old", "v1:old", article_id="1")
    store.add_near("https://a.vn/old", ["00aa"])
    store.record("a.vn", "https://a.vn/kept", "v1:kept", article_id="2")
    store.add_near("https://a.vn/kept", ["00bb"])  # indexed once, article seen again later
    store.add_near("https://gone.vn/x", ["00cc"])
    clock.advance(days=40)
    store.record("a.vn", "https://a.vn/kept", "v1:kept", article_id="2")  # UNCHANGED
    counts = store.prune(T0 + timedelta(days=30))
    assert counts["articles"] == 1 and counts["article_keys"] == 2
    assert counts["fingerprints"] == 1 and counts["near"] == 2
    assert known(store, ["https://a.vn/old", "https://a.vn/kept"]) == {"https://a.vn/kept"}
    assert store.near_candidates(["00aa", "00bb", "00cc"]) == {"https://a.vn/kept"}
    assert store.fingerprint_owner("v1:old") is None


def test_stats_counts_rows(store: SqliteStore) -> None:
    store.record("a.vn", "https://a.vn/1", "v1:aa", article_id="1")
    store.add_pending("r", "k", "{}")
    stats = store.stats()
    assert (stats["articles"], stats["article_keys"], stats["fingerprints"]) == (1, 2, 1)
    assert (stats["pending"], stats["delivered"]) == (1, 0)


# ---------------------------------------------------------------------------- two processes


def _crawl_worker(path: str, worker: int, barrier: object, results: object) -> None:
    """Record 150 own + 150 shared articles, half in batches, half one by one."""
    store = SqliteStore(Path(path))
    own = [(f"https://w{worker}.vn/{i}", f"v1:w{worker}-{i}") for i in range(150)]
    shared = [(f"https://shared.vn/{i}", f"v1:s-{i}") for i in range(150)]
    order = own + shared if worker == 0 else shared[::-1] + own
    statuses: list[str] = []
    barrier.wait()  # type: ignore[attr-defined]  # start together so writes really overlap
    for start in range(0, len(order), 25):
        chunk = order[start : start + 25]
        if start % 50 == 0:
            with store.batch():
                statuses += [store.record("x.vn", u, fp).status.value for u, fp in chunk]
        else:
            statuses += [store.record("x.vn", u, fp).status.value for u, fp in chunk]
    store.close()
    results.put((worker, statuses))  # type: ignore[attr-defined]


def test_two_processes_share_one_store(tmp_path: Path) -> None:
    path = str(tmp_path / "state.sqlite3")
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_crawl_worker, args=(path, w, barrier, results)) for w in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)  # results are a few KB: they fit the pipe, so children exit first
    assert [p.exitcode for p in procs] == [0, 0]  # no "database is locked" in either
    outcomes = dict(results.get(timeout=5) for _ in procs)
    with SqliteStore(Path(path)) as s:
        assert s.stats()["articles"] == 150 + 150 + 150  # no lost rows, no duplicates
        shared = [f"https://shared.vn/{i}" for i in range(150)]
        assert known(s, shared) == set(shared)
    statuses = outcomes[0] + outcomes[1]
    # Each shared article is NEW for exactly one process and UNCHANGED for the other.
    assert statuses.count("new") == 450 and statuses.count("unchanged") == 150
