"""Redis state store: the same semantics as :mod:`crawler.store.sqlite`, shared by many processes
(and hosts) through one Redis server.

Every read-then-write that must not interleave with another process (``record``, fingerprint
ownership, near-duplicate bookkeeping, pending deliveries, ``prune``) is one Lua script, which
Redis runs atomically; the lock uses WATCH/MULTI because whether its holder is dead is known
only on the client (``os.kill(pid, 0)``). Scripts name their keys from the prefix passed in
ARGV, so this backend wants one Redis server (or a primary), not Redis Cluster.

Keys, all under ``prefix`` + ``state:`` (``vnnews:state:`` by default; the ``state:`` part keeps
clear of Redis mode's ``vnnews:<spider>:...`` keys):

- ``schema`` (string): the layout's version; ``seq`` (string): the last article id (INCR);
- ``keys`` (hash): ``u<TAB>url`` and ``i<TAB>site<TAB>article_id`` -> article id;
- ``a:<id>`` (hash): one article (url site aid fp rev pub mod first last fetched), plus ``k``
  and ``f``, JSON lists of the keys and fingerprints it owns, which prune deletes with it;
- ``seen`` (zset): article ids by last_seen in epoch microseconds, so prune is a range query;
- ``fp`` (hash): body fingerprint -> id of the first article that had it;
- ``n:<band>`` (set): the URLs indexed under one near-duplicate band; ``nu:<url>`` (zset): that
  URL's bands by when each was last indexed; ``near`` (zset): URLs by their oldest band time;
  ``near_n`` (string): the number of (band, URL) pairs;
- ``sig`` (hash): MinHash signatures by URL; ``sig_loose`` (set): URLs signed before recorded;
- ``http`` (hash): URL -> JSON list, like the SQLite rows (``topics``, written by earlier
  versions only, is still counted by ``stats``);
- ``pseq``, ``pu`` (zset, undelivered items by insertion order), ``pd`` (zset, delivered items
  by delivery time), ``pj`` (hash, item JSON), ``pr:<run>`` (set, the items of one run);
- ``locks`` (hash): lock name -> JSON {owner, pid, host, acquired, expires}.

A pending item's member is ``<bytes of run_id>:<run_id><key>``: unambiguous whatever either holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, cast

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from crawler.store import (
    ArticleRecord,
    Clock,
    Outcome,
    PendingItem,
    Status,
    StoreError,
    Validators,
    redact_uri,
)
from crawler.store._shared import band_text, chunks, pid_alive
from crawler.store.redis_scripts import (
    ADD_NEAR,
    ADD_PENDING,
    FORGET_PENDING,
    FP_OWNER,
    LOOKUP,
    MARK_DELIVERED,
    PRUNE_ARTICLES,
    PRUNE_DELIVERED,
    PRUNE_LOOSE_SIGNATURES,
    PRUNE_NEAR,
    RECORD,
    RELEASE_LOCK,
    SET_SIGNATURE,
    UNDELIVERED,
)

__all__ = ["SCHEMA_VERSION", "Recording", "RedisStore"]

SCHEMA_VERSION = 1  # of the key layout described above

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK = 1000  # commands per pipeline / ids per prune script: keeps each script call short
_ARTICLE_FIELDS = ("url", "site", "aid", "fp", "rev", "pub", "mod", "first", "last", "fetched")
_STATUS = {b"new": Status.NEW, b"unchanged": Status.UNCHANGED, b"updated": Status.UPDATED}

class Recording(NamedTuple):
    """The arguments of one :meth:`RedisStore.record` call, for :meth:`RedisStore.record_many`."""

    site: str
    url: str
    fingerprint: str
    article_id: str | None = None
    published_at: str | None = None
    modified_at: str | None = None



def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode()


def _pending_member(run_id: str, key: str) -> str:
    return f"{len(run_id.encode())}:{run_id}{key}"


def _split_member(member: bytes) -> tuple[str, str]:
    size, _, rest = member.partition(b":")
    n = int(size)
    return rest[:n].decode(), rest[n:].decode()




class RedisStore:
    """The :class:`crawler.store.StateStore` on a Redis server named by ``url``.

    ``url`` is a ``redis://`` or ``rediss://`` (TLS) URL; db number and password come from it.
    One instance per process (a fork must open its own). ``now`` returns the current time
    (aware, or naive UTC); tests inject a fixed clock.
    """

    def __init__(self, url: str, *, now: Clock | None = None, prefix: str = "vnnews:") -> None:
        self.url = url
        self.prefix = prefix
        self._p = prefix + "state:"
        self._redacted = redact_uri(url)
        self._now: Clock = now or (lambda: datetime.now(UTC))
        self._depth = 0
        self._host = socket.gethostname()
        try:
            self._r = redis.Redis.from_url(
                url,
                socket_connect_timeout=5,
                socket_timeout=30,
                # A few quick retries ride out a restart; the default (10, up to 1 s apart)
                # would make every call against a dead server hang for ~10 s.
                retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 3),
            )
        except (ValueError, TypeError) as exc:
            raise StoreError(f"STATE_URI {self._redacted!r}: {self._one_line(exc)}") from None
        self._password = self._r.connection_pool.connection_kwargs.get("password")
        scripts = {
            "record": RECORD, "lookup": LOOKUP, "fp_owner": FP_OWNER, "add_near": ADD_NEAR,
            "set_signature": SET_SIGNATURE, "add_pending": ADD_PENDING,
            "mark_delivered": MARK_DELIVERED, "undelivered": UNDELIVERED,
            "forget_pending": FORGET_PENDING, "release_lock": RELEASE_LOCK,
            "prune_articles": PRUNE_ARTICLES, "prune_near": PRUNE_NEAR,
            "prune_loose": PRUNE_LOOSE_SIGNATURES, "prune_delivered": PRUNE_DELIVERED,
        }
        # Script objects load themselves again (NOSCRIPT) after a server restart.
        self._s = {name: self._r.register_script(src) for name, src in scripts.items()}
        try:
            with self._guard("cannot open state store"):
                self._r.ping()
                # As SQLite's schema_version: a newer crawler's layout must not be misread.
                self._r.set(self._k("schema"), SCHEMA_VERSION, nx=True)
                version = int(self._r.get(self._k("schema")) or 0)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"state store {self._redacted} has schema version {version}, newer than "
                    f"this crawler's {SCHEMA_VERSION}"
                )
        except StoreError:
            self._r.close()
            raise

    # ------------------------------------------------------------------ plumbing

    def _one_line(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split()) or type(exc).__name__
        if self._password_text():
            text = text.replace(self._password_text(), "***")
        return text

    def _password_text(self) -> str:
        return str(getattr(self, "_password", None) or "")

    @contextlib.contextmanager
    def _guard(self, what: str = "state store") -> Iterator[None]:
        """Turn any Redis failure into a one-line StoreError naming the redacted URL."""
        try:
            yield
        except redis.exceptions.RedisError as exc:
            # from None: the redis exception chain adds nothing the message does not say.
            raise StoreError(f"{what} {self._redacted}: {self._one_line(exc)}") from None

    def _k(self, name: str) -> str:
        return self._p + name

    def _moment(self, moment: datetime | None = None) -> datetime:
        moment = moment or self._now()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    @staticmethod
    def _stamp(moment: datetime) -> str:
        # The same text as SQLite's columns: fixed-width UTC ISO, microseconds.
        return moment.isoformat(timespec="microseconds")

    @staticmethod
    def _score(moment: datetime) -> int:
        # Integer microseconds: exact in a double (< 2**53) where float seconds would round.
        return (moment - _EPOCH) // timedelta(microseconds=1)

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Group writes: accepted for the Protocol, but each write is applied at once.

        Redis has no rollback, so unlike SQLite an exception inside the batch does not undo
        the writes made before it, and other processes see them one by one. For throughput
        use :meth:`record_many`, which pipelines and still returns every Outcome.
        """
        return self._batch()

    @contextlib.contextmanager
    def _batch(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    # ------------------------------------------------------------------ articles

    def lookup(
        self, site: str, url: str | None = None, article_id: str | None = None
    ) -> ArticleRecord | None:
        """The article known by this URL (any URL it ever had) or by the site's own id."""
        if not url and not article_id:
            return None
        ukey = f"u\t{url}" if url else ""
        ikey = f"i\t{site}\t{article_id}" if article_id else ""
        with self._guard():
            row = self._s["lookup"](args=[self._p, ukey, ikey])
        if not row or row[0] is None:
            return None
        url_, site_, aid, fp, rev, pub, mod, first, last, fetched = row
        return ArticleRecord(
            url=url_.decode(),
            site=site_.decode(),
            article_id=_text(aid),
            fingerprint=fp.decode(),
            revision=int(rev),
            published_at=_text(pub),
            modified_at=_text(mod),
            first_seen=datetime.fromisoformat(first.decode()),
            last_seen=datetime.fromisoformat(last.decode()),
            last_fetched=datetime.fromisoformat(fetched.decode()),
        )

    def _record_args(self, r: Recording) -> list[str | int]:
        moment = self._moment()
        optional = (r.article_id, r.published_at, r.modified_at)
        return [
            r.site, r.url, r.fingerprint, self._stamp(moment), self._score(moment),
            "".join("0" if v is None else "1" for v in optional),
            *("" if v is None else v for v in optional),
        ]

    def _record(self, recordings: Sequence[Recording]) -> list[Outcome]:
        args: list[str | int] = [self._p]
        for r in recordings:
            args += self._record_args(r)
        flat = self._s["record"](args=args)
        return [
            Outcome(_STATUS[status], int(revision), url.decode())
            for status, revision, url in zip(flat[::3], flat[1::3], flat[2::3], strict=True)
        ]

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

        Matched by URL, else by (site, article_id); UNCHANGED only moves ``last_seen``,
        UPDATED stores the new fingerprint and dates and increments the revision. Atomic.
        """
        with self._guard():
            return self._record(
                [Recording(site, url, fingerprint, article_id, published_at, modified_at)]
            )[0]

    def record_many(self, recordings: Iterable[Recording]) -> list[Outcome]:
        """:meth:`record` for many articles: one script call per 1,000, same exact outcomes.

        Each call of 1,000 is atomic (others see none or all of it, like one SQLite batch);
        the outcomes are those of recording the articles one after the other, in order.
        """
        outcomes: list[Outcome] = []
        with self._guard():
            for chunk in chunks(list(recordings), _CHUNK):
                outcomes += self._record(chunk)
        return outcomes

    # ------------------------------------------------------------------ duplicates

    def fingerprint_owner(self, fingerprint: str) -> str | None:
        """URL (current) of the first article recorded with this body fingerprint, any site."""
        with self._guard():
            return _text(self._s["fp_owner"](args=[self._p, fingerprint]))

    def add_near(self, url: str, bands: Iterable[bytes | str]) -> None:
        """Index ``url`` under its LSH band keys (``crawler.neardup.lsh_bands``)."""
        keys = list(dict.fromkeys(band_text(b) for b in bands))
        if not keys:
            return
        score = self._score(self._moment())
        with self._guard():
            self._s["add_near"](args=[self._p, url, score, *keys])

    def near_candidates(self, bands: Iterable[bytes | str]) -> set[str]:
        """URLs sharing at least one band key: candidates to compare, not verdicts."""
        keys = [self._k("n:" + k) for k in dict.fromkeys(band_text(b) for b in bands)]
        found: set[str] = set()
        with self._guard():
            for chunk in chunks(keys, _CHUNK):
                # The client decodes nothing (no decode_responses): members are bytes.
                members = cast("set[bytes]", self._r.sunion(list(chunk)))
                found.update(u.decode() for u in members)
        return found

    def set_signature(self, url: str, signature: bytes) -> None:
        with self._guard():
            self._s["set_signature"](args=[self._p, url, signature])

    def signatures(self, urls: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(urls))
        found: dict[str, bytes] = {}
        with self._guard():
            for chunk in chunks(wanted, _CHUNK):
                # Bytes or None for a missing field (the client decodes nothing).
                sigs = cast("list[bytes | None]", self._r.hmget(self._k("sig"), list(chunk)))
                found.update(
                    {u: bytes(s) for u, s in zip(chunk, sigs, strict=True) if s is not None}
                )
        return found

    # ------------------------------------------------------------------ HTTP validators

    def http_validators(self, url: str) -> Validators:
        with self._guard():
            raw = self._r.hget(self._k("http"), url)
        return Validators(*json.loads(raw)[:2]) if raw else Validators()

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self._guard():
            if etag is None and last_modified is None:
                # Nothing to validate with any more: forget rather than store two nulls.
                self._r.hdel(self._k("http"), url)
                return
            value = json.dumps([etag, last_modified, self._stamp(self._moment())])
            self._r.hset(self._k("http"), url, value)

    # ------------------------------------------------------------------ deliveries

    def add_pending(self, run_id: str, key: str, item_json: str) -> None:
        """Note an item written to a feed file that is not complete yet."""
        with self._guard():
            self._s["add_pending"](
                args=[self._p, run_id, _pending_member(run_id, key), item_json]
            )

    def mark_delivered(self, run_id: str) -> int:
        """The run's feed file became complete: its pending items are delivered."""
        score = self._score(self._moment())
        with self._guard():
            return int(self._s["mark_delivered"](args=[self._p, run_id, score]))

    def undelivered(self, *, exclude_run: str | None = None) -> list[PendingItem]:
        """Items of runs that never completed their feed, in the order they were added."""
        with self._guard():
            flat = self._s["undelivered"](args=[self._p])
        items: list[PendingItem] = []
        for member, item_json in zip(flat[::2], flat[1::2], strict=True):
            run_id, key = _split_member(member)
            if run_id != exclude_run:
                items.append(PendingItem(run_id, key, item_json.decode()))
        return items

    def forget_pending(self, run_id: str) -> int:
        with self._guard():
            return int(self._s["forget_pending"](args=[self._p, run_id]))

    # ------------------------------------------------------------------ locks

    def acquire_lock(self, name: str, owner: str, ttl_s: float) -> bool:
        """Take (or refresh, for the same owner) the lock ``name`` for ``ttl_s`` seconds.

        A lock held by another owner is taken over when its ttl has passed or when its
        holder process, on this host, no longer exists. The lock never expires in Redis
        itself: like the SQLite row it stays, so lock_holder() can name a dead holder.
        """
        now = self._moment()
        key = self._k("locks")
        mine = json.dumps({
            "owner": owner, "pid": os.getpid(), "host": self._host,
            "acquired": self._stamp(now), "expires": now.timestamp() + ttl_s,
        })
        with self._guard(), self._r.pipeline() as pipe:
            while True:
                try:
                    # WATCH: if anyone touches the locks between our read and write, retry.
                    pipe.watch(key)
                    raw = pipe.hget(key, name)
                    if raw is not None:
                        held = json.loads(raw)
                        if held["owner"] != owner and not self._lock_stale(held, now):
                            pipe.unwatch()
                            return False
                    pipe.multi()
                    pipe.hset(key, name, mine)
                    pipe.execute()
                    return True
                except redis.exceptions.WatchError:
                    continue

    def _lock_stale(self, held: dict[str, Any], now: datetime) -> bool:
        if float(held["expires"]) <= now.timestamp():
            return True
        # Another host's pid means nothing here: only the ttl can free that lock.
        pid = int(held["pid"])
        return held["host"] == self._host and pid != os.getpid() and not pid_alive(pid)

    def release_lock(self, name: str, owner: str) -> bool:
        with self._guard():
            return bool(self._s["release_lock"](args=[self._p, name, owner]))

    def lock_holder(self, name: str) -> dict[str, Any] | None:
        """Who holds the lock ``name`` (owner, pid, host, since), or None."""
        with self._guard():
            raw = self._r.hget(self._k("locks"), name)
        if raw is None:
            return None
        held = json.loads(raw)
        return {"owner": held["owner"], "pid": held["pid"], "host": held["host"],
                "since": held["acquired"]}

    # ------------------------------------------------------------------ housekeeping

    def prune(self, older_than: datetime) -> dict[str, int]:
        """Forget articles and near-duplicate keys not seen since ``older_than``.

        Near keys of an article that is still recorded are kept even when old; delivered
        pending items older than the cutoff go too. Runs as a series of short atomic scripts
        (1,000 articles each) so Redis never blocks on one long prune.
        """
        cut = str(self._score(self._moment(older_than)))
        counts = dict.fromkeys(
            ("article_keys", "fingerprints", "articles", "near", "signatures", "delivered"), 0
        )
        with self._guard():
            while True:
                seen, arts, keys, fps, sigs = self._s["prune_articles"](
                    args=[self._p, cut, _CHUNK]
                )
                counts["articles"] += arts
                counts["article_keys"] += keys
                counts["fingerprints"] += fps
                counts["signatures"] += sigs
                if seen < _CHUNK:
                    break
            offset = 0
            while True:
                seen, removed, kept = self._s["prune_near"](args=[self._p, cut, offset, _CHUNK])
                counts["near"] += removed
                offset += kept  # kept URLs stay in the range: step over them
                if seen < _CHUNK:
                    break
            while self._r.scard(self._k("sig_loose")):
                counts["signatures"] += self._s["prune_loose"](args=[self._p, _CHUNK])
            while True:
                gone = self._s["prune_delivered"](args=[self._p, cut, _CHUNK])
                counts["delivered"] += gone
                if gone < _CHUNK:
                    break
        return counts

    def stats(self) -> dict[str, int]:
        """Row counts under the same names as SQLite's tables (one consistent snapshot)."""
        k = self._k
        with self._guard():
            pipe = self._r.pipeline(transaction=True)
            pipe.zcard(k("seen"))
            pipe.hlen(k("keys"))
            pipe.hlen(k("fp"))
            pipe.get(k("near_n"))
            pipe.hlen(k("topics"))
            pipe.hlen(k("http"))
            pipe.hlen(k("locks"))
            pipe.zcard(k("pu"))
            pipe.zcard(k("pd"))
            values = pipe.execute()
        names = ("articles", "article_keys", "fingerprints", "near", "topics",
                 "http_validators", "locks", "pending", "delivered")
        return {n: int(v or 0) for n, v in zip(names, values, strict=True)}

    def close(self) -> None:
        if self._depth:
            raise StoreError(f"state store {self._redacted}: close() inside a batch")
        self._r.close()

    def __enter__(self) -> RedisStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RedisStore({self._redacted!r})"
