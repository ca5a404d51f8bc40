"""Run ``scrapy`` with an injected environment fault (tests only): ``python tests/faultrun.py
crawl SPIDER ...`` behaves like ``scrapy crawl SPIDER ...`` with, per ``VNNEWS_TEST_FAULT``:

- ``disk_full:DIR:BYTES``: the file system under DIR has BYTES bytes free: writes past them
  fail with ENOSPC (partial writes included), like a real full disk; creating empty files
  still works (it does on a full ext4 too). Space is never given back within the run.
- ``eio:DIR``: every write under DIR fails with EIO (a failing disk).
- ``sqlite_full:N``: the state store's SQLite writes fail with "database or disk is full"
  after N write statements (the state store's disk filled up mid-run).
- ``callback_error:REGEX``: extraction raises RuntimeError on pages whose URL matches (a
  crawler bug on one page).

Faults are injected at the Python I/O boundary (``open``/``sqlite3.connect``), so the code
under test runs unchanged.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any


class _Budget:
    def __init__(self, free: int):
        self.free = free


class _FaultyFile:
    """A writable file on a nearly full (or failing) disk."""

    def __init__(self, raw: Any, budget: _Budget | None, code: int):
        self._raw = raw
        self._budget = budget
        self._code = code

    def _fail(self) -> OSError:
        return OSError(self._code, os.strerror(self._code))

    def write(self, data: Any) -> int:
        size = len(data.encode("utf-8") if isinstance(data, str) else data)
        if self._budget is None:
            raise self._fail()
        if size > self._budget.free:
            room = self._budget.free
            self._budget.free = 0
            if room:
                self._raw.write(data[:room])
                self._raw.flush()
            raise self._fail()
        self._budget.free -= size
        return self._raw.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __enter__(self) -> _FaultyFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def __iter__(self) -> Any:
        return iter(self._raw)


def _install_file_fault(root: Path, budget: _Budget | None, code: int) -> None:
    real_open = io.open

    def faulty_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        raw = real_open(file, mode, *args, **kwargs)
        if isinstance(file, int) or not any(c in mode for c in "wax+"):
            return raw
        try:
            # abspath: ".." normalised, links not followed (Path.resolve would follow them).
            inside = Path(os.path.abspath(os.fspath(file))).is_relative_to(root)  # noqa: PTH100
        except (TypeError, ValueError):
            inside = False
        return _FaultyFile(raw, budget, code) if inside else raw

    builtins.open = faulty_open
    io.open = faulty_open


class _FullConnection:
    """A sqlite3 connection whose writes fail once the disk is full."""

    def __init__(self, conn: sqlite3.Connection, writes_left: list[int]):
        self._conn = conn
        self._left = writes_left

    def execute(self, sql: str, *args: Any) -> Any:
        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if verb in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            if self._left[0] <= 0:
                raise sqlite3.OperationalError("database or disk is full")
            self._left[0] -= 1
        return self._conn.execute(sql, *args)

    def executemany(self, sql: str, rows: Any) -> Any:
        if self._left[0] <= 0:
            raise sqlite3.OperationalError("database or disk is full")
        self._left[0] -= 1
        return self._conn.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _install_sqlite_fault(writes: int) -> None:
    from crawler.store.sqlite import SqliteStore

    real = SqliteStore._connect
    left = [writes]

    def connect(path: Any) -> Any:
        return _FullConnection(real(path), left)

    SqliteStore._connect = staticmethod(connect)  # type: ignore[method-assign]


def _install_callback_error(pattern: str) -> None:
    import re

    import spiders.base as base

    real = base.extract_layered

    def extract_layered(text: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if re.search(pattern, url):
            raise RuntimeError(f"injected extraction bug\nsecond line for {url}")
        return real(text, url, *args, **kwargs)

    base.extract_layered = extract_layered


def install(spec: str) -> None:
    kind, _, rest = spec.partition(":")
    if kind == "disk_full":
        folder, _, free = rest.rpartition(":")
        _install_file_fault(Path(folder).resolve(), _Budget(int(free)), errno.ENOSPC)
    elif kind == "eio":
        _install_file_fault(Path(rest).resolve(), None, errno.EIO)
    elif kind == "sqlite_full":
        _install_sqlite_fault(int(rest))
    elif kind == "callback_error":
        _install_callback_error(rest)
    elif kind:
        raise SystemExit(f"unknown VNNEWS_TEST_FAULT {spec!r}")


if __name__ == "__main__":
    install(os.environ.get("VNNEWS_TEST_FAULT", ""))
    from scrapy.cmdline import execute

    execute(["scrapy", *sys.argv[1:]])
