"""schemas/manifest.schema.json: generated from the code, valid draft 2020-12, versioned, and
every manifest the tests write validates against it (tests/conftest.py run_crawl)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, run_crawl, validate_manifest

from crawler.manifest_schema import MANIFEST_SCHEMA_ID, manifest_schema, manifest_schema_text
from crawler.summary import MANIFEST_VERSION


def test_committed_manifest_schema_matches_code() -> None:
    committed = (ROOT / "schemas" / "manifest.schema.json").read_text("utf-8")
    assert committed == manifest_schema_text(), "run: python -m crawler schema"
    proc = subprocess.run([sys.executable, "-m", "crawler", "schema", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout


def test_schema_is_draft_2020_12_and_versioned() -> None:
    schema = manifest_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert f"/{MANIFEST_VERSION}/" in schema["$id"] == MANIFEST_SCHEMA_ID


def test_demo_manifest_validates_and_bad_ones_do_not(mirror: str, tmp_path: Path) -> None:
    result = run_crawl("baohatinh", mirror, tmp_path)  # validated inside run_crawl too
    m = result.manifest
    assert m["manifest_version"] == MANIFEST_VERSION
    validate_manifest(m)
    for broken in ({**m, "run_id": "../evil"}, {**m, "sites": [{"site": "x"}]},
                   {k: v for k, v in m.items() if k != "files"},
                   {**m, "articles_written": -1}):
        with pytest.raises(AssertionError):
            validate_manifest(json.loads(json.dumps(broken)))
    stub = {"run_id": "20250901T030000Z-a1b2c3", "spider": "baohatinh",
            "status": "killed-and-resumed", "resumed_by": m["run_id"],
            "undelivered_lines_removed": 3, "files": []}
    validate_manifest(stub)
