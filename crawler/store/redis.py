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
- ``topics``, ``http`` (hashes): topic URL / URL -> JSON list, like the SQLite rows;
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
    TopicState,
    Validators,
    redact_uri,
)
from crawler.store._shared import band_text, chunks, pid_alive

__all__ = ["SCHEMA_VERSION", "Recording", "RedisStore"]

SCHEMA_VERSION = 1  # of the key layout described above

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK = 1000  # commands per pipeline / ids per prune script: keeps each script call short
_ARTICLE_FIELDS = ("url", "site", "aid", "fp", "rev", "pub", "mod", "first", "last", "fetched")
_STATUS = {b"new": Status.NEW, b"unchanged": Status.UNCHANGED, b"updated": Status.UPDATED}

# ARGV: prefix, then 9 per article: site, url, fingerprint, stamp, score, flags, article_id,
# published_at, modified_at. flags is three "0"/"1" saying which of the last three is given:
# SQLite tells None from "" (it stores "" but not None). One call records many articles, each
# as SQLite would one after the other, and returns (status, revision, url) for each.
_RECORD = r"""
local P = ARGV[1]
local K = P .. 'keys'

local function append(A, field, value)
  local list = cjson.decode(redis.call('HGET', A, field) or '[]')
  table.insert(list, value)
  redis.call('HSET', A, field, cjson.encode(list))
end

local function optional(fields, flags, aid, pub, mod)
  if string.sub(flags, 1, 1) == '1' then table.insert(fields, 'aid'); table.insert(fields, aid) end
  if string.sub(flags, 2, 2) == '1' then table.insert(fields, 'pub'); table.insert(fields, pub) end
  if string.sub(flags, 3, 3) == '1' then table.insert(fields, 'mod'); table.insert(fields, mod) end
end

local function record(site, url, fp, stamp, score, flags, aid, pub, mod)
  local ukey = 'u\t' .. url
  local ikey = false
  if string.sub(flags, 1, 1) == '1' and aid ~= '' then ikey = 'i\t' .. site .. '\t' .. aid end

  -- The URL (any the article ever had) wins over the site's id, as in SQLite.
  local id = redis.call('HGET', K, ukey)
  if not id and ikey then id = redis.call('HGET', K, ikey) end

  if not id then
    id = redis.call('INCR', P .. 'seq')
    local names = {ukey}
    redis.call('HSET', K, ukey, id)
    if ikey then
      redis.call('HSET', K, ikey, id)
      names[2] = ikey
    end
    local fields = {'url', url, 'site', site, 'fp', fp, 'rev', 1, 'first', stamp,
                    'last', stamp, 'fetched', stamp, 'k', cjson.encode(names)}
    optional(fields, flags, aid, pub, mod)
    -- First article to carry a fingerprint owns it (SETNX); noted so prune drops it too.
    if redis.call('HSETNX', P .. 'fp', fp, id) == 1 then
      table.insert(fields, 'f'); table.insert(fields, cjson.encode({fp}))
    end
    redis.call('HSET', P .. 'a:' .. id, unpack(fields))
    redis.call('ZADD', P .. 'seen', score, id)
    return 'new', 1, url
  end

  local A = P .. 'a:' .. id
  local cur = redis.call('HMGET', A, 'url', 'fp', 'rev')
  local old_url, old_fp, rev = cur[1], cur[2], tonumber(cur[3])
  if old_url ~= url or ikey then
    -- A key already naming another article keeps it (first owner wins).
    if redis.call('HSETNX', K, ukey, id) == 1 then append(A, 'k', ukey) end
    if ikey and redis.call('HSETNX', K, ikey, id) == 1 then append(A, 'k', ikey) end
  end
  redis.call('ZADD', P .. 'seen', score, id)
  if old_fp == fp then
    redis.call('HSET', A, 'last', stamp)
    return 'unchanged', rev, old_url
  end
  local fields = {'url', url, 'fp', fp, 'rev', rev + 1, 'last', stamp, 'fetched', stamp}
  optional(fields, flags, aid, pub, mod)
  redis.call('HSET', A, unpack(fields))
  if redis.call('HSETNX', P .. 'fp', fp, id) == 1 then append(A, 'f', fp) end
  return 'updated', rev + 1, url
end

local out = {}
for i = 2, #ARGV, 9 do
  local status, rev, url = record(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4],
                                  ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8])
  out[#out + 1] = status
  out[#out + 1] = rev
  out[#out + 1] = url
end
return out
"""

# ARGV: prefix, url key or "", id key or "". The URL key is tried first.
_LOOKUP = r"""
local K = ARGV[1] .. 'keys'
local id = false
if ARGV[2] ~= '' then id = redis.call('HGET', K, ARGV[2]) end
if not id and ARGV[3] ~= '' then id = redis.call('HGET', K, ARGV[3]) end
if not id then return false end
return redis.call('HMGET', ARGV[1] .. 'a:' .. id,
                  'url', 'site', 'aid', 'fp', 'rev', 'pub', 'mod', 'first', 'last', 'fetched')
"""

_FP_OWNER = r"""
local id = redis.call('HGET', ARGV[1] .. 'fp', ARGV[2])
if not id then return false end
return redis.call('HGET', ARGV[1] .. 'a:' .. id, 'url')
"""

# ARGV: prefix, url, score, band... (SQLite: one row per (band, url) with its last_seen)
_ADD_NEAR = r"""
local P, url, score = ARGV[1], ARGV[2], ARGV[3]
local NU = P .. 'nu:' .. url
local added = 0
for i = 4, #ARGV do
  added = added + redis.call('SADD', P .. 'n:' .. ARGV[i], url)
  redis.call('ZADD', NU, score, ARGV[i])
end
if added > 0 then redis.call('INCRBY', P .. 'near_n', added) end
local oldest = redis.call('ZRANGE', NU, 0, 0, 'WITHSCORES')
if oldest[2] then redis.call('ZADD', P .. 'near', oldest[2], url) end
return added
"""

_SET_SIGNATURE = r"""
local P, url = ARGV[1], ARGV[2]
redis.call('HSET', P .. 'sig', url, ARGV[3])
-- Signed before being recorded: prune must check it, as no article will take it along.
if redis.call('HEXISTS', P .. 'keys', 'u\t' .. url) == 0 then
  redis.call('SADD', P .. 'sig_loose', url)
end
"""

# ARGV: prefix, run_id, member, item_json
_ADD_PENDING = r"""
local P, run, m, js = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HEXISTS', P .. 'pj', m) == 1 then
  -- Re-emitted: the latest JSON wins, order and delivery state stay (SQLite ON CONFLICT).
  redis.call('HSET', P .. 'pj', m, js)
  return 0
end
redis.call('ZADD', P .. 'pu', redis.call('INCR', P .. 'pseq'), m)
redis.call('HSET', P .. 'pj', m, js)
redis.call('SADD', P .. 'pr:' .. run, m)
return 1
"""

_MARK_DELIVERED = r"""
local P, run, score = ARGV[1], ARGV[2], ARGV[3]
local n = 0
for _, m in ipairs(redis.call('SMEMBERS', P .. 'pr:' .. run)) do
  if redis.call('ZREM', P .. 'pu', m) == 1 then
    redis.call('ZADD', P .. 'pd', score, m)
    n = n + 1
  end
end
return n
"""

# Members and JSON in one atomic read; HMGET in slices to stay under Lua's unpack() limit.
_UNDELIVERED = r"""
local P = ARGV[1]
local ms = redis.call('ZRANGE', P .. 'pu', 0, -1)
local out = {}
for lo = 1, #ms, 1000 do
  local slice = {}
  for i = lo, math.min(lo + 999, #ms) do slice[#slice + 1] = ms[i] end
  local js = redis.call('HMGET', P .. 'pj', unpack(slice))
  for i, m in ipairs(slice) do
    out[#out + 1] = m
    out[#out + 1] = js[i] or ''
  end
end
return out
"""

_FORGET_PENDING = r"""
local P, run = ARGV[1], ARGV[2]
local ms = redis.call('SMEMBERS', P .. 'pr:' .. run)
for _, m in ipairs(ms) do
  redis.call('ZREM', P .. 'pu', m)
  redis.call('ZREM', P .. 'pd', m)
  redis.call('HDEL', P .. 'pj', m)
end
redis.call('DEL', P .. 'pr:' .. run)
return #ms
"""

_RELEASE_LOCK = r"""
local raw = redis.call('HGET', ARGV[1] .. 'locks', ARGV[2])
if not raw or cjson.decode(raw)['owner'] ~= ARGV[3] then return 0 end
return redis.call('HDEL', ARGV[1] .. 'locks', ARGV[2])
"""

# ARGV: prefix, cutoff score (exclusive), limit. Returns ids seen, articles, keys, fps, sigs.
_PRUNE_ARTICLES = r"""
local P, cut, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', P .. 'seen', '-inf', '(' .. cut, 'LIMIT', 0, limit)
local arts, keys, fps, sigs = 0, 0, 0, 0
for _, id in ipairs(ids) do
  local A = P .. 'a:' .. id
  local owned = redis.call('HMGET', A, 'k', 'f')
  for _, name in ipairs(cjson.decode(owned[1] or '[]')) do
    keys = keys + redis.call('HDEL', P .. 'keys', name)
    if string.sub(name, 1, 2) == 'u\t' then
      -- The URL is no longer known: its signature goes, as SQLite's orphan sweep would.
      sigs = sigs + redis.call('HDEL', P .. 'sig', string.sub(name, 3))
    end
  end
  for _, fp in ipairs(cjson.decode(owned[2] or '[]')) do
    fps = fps + redis.call('HDEL', P .. 'fp', fp)
  end
  arts = arts + redis.call('DEL', A)
  redis.call('ZREM', P .. 'seen', id)
end
return {#ids, arts, keys, fps, sigs}
"""

# ARGV: prefix, cutoff (exclusive), offset, limit. Near pairs older than the cutoff go unless
# their URL is still a recorded article (an UNCHANGED article is not re-indexed). Those kept
# stay in range, hence the offset. Returns URLs looked at, pairs removed, URLs kept.
_PRUNE_NEAR = r"""
local P, cut = ARGV[1], ARGV[2]
local urls = redis.call('ZRANGEBYSCORE', P .. 'near', '-inf', '(' .. cut,
                        'LIMIT', tonumber(ARGV[3]), tonumber(ARGV[4]))
local removed, kept = 0, 0
for _, url in ipairs(urls) do
  if redis.call('HEXISTS', P .. 'keys', 'u\t' .. url) == 1 then
    kept = kept + 1
  else
    local NU = P .. 'nu:' .. url
    for _, band in ipairs(redis.call('ZRANGEBYSCORE', NU, '-inf', '(' .. cut)) do
      removed = removed + redis.call('SREM', P .. 'n:' .. band, url)
    end
    redis.call('ZREMRANGEBYSCORE', NU, '-inf', '(' .. cut)
    local oldest = redis.call('ZRANGE', NU, 0, 0, 'WITHSCORES')
    if oldest[2] then
      redis.call('ZADD', P .. 'near', oldest[2], url)
    else
      redis.call('ZREM', P .. 'near', url)
    end
  end
end
if removed > 0 then redis.call('DECRBY', P .. 'near_n', removed) end
return {#urls, removed, kept}
"""

_PRUNE_LOOSE_SIGNATURES = r"""
local P = ARGV[1]
local n = 0
for _, url in ipairs(redis.call('SPOP', P .. 'sig_loose', tonumber(ARGV[2]))) do
  if redis.call('HEXISTS', P .. 'keys', 'u\t' .. url) == 0 then
    n = n + redis.call('HDEL', P .. 'sig', url)
  end
end
return n
"""

# ARGV: prefix, cutoff (exclusive), limit. Delivered items older than the cutoff.
_PRUNE_DELIVERED = r"""
local P = ARGV[1]
local ms = redis.call('ZRANGEBYSCORE', P .. 'pd', '-inf', '(' .. ARGV[2],
                      'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(ms) do
  local colon = string.find(m, ':', 1, true)
  local run = string.sub(m, colon + 1, colon + tonumber(string.sub(m, 1, colon - 1)))
  redis.call('ZREM', P .. 'pd', m)
  redis.call('HDEL', P .. 'pj', m)
  redis.call('SREM', P .. 'pr:' .. run, m)
end
return #ms
"""


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
            "record": _RECORD, "lookup": _LOOKUP, "fp_owner": _FP_OWNER, "add_near": _ADD_NEAR,
            "set_signature": _SET_SIGNATURE, "add_pending": _ADD_PENDING,
            "mark_delivered": _MARK_DELIVERED, "undelivered": _UNDELIVERED,
            "forget_pending": _FORGET_PENDING, "release_lock": _RELEASE_LOCK,
            "prune_articles": _PRUNE_ARTICLES, "prune_near": _PRUNE_NEAR,
            "prune_loose": _PRUNE_LOOSE_SIGNATURES, "prune_delivered": _PRUNE_DELIVERED,
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

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The subset of ``urls`` already recorded (one HMGET per 1,000 URLs)."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        with self._guard():
            for chunk in chunks(wanted, _CHUNK):
                ids = self._r.hmget(self._k("keys"), [f"u\t{u}" for u in chunk])
                found.update(u for u, i in zip(chunk, ids, strict=True) if i is not None)
        return found

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

    # ------------------------------------------------------------------ topics, validators

    def topic_state(self, topic_url: str) -> TopicState:
        with self._guard():
            raw = self._r.hget(self._k("topics"), topic_url)
        return TopicState(*json.loads(raw)[:3]) if raw else TopicState()

    def set_topic_state(self, topic_url: str, state: TopicState) -> None:
        value = json.dumps([*state, self._stamp(self._moment())])
        with self._guard():
            self._r.hset(self._k("topics"), topic_url, value)

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
