"""Bad input at the entry points: one line naming the problem, non-zero exit, no crawling."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT


def crawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("args", "message"), [
    (["baohatinh", "-a", "sincee=2025-01-01"], "error: unknown spider argument(s): sincee"),
    (["baohatinh", "-a", "since=yesterday-ish"], "error: -a since='yesterday-ish' is not a date"),
    (["baohatinh", "-a", "since=2025-06-01", "-a", "until=2025-01-01"], "is after"),
    (["baohatinh", "-a", "max_pages=many"], "error: -a max_pages='many' is not a whole number"),
    (["baohatinh", "-s", "FEED_DIR=/proc/no/such/dir"], "error: feed directory /proc/no/such/dir"),
    (["no-such-spider"], "error: Spider not found: no-such-spider"),
    (["baohatinh", "-s", "STATE_URI=sqlite:////proc/no/such/state.sqlite3"], "state"),
    (["baohatinh", "-s", "STATE_URI=ftp://user:pw@example.invalid/x"], "unknown scheme"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    proc = crawl(*args)
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "Spider opened" not in proc.stderr
