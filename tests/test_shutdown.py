"""Shutdown and robots.txt failures: honest exit status, one log line, no traceback."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port that accepts connections and never answers: downloads hang until timeout."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    held: list[socket.socket] = []

    def run() -> None:
        while True:
            try:
                held.append(sock.accept()[0])
            except OSError:
                return

    threading.Thread(target=run, daemon=True).start()
    yield sock.getsockname()[1]
    sock.close()
    for conn in held:
        conn.close()


def _wait_for(path: Path, text: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text("utf-8", "replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never logged:\n{path.read_text('utf-8', 'replace')[-2000:]}")


def test_sigterm_twice_exits_non_zero_without_a_finished_manifest(
        tmp_path: Path, black_hole: int) -> None:
    log = tmp_path / "crawl.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "baohatinh",
             "-s", f"MIRROR=http://127.0.0.1:{black_hole}", "-s", f"FEED_DIR={tmp_path}",
             "-s", f"STATE_URI=sqlite:///{tmp_path}/state.sqlite3", "-s", "LOG_LEVEL=INFO"],
            cwd=ROOT, stderr=err, stdout=subprocess.DEVNULL)
        try:
            _wait_for(log, "Spider opened")
            time.sleep(1)
            proc.send_signal(signal.SIGTERM)
            _wait_for(log, "shutting down gracefully")
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
        finally:
            proc.kill()
    text = log.read_text("utf-8")
    assert "forcing unclean shutdown" in text
    assert code != 0
    for manifest in tmp_path.glob("*.manifest.json"):
        assert json.loads(manifest.read_text("utf-8"))["status"] != "finished"


def test_one_sigterm_still_exits_non_zero(tmp_path: Path, black_hole: int) -> None:
    """A graceful stop is not a complete run either (the existing contract, kept)."""
    log = tmp_path / "crawl.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "baohatinh",
             "-s", f"MIRROR=http://127.0.0.1:{black_hole}", "-s", f"FEED_DIR={tmp_path}",
             "-s", f"STATE_URI=sqlite:///{tmp_path}/state.sqlite3", "-s", "LOG_LEVEL=INFO",
             "-s", "DOWNLOAD_TIMEOUT=3", "-s", "RETRY_ENABLED=False"],
            cwd=ROOT, stderr=err, stdout=subprocess.DEVNULL)
        try:
            _wait_for(log, "Spider opened")
            time.sleep(1)
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=90)
        finally:
            proc.kill()
    assert code != 0
    manifests = list(tmp_path.glob("*.manifest.json"))
    assert manifests and all(json.loads(m.read_text("utf-8"))["status"] != "finished"
                             for m in manifests)


@pytest.fixture
def plain_http_port() -> Iterator[int]:
    """A plain-HTTP server on 127.0.0.2: the crawler speaks https to it, so TLS fails."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    try:
        server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    except OSError:
        pytest.skip("cannot bind 127.0.0.2 on this machine")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.2", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("kind", ["tls", "refused"])
def test_robots_txt_failure_is_one_line_without_traceback(
        tmp_path: Path, plain_http_port: int, kind: str) -> None:
    port = plain_http_port if kind == "tls" else _closed_port()
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start=http://site.test:{port}/",
         "-s", f"FEED_DIR={tmp_path}", "-s", f"STATE_URI=sqlite:///{tmp_path}/state.sqlite3",
         "-s", 'NETGUARD_HOSTS={"site.test": "127.0.0.2"}',
         "-s", "NETGUARD_ALLOW_NETWORKS=127.0.0.2/32", "-s", "RETRY_TIMES=1",
         "-s", "RETRY_BACKOFF_BASE=0.1", "-s", "LOG_LEVEL=INFO"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    log = proc.stderr
    assert "Traceback" not in log
    robots_lines = [line for line in log.splitlines() if "robots.txt" in line]
    assert len(robots_lines) == 1, robots_lines
    assert f"robots.txt of site.test:{port} not fetched" in robots_lines[0]
    expected = "SSL" if kind == "tls" else "ConnectionRefused"
    assert expected in robots_lines[0], robots_lines[0]
