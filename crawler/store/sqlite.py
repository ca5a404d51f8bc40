"""SQLite state store: one file, safe to share between processes on one host.

WAL mode lets readers run while one process writes; every write transaction starts with
``BEGIN IMMEDIATE`` so two writers queue on the busy timeout (10 s) instead of one of them
failing with "database is locked" when it upgrades a read to a write.

Writes are grouped with :meth:`SqliteStore.batch`: one transaction (one fsync at most) per
batch instead of one per article.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.store import (
    ArticleRecord,
    Clock,
    Outcome,
    PendingItem,
    Status,
    StoreError,
    Validators,
)
from crawler.store._shared import band_text, chunks, pid_alive
from crawler.store.errors import RECOVERY
from crawler.store.sqlite_schema import SCHEMA

__all__ = ["SCHEMA_VERSION", "SqliteStore"]

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000
# SQLite's default limit on host parameters is 999 on old builds; stay well under it.
_IN_CHUNK = 500

_ARTICLE_COLUMNS = (
    "a.id, a.url, a.site, a.article_id, a.fingerprint, a.revision, a.published_at, "
    "a.modified_at, a.first_seen, a.last_seen, a.last_fetched"
)


def _url_key(url: str) -> str:
    return "u\t" + url


def _id_key(site: str, article_id: str) -> str:
    return f"i\t{site}\t{article_id}"





class SqliteStore:
    """The :class:`crawler.store.StateStore` on one SQLite file (or ``":memory:"``).

    One connection per instance, used from the thread that opened it. ``now`` returns the
    current time (aware, or naive UTC); tests inject a fixed clock.
    """

    def __init__(self, path: Path | str, *, now: Clock | None = None) -> None:
        self.path = path
        self._now: Clock = now or (lambda: datetime.now(UTC))
        self._depth = 0  # nesting of batch()/write transactions
        self._host = socket.gethostname()
        self._conn = self._connect(path)
        try:
            self.check()
            self._create_schema()
        except sqlite3.Error as exc:
            self._conn.close()
            # Damage gets the recovery hint; "disk full", "locked", "read-only" do not.
            hint = "" if isinstance(exc, sqlite3.OperationalError) else RECOVERY
            raise StoreError(f"cannot use state store {path}: {exc}{hint}") from None
        except StoreError:
            self._conn.close()
            raise

    def check(self) -> None:
        """SQLite's quick integrity check (pages, records, indexes' order; not index contents),
        run before each crawl: a corrupted file stops the run before it reads wrong state."""
        try:
            rows = self._conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"state store {self.path} is corrupted: {exc}{RECOVERY}") from None
        # One line, whatever SQLite reports ("*** in database main ***" then one line per
        # problem, sometimes several in one row).
        problems = [line.strip() for r in rows if r and r[0] != "ok"
                    for line in str(r[0]).splitlines()
                    if line.strip() and not line.startswith("***")]
        if problems or any(r and r[0] != "ok" for r in rows):
            first = (problems or ["integrity check failed"])[0][:200]
            raise StoreError(f"state store {self.path} is corrupted: {first} "
                             f"({max(len(problems), 1)} problem(s) found){RECOVERY}")

    # ------------------------------------------------------------------ plumbing

    @staticmethod
    def _connect(path: Path | str) -> sqlite3.Connection:
        if isinstance(path, Path):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create directory for state store {path}: {exc.strerror}"
                ) from None
            if path.is_dir():
                raise StoreError(f"state store path {path} is a directory")
        try:
            # isolation_level=None: we issue BEGIN IMMEDIATE/COMMIT ourselves.
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL: durable against process crashes, may lose the last commits on
            # power loss, which a re-crawl repairs. FULL would fsync every batch.
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            # "file is not a database": a damaged header.
            raise StoreError(f"cannot open state store {path}: {exc}{RECOVERY}") from None
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open state store {path}: {exc}") from None
        return conn

    def _create_schema(self) -> None:
        with self._write():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self._conn.execute(statement)
            row = self._conn.execute("SELECT max(version) FROM schema_version").fetchone()
            version = row[0]
            if version is None:
                self._conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            elif version > SCHEMA_VERSION:
                raise StoreError(
                    f"state store {self.path} has schema version {version}, newer than this "
                    f"crawler's {SCHEMA_VERSION}"
                )

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        if self._depth == 0:
            self._conn.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            self._conn.execute("COMMIT")

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Group writes in one transaction: ``with store.batch(): for a in chunk: ...``.

        Nested batches join the outer one; an exception rolls the whole batch back.
        """
        return self._write()

    def _stamp(self, moment: datetime | None = None) -> str:
        # Fixed-width UTC ISO strings sort like the instants they name, so prune and
        # comparisons can work on the text.
        moment = moment or self._now()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="microseconds")

    # ------------------------------------------------------------------ articles

    def _find(self, site: str, url: str | None, article_id: str | None) -> tuple[Any, ...] | None:
        keys = [_url_key(url) if url else None, _id_key(site, article_id) if article_id else None]
        if keys == [None, None]:
            return None
        # "u…" sorts after "i…": DESC prefers the URL match when both keys exist.
        row: tuple[Any, ...] | None = self._conn.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM article_keys k JOIN articles a ON a.id = k.article "
            "WHERE k.key IN (?, ?) ORDER BY k.key DESC LIMIT 1",
            keys,
        ).fetchone()
        return row

    def lookup(
        self, site: str, url: str | None = None, article_id: str | None = None
    ) -> ArticleRecord | None:
        """The article known by this URL (any URL it ever had) or by the site's own id."""
        row = self._find(site, url, article_id)
        if row is None:
            return None
        _, url_, site_, aid, fp, rev, pub, mod, first, last, fetched = row
        return ArticleRecord(
            url=url_,
            site=site_,
            article_id=aid,
            fingerprint=fp,
            revision=rev,
            published_at=pub,
            modified_at=mod,
            first_seen=datetime.fromisoformat(first),
            last_seen=datetime.fromisoformat(last),
            last_fetched=datetime.fromisoformat(fetched),
        )

    def _add_keys(self, article: int, site: str, url: str, article_id: str | None) -> None:
        keys = [(_url_key(url), article)]
        if article_id:
            keys.append((_id_key(site, article_id), article))
        # OR IGNORE: a key already naming another article keeps it (first owner wins).
        self._conn.executemany("INSERT OR IGNORE INTO article_keys VALUES (?, ?)", keys)

    def record(
        self,
        site: str,
        url: str,
        fingerprint: str,
        *,
        article_id: str | None = None,
        published_at: str | None = None,
        modified_at: str | None = None,
    ) -> Outcome:
        """Remember a fetched article and say whether it is new, unchanged or updated.

        The article is matched by URL, else by (site, article_id), so a slug edit is an
        update of the same article. UNCHANGED (same fingerprint) only moves ``last_seen``;
        UPDATED stores the new fingerprint and dates and increments the revision.
        """
        stamp = self._stamp()
        with self._write():
            row = self._find(site, url, article_id)
            if row is None:
                return self._insert(
                    site, url, fingerprint, article_id, published_at, modified_at, stamp
                )
            article, old_url, _, _, old_fp, revision = row[:6]
            if old_url != url or article_id:
                self._add_keys(article, site, url, article_id)
            if old_fp == fingerprint:
                self._conn.execute(
                    "UPDATE articles SET last_seen = ? WHERE id = ?", (stamp, article)
                )
                return Outcome(Status.UNCHANGED, revision, old_url)
            self._conn.execute(
                "UPDATE articles SET url = ?, article_id = coalesce(?, article_id), "
                "fingerprint = ?, revision = revision + 1, "
                "published_at = coalesce(?, published_at), modified_at = coalesce(?, "
                "modified_at), last_seen = ?, last_fetched = ? WHERE id = ?",
                (url, article_id, fingerprint, published_at, modified_at, stamp, stamp, article),
            )
            self._conn.execute(
                "INSERT OR IGNORE INTO fingerprints VALUES (?, ?)", (fingerprint, article)
            )
            return Outcome(Status.UPDATED, revision + 1, url)

    def _insert(
        self,
        site: str,
        url: str,
        fingerprint: str,
        article_id: str | None,
        published_at: str | None,
        modified_at: str | None,
        stamp: str,
    ) -> Outcome:
        cur = self._conn.execute(
            "INSERT INTO articles (site, url, article_id, fingerprint, revision, published_at, "
            "modified_at, first_seen, last_seen, last_fetched) "
            "VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
            (site, url, article_id, fingerprint, published_at, modified_at, stamp, stamp, stamp),
        )
        article = cur.lastrowid
        assert article is not None
        self._add_keys(article, site, url, article_id)
        self._conn.execute(
            "INSERT OR IGNORE INTO fingerprints VALUES (?, ?)", (fingerprint, article)
        )
        return Outcome(Status.NEW, 1, url)

    # ------------------------------------------------------------------ duplicates

    def fingerprint_owner(self, fingerprint: str) -> str | None:
        """URL of the first article recorded with this body fingerprint, on any site."""
        row = self._conn.execute(
            "SELECT a.url FROM fingerprints f JOIN articles a ON a.id = f.article "
            "WHERE f.fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        return row[0] if row else None

    def add_near(self, url: str, bands: Iterable[bytes | str]) -> None:
        """Index ``url`` under its LSH band keys (``crawler.neardup.lsh_bands``)."""
        stamp = self._stamp()
        rows = [(band_text(b), url, stamp) for b in bands]
        with self._write():
            self._conn.executemany(
                "INSERT INTO near (band, url, last_seen) VALUES (?, ?, ?) "
                "ON CONFLICT (band, url) DO UPDATE SET last_seen = excluded.last_seen",
                rows,
            )

    def set_signature(self, url: str, signature: bytes) -> None:
        with self._write():
            self._conn.execute("INSERT OR REPLACE INTO signatures VALUES (?, ?)",
                               (url, signature))

    def signatures(self, urls: Iterable[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for chunk in chunks(list(dict.fromkeys(urls)), _IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT url, signature FROM signatures WHERE url IN ({marks})", chunk)
            found.update({url: bytes(sig) for url, sig in rows})
        return found

    def near_candidates(self, bands: Iterable[bytes | str]) -> set[str]:
        """URLs sharing at least one band key: candidates to compare, not verdicts."""
        keys = list(dict.fromkeys(band_text(b) for b in bands))
        found: set[str] = set()
        for chunk in chunks(keys, _IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(f"SELECT url FROM near WHERE band IN ({marks})", chunk)
            found.update(url for (url,) in rows)
        return found

    # ------------------------------------------------------------------ HTTP validators

    def http_validators(self, url: str) -> Validators:
        row = self._conn.execute(
            "SELECT etag, last_modified FROM http_validators WHERE url = ?", (url,)
        ).fetchone()
        return Validators(*row) if row else Validators()

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self._write():
            if etag is None and last_modified is None:
                # Nothing to validate with any more: forget rather than store two NULLs.
                self._conn.execute("DELETE FROM http_validators WHERE url = ?", (url,))
                return
            self._conn.execute(
                "INSERT OR REPLACE INTO http_validators VALUES (?, ?, ?, ?)",
                (url, etag, last_modified, self._stamp()),
            )

    # ------------------------------------------------------------------ deliveries

    def add_pending(self, run_id: str, key: str, item_json: str) -> None:
        """Note an item written to a feed file that is not complete yet."""
        with self._write():
            self._conn.execute(
                "INSERT INTO pending (run_id, key, item_json, created) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (run_id, key) DO UPDATE SET item_json = excluded.item_json",
                (run_id, key, item_json, self._stamp()),
            )

    def mark_delivered(self, run_id: str) -> int:
        """The run's feed file became complete: its pending items are delivered."""
        with self._write():
            cur = self._conn.execute(
                "UPDATE pending SET delivered = ? WHERE run_id = ? AND delivered IS NULL",
                (self._stamp(), run_id),
            )
            return cur.rowcount

    def undelivered(self, *, exclude_run: str | None = None) -> list[PendingItem]:
        """Items of runs that never completed their feed, in the order they were added.

        Call it at the start of a run while holding the crawl lock: every run that left
        rows then is dead, and the new run must emit them again (then ``forget_pending``).
        """
        rows = self._conn.execute(
            "SELECT run_id, key, item_json FROM pending WHERE delivered IS NULL "
            "AND run_id IS NOT ? ORDER BY seq",
            (exclude_run,),
        )
        return [PendingItem(*row) for row in rows]

    def forget_pending(self, run_id: str) -> int:
        with self._write():
            return self._conn.execute("DELETE FROM pending WHERE run_id = ?", (run_id,)).rowcount

    # ------------------------------------------------------------------ locks

    def acquire_lock(self, name: str, owner: str, ttl_s: float) -> bool:
        """Take (or refresh, for the same owner) the lock ``name`` for ``ttl_s`` seconds.

        A lock held by another owner is taken over when its ttl has passed or when its
        holder process, on this host, no longer exists (a crawl that was killed).
        """
        now = self._now()
        with self._write():
            row = self._conn.execute(
                "SELECT owner, pid, host, expires FROM locks WHERE name = ?", (name,)
            ).fetchone()
            if row is not None and row[0] != owner and not self._lock_stale(
                    row[1], row[2], row[3], now):
                return False
            self._conn.execute(
                "INSERT OR REPLACE INTO locks VALUES (?, ?, ?, ?, ?, ?)",
                (name, owner, os.getpid(), self._host, self._stamp(now), now.timestamp() + ttl_s),
            )
            return True

    def _lock_stale(self, pid: int, host: str, expires: float, now: datetime) -> bool:
        if expires <= now.timestamp():
            return True
        # Another host's pid means nothing here: only the ttl can free that lock.
        return host == self._host and pid != os.getpid() and not pid_alive(pid)

    def release_lock(self, name: str, owner: str) -> bool:
        with self._write():
            cur = self._conn.execute(
                "DELETE FROM locks WHERE name = ? AND owner = ?", (name, owner)
            )
            return cur.rowcount > 0

    def live_lock_holder(self, name: str) -> dict[str, Any] | None:
        """Who holds the lock ``name`` right now (a live, unexpired holder), or None: what
        acquire_lock() would refuse on, without taking anything."""
        row = self._conn.execute(
            "SELECT pid, host, expires FROM locks WHERE name = ?", (name,)
        ).fetchone()
        if row is None or self._lock_stale(row[0], row[1], row[2], self._now()):
            return None
        return self.lock_holder(name)

    def lock_holder(self, name: str) -> dict[str, Any] | None:
        """Who holds the lock ``name`` (owner, pid, host, since), or None."""
        row = self._conn.execute(
            "SELECT owner, pid, host, acquired FROM locks WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        return {"owner": row[0], "pid": row[1], "host": row[2], "since": row[3]}

    # ------------------------------------------------------------------ housekeeping

    def prune(self, older_than: datetime) -> dict[str, int]:
        """Forget articles and near-duplicate keys not seen since ``older_than``.

        Near keys of an article that is still recorded are kept even when old: an
        UNCHANGED article is not re-indexed, yet is still a valid near-duplicate target.
        Delivered pending rows older than the cutoff go too.
        """
        cutoff = self._stamp(older_than)
        stale = "SELECT id FROM articles WHERE last_seen < ?"
        with self._write():
            counts = {
                "article_keys": self._delete(
                    f"DELETE FROM article_keys WHERE article IN ({stale})", cutoff
                ),
                "fingerprints": self._delete(
                    f"DELETE FROM fingerprints WHERE article IN ({stale})", cutoff
                ),
                "articles": self._delete("DELETE FROM articles WHERE last_seen < ?", cutoff),
            }
            counts["near"] = self._delete(
                "DELETE FROM near WHERE last_seen < ? AND NOT EXISTS "
                "(SELECT 1 FROM article_keys k WHERE k.key = 'u' || char(9) || near.url)",
                cutoff,
            )
            counts["signatures"] = self._conn.execute(
                "DELETE FROM signatures WHERE NOT EXISTS "
                "(SELECT 1 FROM article_keys k WHERE k.key = 'u' || char(9) || signatures.url)"
            ).rowcount
            counts["delivered"] = self._delete(
                "DELETE FROM pending WHERE delivered IS NOT NULL AND delivered < ?", cutoff
            )
        return counts

    def _delete(self, sql: str, cutoff: str) -> int:
        return self._conn.execute(sql, (cutoff,)).rowcount

    def stats(self) -> dict[str, int]:
        tables = (
            "articles",
            "article_keys",
            "fingerprints",
            "near",
            "topics",
            "http_validators",
            "locks",
        )
        counts = {t: self._conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        pending, delivered = self._conn.execute(
            "SELECT count(*) - count(delivered), count(delivered) FROM pending"
        ).fetchone()
        return counts | {"pending": pending, "delivered": delivered}

    def close(self) -> None:
        if self._depth:
            raise StoreError(f"state store {self.path}: close() inside a batch")
        self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"
