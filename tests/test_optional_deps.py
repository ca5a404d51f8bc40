"""A single-machine crawl needs none of the extras: redis, scrapy-redis (Redis mode) and numpy
(fast MinHash) are blocked from import and the fixture crawl still delivers every article.
(`pip install .` into a fresh venv without extras was also checked by hand: see the report.)"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import ROOT, load_expected_articles

BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('redis', 'scrapy_redis', 'numpy'):
            raise ImportError(f'{name} blocked: not installed in this test')
sys.meta_path.insert(0, Block())
from scrapy.cmdline import execute
sys.argv = ['scrapy'] + sys.argv[1:]
execute()
"""


def test_single_machine_crawl_without_extras(mirror: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", BLOCK, "crawl", "baohatinh", "-s", f"MIRROR={mirror}",
         "-s", f"FEED_DIR={tmp_path}", "-s", f"STATE_URI=sqlite:///{tmp_path}/s.sqlite3"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "blocked" not in proc.stderr
    items = [json.loads(line) for f in tmp_path.glob("*.jsonl")
             for line in f.read_text("utf-8").splitlines()]
    assert len(items) == len(load_expected_articles()["baohatinh.vn"])


def test_redis_url_without_the_extra_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", BLOCK, "crawl", "baohatinh", "-s", "REDIS_URL=redis://127.0.0.1:1/0",
         "-s", f"FEED_DIR={tmp_path}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "vnnews-crawler[redis]" in proc.stderr


def test_every_requirement_has_an_upper_bound_and_a_lock() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    assert all("<" in r for r in requirements), [r for r in requirements if "<" not in r]
    assert not any(r.startswith(("redis", "scrapy-redis", "numpy"))
                   for r in project["dependencies"])
    locked = {line.split("==")[0].lower().replace("_", "-")
              for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines()
              if "==" in line}
    for r in requirements:
        name = r.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower()
        assert name.replace("_", "-") in locked, name
