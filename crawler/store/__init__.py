"""Crawl state kept across runs: what was seen, what changed, what is still to deliver.

The ``STATE_URI`` setting picks the backend through :func:`open_store`:

- ``sqlite:///state/crawl.sqlite3``: a path relative to the project root (never the CWD, so
  a cron job started elsewhere finds the same state);
- ``sqlite:////var/lib/vnnews/state.sqlite3``: an absolute path;
- ``none``: a :class:`NullStore` that remembers nothing (every article is new);
- ``redis://[:password@]host:port/db`` or ``rediss://...`` (TLS): a :class:`RedisStore`
  (:mod:`crawler.store.redis`), shared by every worker of Redis mode.

Timestamps in records are aware UTC datetimes; ``published_at``/``modified_at`` are kept as
the feed's ISO strings.
"""

from __future__ import annotations

import contextlib
import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable
from urllib.parse import unquote

from crawler.store.errors import StoreError, store_errors

__all__ = [
    "ArticleRecord",
    "NullStore",
    "Outcome",
    "PendingItem",
    "StateStore",
    "Status",
    "StoreError",
    "Validators",
    "open_store",
    "redact_uri",
    "sqlite_file",
    "store_errors",
]

Clock = Callable[[], datetime]


class Status(enum.StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"  # same body fingerprint as stored: only last_seen moves
    UPDATED = "updated"  # body fingerprint changed: revision + 1


@dataclass(frozen=True, slots=True)
class Outcome:
    """What :meth:`StateStore.record` did; ``revision`` is the article's revision now."""

    status: Status
    revision: int
    url: str


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    url: str
    site: str
    article_id: str | None
    fingerprint: str
    revision: int
    published_at: str | None
    modified_at: str | None
    first_seen: datetime
    last_seen: datetime
    last_fetched: datetime


class Validators(NamedTuple):
    """HTTP validators for a conditional request; all None when unknown."""

    etag: str | None = None
    last_modified: str | None = None


class PendingItem(NamedTuple):
    run_id: str
    key: str
    item_json: str


@runtime_checkable
class StateStore(Protocol):
    """Everything the crawler remembers between runs. Backends: SQLite, Redis, none."""

    # -- articles
    def lookup(
        self, site: str, url: str | None = None, article_id: str | None = None
    ) -> ArticleRecord | None: ...
    def record(
        self,
        site: str,
        url: str,
        fingerprint: str,
        *,
        article_id: str | None = None,
        published_at: str | None = None,
        modified_at: str | None = None,
    ) -> Outcome: ...
    def batch(self) -> contextlib.AbstractContextManager[None]: ...
    # -- exact and near duplicates
    def fingerprint_owner(self, fingerprint: str) -> str | None: ...
    def add_near(self, url: str, bands: Iterable[bytes | str]) -> None: ...
    def near_candidates(self, bands: Iterable[bytes | str]) -> set[str]: ...
    def set_signature(self, url: str, signature: bytes) -> None: ...
    def signatures(self, urls: Iterable[str]) -> dict[str, bytes]: ...
    # -- listing pages and conditional requests
    def http_validators(self, url: str) -> Validators: ...
    def set_http_validators(
        self, url: str, etag: str | None, last_modified: str | None
    ) -> None: ...
    # -- exactly-once feed delivery
    def add_pending(self, run_id: str, key: str, item_json: str) -> None: ...
    def mark_delivered(self, run_id: str) -> int: ...
    def undelivered(self, *, exclude_run: str | None = None) -> list[PendingItem]: ...
    def forget_pending(self, run_id: str) -> int: ...
    # -- one crawl at a time
    def acquire_lock(self, name: str, owner: str, ttl_s: float) -> bool: ...
    def release_lock(self, name: str, owner: str) -> bool: ...
    def lock_holder(self, name: str) -> dict[str, Any] | None: ...
    # -- housekeeping
    def prune(self, older_than: datetime) -> dict[str, int]: ...
    def stats(self) -> dict[str, int]: ...
    def close(self) -> None: ...


class NullStore:
    """STATE_URI=none: remembers nothing, so every article is new and nothing is known.

    Locks are always granted: without shared state there is nothing to protect.

    >>> store = NullStore()
    >>> store.record("a.vn", "https://a.vn/x", "v1:00").status, store.lookup("a.vn", "u")
    (<Status.NEW: 'new'>, None)
    """

    def lookup(
        self, site: str, url: str | None = None, article_id: str | None = None
    ) -> ArticleRecord | None:
        return None

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
        return Outcome(Status.NEW, 1, url)

    def batch(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def fingerprint_owner(self, fingerprint: str) -> str | None:
        return None

    def add_near(self, url: str, bands: Iterable[bytes | str]) -> None:
        return None

    def near_candidates(self, bands: Iterable[bytes | str]) -> set[str]:
        return set()

    def set_signature(self, url: str, signature: bytes) -> None:
        return None

    def signatures(self, urls: Iterable[str]) -> dict[str, bytes]:
        return {}

    def http_validators(self, url: str) -> Validators:
        return Validators()

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        return None

    def add_pending(self, run_id: str, key: str, item_json: str) -> None:
        return None

    def mark_delivered(self, run_id: str) -> int:
        return 0

    def undelivered(self, *, exclude_run: str | None = None) -> list[PendingItem]:
        return []

    def forget_pending(self, run_id: str) -> int:
        return 0

    def acquire_lock(self, name: str, owner: str, ttl_s: float) -> bool:
        return True

    def release_lock(self, name: str, owner: str) -> bool:
        return True

    def lock_holder(self, name: str) -> dict[str, Any] | None:
        return None

    def prune(self, older_than: datetime) -> dict[str, int]:
        return {}

    def stats(self) -> dict[str, int]:
        return {}

    def close(self) -> None:
        return None

    def __repr__(self) -> str:
        return "NullStore()"


# Userinfo runs to the LAST "@" of the URI: an unencoded "@" or "/" in a password then
# hides too much (the host) rather than leaking the password's tail.
_USERINFO_RE = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>.*)@")
_SECRET_PARAM_RE = re.compile(
    r"(?P<key>[?&;](?:password|passwd|pwd|pass|secret|token|auth|access_key)=)[^&;#]*",
    re.IGNORECASE,
)


def redact_uri(uri: str) -> str:
    """The URI with any password or secret query value replaced by ``***``.

    >>> redact_uri("redis://user:s3cr@t/x@cache.local:6379/0")
    'redis://user:***@cache.local:6379/0'
    >>> redact_uri("redis://:pw@h/0?password=x&db=1"), redact_uri("sqlite:////a@b/s.db")
    ('redis://:***@h/0?password=***&db=1', 'sqlite:////a@b/s.db')
    """

    def userinfo(m: re.Match[str]) -> str:
        user, sep, _ = m.group("userinfo").partition(":")
        # "redis://secret@host": a lone token may well be the password itself.
        return f"{m.group('scheme')}{user}:***@" if sep else f"{m.group('scheme')}***@"

    redacted = uri
    if not uri.lower().startswith("sqlite:"):  # a file path has no userinfo; "@" is literal
        redacted = _USERINFO_RE.sub(userinfo, uri, count=1)
    return _SECRET_PARAM_RE.sub(lambda m: m.group("key") + "***", redacted)


def _sqlite_path(uri: str, root: Path) -> Path | str:
    rest = uri[len("sqlite://") :]
    if not rest.startswith("/"):
        raise StoreError(
            f"STATE_URI {redact_uri(uri)!r}: expected sqlite:///relative or sqlite:////absolute"
        )
    path = unquote(rest[1:].split("?", 1)[0])
    if not path:
        raise StoreError(f"STATE_URI {redact_uri(uri)!r} names no file")
    if path == ":memory:":
        return path  # one process, gone at close: tests only
    p = Path(path)
    return p if p.is_absolute() else root / p


def sqlite_file(uri: str, root: Path) -> Path | None:
    """The database file a ``sqlite:`` STATE_URI names (relative to ``root``); None for other
    kinds of store and for ``:memory:``. ``python -m crawler state`` and ``prune`` work on it.

    >>> sqlite_file("sqlite:///state/s.db", Path("/srv")), sqlite_file("none", Path("/srv"))
    (PosixPath('/srv/state/s.db'), None)
    """
    text = uri.strip()
    if text.split(":", 1)[0].lower() != "sqlite":
        return None
    path = _sqlite_path(text, root)
    return path if isinstance(path, Path) else None


def open_store(uri: str, *, root: Path, now: Clock | None = None) -> StateStore:
    """Open the store named by a ``STATE_URI`` value; relative paths resolve against ``root``.

    >>> open_store("none", root=Path("."))
    NullStore()
    >>> open_store("redis://:pw@127.0.0.1:1/0", root=Path("."))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crawler.store.errors.StoreError: cannot open state store redis://:***@127.0.0.1:1/0: ...
    """
    text = uri.strip()
    scheme = text.split(":", 1)[0].lower()
    if text.lower() == "none":
        return NullStore()
    if scheme == "sqlite":
        from crawler.store.sqlite import SqliteStore  # keeps "none" free of sqlite3 setup

        return SqliteStore(_sqlite_path(text, root), now=now)
    if scheme in ("redis", "rediss"):
        from crawler.store.redis import RedisStore  # the redis client only when asked for

        return RedisStore(text, now=now)
    raise StoreError(
        f"STATE_URI {redact_uri(text)!r}: unknown scheme (sqlite:///..., redis://..., none)")
