"""The progress line while crawling (crawler/progress.py)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_crawl

LINE = re.compile(r"progress \d+:\d\d:\d\d: (\d+) pages \([\d.]+/s now, [\d.]+/s avg\), (\d+) "
                  r"articles, queue \d+ \(\+\d+ in flight\), failures (\d+)")


def test_progress_lines_while_crawling(mirror: str, tmp_path: Path) -> None:
    result = run_crawl("baohatinh", mirror, tmp_path / "info", "-s", "PROGRESS_INTERVAL=0.2",
                       "-s", "STATE_URI=none")
    assert result.returncode == 0, result.log[-2000:]
    found = [tuple(map(int, m.groups())) for m in LINE.finditer(result.log)]
    assert len(found) >= 2, result.log[-3000:]
    pages = [p for p, _, _ in found]
    articles = [a for _, a, _ in found]
    assert pages == sorted(pages) and articles == sorted(articles)
    assert pages[-1] <= result.manifest["pages_fetched"]
    assert articles[-1] <= len(result.items)
    assert "| baohatinh.vn " in result.log


def test_progress_quiet_under_warning(mirror: str, tmp_path: Path) -> None:
    result = run_crawl("baohatinh", mirror, tmp_path / "quiet", "-s", "PROGRESS_INTERVAL=0.2",
                       "-s", "STATE_URI=none", "-s", "LOG_LEVEL=WARNING")
    assert result.returncode == 0, result.log[-2000:]
    assert "progress " not in result.log
