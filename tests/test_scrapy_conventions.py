"""Scrapy's feed conventions hold with remembered state: -O rewrites, -o appends, CSV cells
hold JSON, the project's FEED_DIR stays untouched unless asked for, JOBDIR is refused."""

from __future__ import annotations

import csv
import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, validate_manifest

from crawler.feeds import flat_cell


def crawl(mirror: str, state: Path, *args: str, run_id: str | None = None
          ) -> subprocess.CompletedProcess[str]:
    extra = ["-a", f"run_id={run_id}"] if run_id else []
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "baohatinh", "-s", f"MIRROR={mirror}",
         "-s", f"STATE_URI=sqlite:///{state}/state.sqlite3", "-s", "LOG_LEVEL=WARNING",
         *extra, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def project_files(run_id: str) -> list[Path]:
    return list((ROOT / "output").rglob(f"*{run_id}*")) if (ROOT / "output").is_dir() \
        else []


def test_dash_O_always_rewrites_and_leaves_feed_dir_alone(mirror: str, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    first_id, second_id = (f"t{secrets.token_hex(4)}" for _ in range(2))
    first = crawl(mirror, tmp_path, "-O", str(out), run_id=first_id)
    assert first.returncode == 0, first.stderr[-2000:]
    lines = out.read_text("utf-8").splitlines()
    assert len(lines) == 36
    manifest = json.loads((tmp_path / "out.manifest.json").read_text("utf-8"))
    assert manifest["run_id"] == first_id and manifest["articles_written"] == 36
    validate_manifest(manifest)
    assert manifest["files"] and manifest["files"][0]["file"] == "out.jsonl"
    # Everything is known now: the second run emits nothing, and -O still rewrites the file.
    second = crawl(mirror, tmp_path, "-O", str(out), run_id=second_id)
    assert second.returncode == 0, second.stderr[-2000:]
    assert out.exists() and out.read_text("utf-8") == ""
    assert json.loads((tmp_path / "out.manifest.json").read_text("utf-8"))["run_id"] == second_id
    # Nothing landed in the project's own feed folder (no feed, manifest or WARC archive).
    assert project_files(first_id) == [] and project_files(second_id) == []
    # With FEED_DIR given too, both are written.
    both = tmp_path / "both"
    third = crawl(mirror, tmp_path / "fresh", "-O", str(tmp_path / "o3.jsonl"), "-s",
                  f"FEED_DIR={both}")
    assert third.returncode == 0, third.stderr[-2000:]
    assert len((tmp_path / "o3.jsonl").read_text("utf-8").splitlines()) == 36
    assert [p.name.endswith("-0001.jsonl") for p in both.glob("*.jsonl")] == [True]


def test_dash_o_csv_appends_with_json_cells(mirror: str, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    first = crawl(mirror, tmp_path, "-o", str(out))
    assert first.returncode == 0, first.stderr[-2000:]
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 36
    for row in rows:
        for name in ("images", "related", "authors", "tags"):
            assert isinstance(json.loads(row[name]), list), (name, row[name][:80])
        assert "{'" not in row["images"]  # no Python repr
    image = json.loads(rows[0]["images"])[0]
    assert image["url"].startswith("https://")
    # A second run has nothing new: the file keeps its rows (appended: none).
    second = crawl(mirror, tmp_path, "-o", str(out))
    assert second.returncode == 0, second.stderr[-2000:]
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 36
    # -o of a new file with nothing to write still creates it.
    fresh = tmp_path / "new.jsonl"
    third = crawl(mirror, tmp_path, "-o", str(fresh))
    assert third.returncode == 0 and fresh.exists() and fresh.read_text("utf-8") == ""


def test_jobdir_is_refused_in_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "baohatinh", "-s", f"JOBDIR={tmp_path}/job",
         "-s", f"FEED_DIR={tmp_path}/out"], cwd=ROOT, capture_output=True, text=True,
        timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "JOBDIR" in proc.stderr and "STATE_URI" in proc.stderr
    assert not (tmp_path / "job").exists()


@pytest.mark.parametrize(("value", "cell"), [
    (["Thu Hà", "Hoài Nam"], '["Thu Hà", "Hoài Nam"]'), ({"a": 1}, '{"a": 1}'), (3, 3)])
def test_flat_cell(value: object, cell: object) -> None:
    assert flat_cell(value) == cell
