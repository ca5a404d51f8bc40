"""Hostile input to the tools: bounded memory, one error line, a non-zero exit."""

from __future__ import annotations

import gzip
import resource
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from crawler.__main__ import page_size_cap, read_page
from crawler.extract.encoding import PageTooLarge, gunzip_bounded

ROOT = Path(__file__).resolve().parent.parent
URL = "https://baohatinh.vn/bom-post1.html"


def _bomb(path: Path, inflated: int = 1 << 30) -> Path:
    """A ~1 MB .html.gz that inflates to ``inflated`` bytes: one 8 MB member repeated (gzip
    readers inflate every member of a multi-member file)."""
    member_size = 8 << 20
    deflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = deflater.compress(b"<div>" * (member_size // 5)) + deflater.flush()
    path.write_bytes(member * (inflated // member_size))
    return path


def _limit_memory() -> None:
    # Address space, not just RSS: the child cannot go past 500 MB at all (a MemoryError
    # would show as a traceback and fail the one-line checks).
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


MEMORY_LIMIT = 500 << 20


def _run_extract(path: Path) -> subprocess.CompletedProcess[str]:
    """`python -m crawler extract` on a saved page, in under 500 MB of memory."""
    return subprocess.run([sys.executable, "-m", "crawler", "extract", "--url", URL, str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          preexec_fn=_limit_memory)


def test_memory_limit_leaves_room_for_a_real_extraction(tmp_path: Path) -> None:
    page = tmp_path / "ok.html.gz"
    body = "".join(f"<p>Đoạn {i} của bài viết về Hà Tĩnh, đủ dài để là một đoạn.</p>"
                   for i in range(40))
    page.write_bytes(gzip.compress(
        f"<html><head><title>Tin Hà Tĩnh</title></head><body><article><h1>Tin Hà Tĩnh</h1>"
        f"{body}</article></body></html>".encode()))
    proc = _run_extract(page)
    assert "MemoryError" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_gzip_bomb_stops_at_the_cap_with_one_line(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.html.gz")
    assert bomb.stat().st_size < 2 << 20
    proc = _run_extract(bomb)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "size cap" in lines[0]


def test_oversized_plain_page_is_refused_before_reading(tmp_path: Path) -> None:
    page = tmp_path / "big.html"
    with page.open("wb") as fh:
        fh.truncate(page_size_cap() + 1)  # sparse: no disk used
    proc = _run_extract(page)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "size cap" in proc.stderr


def test_corrupt_gzip_is_one_line(tmp_path: Path) -> None:
    page = tmp_path / "broken.html.gz"
    page.write_bytes(gzip.compress(b"<html><body>x</body></html>")[:-12] + b"garbage!")
    proc = _run_extract(page)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr


def test_read_page_reads_gzip_and_plain_within_the_cap(tmp_path: Path) -> None:
    html = "<html><body><p>Hà Tĩnh</p></body></html>".encode()
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(html))
    (tmp_path / "b.html").write_bytes(html)
    assert read_page(tmp_path / "a.html.gz") == html
    assert read_page(tmp_path / "b.html") == html
    with pytest.raises(PageTooLarge):
        read_page(tmp_path / "a.html.gz", limit=len(html) - 1)


def test_gunzip_bounded_handles_members_padding_and_exact_limit() -> None:
    data = gzip.compress(b"x" * 100) + gzip.compress(b"y" * 100) + b"\0" * 8
    assert gunzip_bounded(data, 200) == b"x" * 100 + b"y" * 100
    with pytest.raises(PageTooLarge):
        gunzip_bounded(data, 199)
    with pytest.raises(ValueError, match="truncated"):
        gunzip_bounded(gzip.compress(b"z" * 1000)[:-20], 10_000)
