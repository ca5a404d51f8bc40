"""Operator commands without sharp edges: one `error:` line, exit status 2, nothing created."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, ROOT

SEED = FIXTURES / "sites" / "baohatinh" / "seed"


def cli(*args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def one_error_line(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def test_help_lists_every_command() -> None:
    from crawler.__main__ import build_parser

    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    commands = list(sub.choices)
    assert {"serve", "extract", "schema", "prune", "push", "report", "demo"} <= set(commands)
    proc = cli("--help")
    assert proc.returncode == 0
    for name in commands:
        assert f"    {name} " in proc.stdout, (name, proc.stdout)
    # The description names them all too, and the Scrapy commands of the project.
    description = proc.stdout.split("positional arguments")[0]
    for name in [*commands, "scrapy crawl", "scrapy sites"]:
        assert name in description, name


def test_serve_refuses_missing_root_and_busy_port(tmp_path: Path) -> None:
    one_error_line(cli("serve", "--root", str(tmp_path / "nonexistent")), "no such folder")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        one_error_line(cli("serve", "--port", str(port)), f"127.0.0.1:{port}", "in use")


def test_extract_takes_the_url_from_the_page() -> None:
    meta = json.loads((SEED / "meta.json").read_text("utf-8"))
    proc = cli("extract", "--crawled-at", meta["fetched_at"], str(SEED / "page.html"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == json.loads((SEED / "expected.json").read_text("utf-8"))


def test_extract_one_line_errors(tmp_path: Path) -> None:
    corrupt = tmp_path / "page.html.gz"
    corrupt.write_bytes(gzip.compress(os.urandom(5000))[:100])
    one_error_line(cli("extract", "--url", "https://baohatinh.vn/a-post1.html", str(corrupt)),
                   "corrupt gzip")
    one_error_line(cli("extract", "--url", "https://baohatinh.vn/a-post1.html", str(tmp_path)),
                   "is a folder")
    one_error_line(cli("extract", "--url", "notaurl", str(SEED / "page.html")), "notaurl",
                   "host")
    bare = tmp_path / "bare.html"
    bare.write_text("<html><body><p>no head</p></body></html>", "utf-8")
    one_error_line(cli("extract", str(bare)), "--url")
