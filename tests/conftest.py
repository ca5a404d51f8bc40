"""Shared test fixtures: paths, the local fixture server, and a crawl runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SITE_ROOT = FIXTURES / "site"


def shared_dir() -> Path:
    return Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"SHARED_DIR {path} is absent: reference pages not available in this clone")
    return path


@pytest.fixture(scope="session")
def mirror() -> Iterator[str]:
    from crawler.server import serve_in_thread

    server, base = serve_in_thread(0, SITE_ROOT)
    yield base
    server.shutdown()


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict[str, Any]]
    manifest: dict[str, Any]
    feed_files: list[Path]
    log: str


def run_crawl(spider: str, mirror: str, out: Path, *extra: str, timeout: int = 300,
              state: Path | None = None) -> CrawlResult:
    """Run `scrapy crawl` in a subprocess (a Twisted reactor cannot restart in-process).
    The state store lives in ``state`` (default: ``out``)."""
    # Each output folder has its own state store: crawls into one folder share it.
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"MIRROR={mirror}",
           "-s", f"FEED_DIR={out}", "-s", "LOG_LEVEL=INFO",
           "-s", f"STATE_URI=sqlite:///{(state or out).resolve()}/state.sqlite3", *extra]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    feeds = sorted(out.glob("*.jsonl"))
    items = [json.loads(line) for f in feeds for line in f.read_text("utf-8").splitlines()
             if line.strip()]
    manifests = sorted(out.glob("*.manifest.json"))
    for path in manifests:  # every manifest a test crawl writes matches the published schema
        validate_manifest(json.loads(path.read_text("utf-8")), path)
    manifest = json.loads(manifests[-1].read_text("utf-8")) if manifests else {}
    return CrawlResult(proc.returncode, items, manifest, feeds, proc.stderr)


def validate_manifest(manifest: dict[str, Any], where: object = "") -> None:
    """Check a manifest against schemas/manifest.schema.json (generated from the code)."""
    import jsonschema

    from crawler.manifest_schema import manifest_schema

    errors = sorted(jsonschema.Draft202012Validator(manifest_schema()).iter_errors(manifest),
                    key=lambda e: list(e.path))
    assert not errors, f"{where}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])


def load_expected_articles() -> dict[str, Any]:
    return json.loads((SITE_ROOT / "expected_articles.json").read_text("utf-8"))
