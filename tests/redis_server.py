"""A throwaway ``redis-server`` on 127.0.0.1 for tests and benchmarks.

    with running_redis(tmp_path) as server:      # a context manager
        store = RedisStore(server.url)
        ...
        server.restart()                         # same port and dir: the AOF brings data back

As a pytest fixture (one fresh server per test), ``redis_server`` or a module's own fixture
doing ``yield from serving(tmp_path_factory.mktemp("redis"))``; either skips the test with a
clear message when ``redis-server`` is not installed.

The server runs with ``--appendonly yes`` and ``--save ''``: the append-only file is the only
persistence, so a restart (or a crash test) checks exactly what Redis mode relies on.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

__all__ = [
    "RedisServer",
    "RedisServerMissing",
    "free_port",
    "redis_server",
    "running_redis",
    "serving",
    "start_or_skip",
]

HOST = "127.0.0.1"  # never anything else: tests must not reach a shared or remote Redis
START_TIMEOUT_S = 10.0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux only: SIGTERM the server when the process that started it dies, so a test run
    # killed mid-way (no fixture teardown) leaves no orphan redis-server behind. The signal
    # follows the starting *thread*: start servers from a thread that outlives them.
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


class RedisServerMissing(RuntimeError):
    """``redis-server`` is not on PATH."""


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process; ``start()``/``stop()``/``restart()`` keep port and dir."""

    def __init__(
        self,
        directory: Path,
        *,
        port: int | None = None,
        password: str | None = None,
        extra_args: Sequence[str] = (),
        binary: str | None = None,
    ) -> None:
        found = binary or shutil.which("redis-server")
        if found is None:
            raise RedisServerMissing(
                "redis-server is not installed (apt-get install redis-server): Redis tests skipped"
            )
        self.binary = found
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.password = password
        self.extra_args = list(extra_args)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}{HOST}:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.directory / "redis.log"

    def command(self) -> list[str]:
        args = [
            self.binary,
            "--port", str(self.port),
            "--bind", HOST,
            "--save", "",
            "--appendonly", "yes",
            "--dir", str(self.directory),
            "--logfile", str(self.log_path),
            "--daemonize", "no",
        ]
        if self.password:
            args += ["--requirepass", self.password]
        return args + self.extra_args

    def start(self) -> RedisServer:
        if self.process is not None and self.process.poll() is None:
            return self
        # Its own session: a Ctrl-C on the test run must not kill it before stop() (which
        # flushes the AOF); its parent dying still stops it (see _die_with_parent).
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr \
                    else ""
                raise RuntimeError(
                    f"redis-server on port {self.port} exited with {self.process.returncode}: "
                    f"{err.strip() or self._log_tail()}"
                )
            if self._answers_ping():
                return
            time.sleep(0.02)
        self.stop(kill=True)
        raise RuntimeError(f"redis-server on port {self.port} not ready in {START_TIMEOUT_S}s")

    def _answers_ping(self) -> bool:
        # A raw socket rather than the redis client: "LOADING" (AOF replay) must count as not
        # ready, and an auth error as ready.
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                reply = sock.recv(64)
        except OSError:
            return False
        return reply.startswith((b"+PONG", b"-NOAUTH"))

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return " | ".join(self.log_path.read_text(errors="replace").splitlines()[-5:])
        return "(no log)"

    def stop(self, *, kill: bool = False) -> None:
        """SIGTERM (Redis flushes the AOF and exits) or, with ``kill``, SIGKILL (a crash)."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stderr is not None:
            proc.stderr.close()

    def restart(self, *, kill: bool = False) -> RedisServer:
        """Stop and start again on the same port and dir; data comes back from the AOF."""
        self.stop(kill=kill)
        return self.start()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RedisServer(port={self.port}, dir={str(self.directory)!r}, pid={self.pid})"


@contextlib.contextmanager
def running_redis(
    directory: Path, *, password: str | None = None, extra_args: Sequence[str] = ()
) -> Iterator[RedisServer]:
    """A started :class:`RedisServer` in ``directory``, stopped on exit."""
    server = RedisServer(directory, password=password, extra_args=extra_args)
    try:
        yield server.start()
    finally:
        server.stop()


def start_or_skip(
    directory: Path, *, password: str | None = None, extra_args: Sequence[str] = ()
) -> RedisServer:
    """Start a server, or skip the calling test when redis-server is not installed."""
    try:
        server = RedisServer(directory, password=password, extra_args=extra_args)
    except RedisServerMissing as exc:
        pytest.skip(str(exc))
    return server.start()


def serving(directory: Path, *, password: str | None = None) -> Iterator[RedisServer]:
    """A fixture body: ``yield from serving(tmp_path_factory.mktemp("redis"))``."""
    server = start_or_skip(directory, password=password)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A fresh, empty redis-server for one test (port and dir survive ``restart()``).

    Use it with ``pytest_plugins = ["redis_server"]`` in the root conftest, or define a
    fixture of the same name in the test module that does ``yield from serving(...)``.
    """
    yield from serving(tmp_path_factory.mktemp("redis"))
