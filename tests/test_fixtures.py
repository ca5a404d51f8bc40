"""The committed offline site is exactly what the fixture builders generate, and it is sound:
links resolve, the crawl set matches expected_articles.json, the seed text is on the page."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_fixture_site_is_up_to_date_and_consistent() -> None:
    proc = subprocess.run([sys.executable, "-m", "fixtures.build", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("OK")


def test_national_site_copies_are_up_to_date() -> None:
    proc = subprocess.run([sys.executable, "-m", "fixtures.build_sites", "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("OK")
