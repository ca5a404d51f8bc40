from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, ROOT, SITE_ROOT

SEED = FIXTURES / "sites" / "baohatinh" / "seed"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "extract", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_extract_prints_the_feed_object(tmp_path: Path) -> None:
    meta = json.loads((SEED / "meta.json").read_text("utf-8"))
    proc = run("--url", meta["url"], "--crawled-at", meta["fetched_at"], str(SEED / "page.html"))
    assert proc.returncode == 0, proc.stderr
    obj = json.loads(proc.stdout)
    assert obj == json.loads((SEED / "expected.json").read_text("utf-8"))
    assert "used=profile:baohatinh family=cms-post extractor=cms-post/" in proc.stderr
    # Which layer produced each field: the profile found everything on its own page.
    fields = dict(cell.split("=", 1) for cell in proc.stderr.split(" fields: ")[1].split())
    assert fields["title"] == fields["body"] == fields["authors"] == "profile", fields
    # The same page gzipped gives the same object.
    gz = tmp_path / "page.html.gz"
    gz.write_bytes(gzip.compress((SEED / "page.html").read_bytes()))
    proc_gz = run("--url", meta["url"], "--crawled-at", meta["fetched_at"], str(gz))
    assert json.loads(proc_gz.stdout) == obj


def test_non_article_page_exits_non_zero_with_one_line() -> None:
    video = next((SITE_ROOT / "baohatinh.vn" / "video").glob("*.html"))
    url = "https://baohatinh.vn/video/" + video.name
    proc = run("--url", url, str(video))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stderr.startswith("not an article:")


def test_missing_file_is_a_clear_error() -> None:
    proc = run("--url", "https://baohatinh.vn/x-post1.html", "/nonexistent/page.html")
    assert proc.returncode == 2
    assert "no such file" in proc.stderr


def test_sibling_site_without_profile_is_extracted_through_its_family(tmp_path: Path) -> None:
    # A provincial paper on the same CMS (no profile of its own): same page, another host.
    meta = json.loads((SEED / "meta.json").read_text("utf-8"))
    page = (SEED / "page.html").read_text("utf-8").replace("baohatinh.vn", "baonghean.vn")
    sibling = tmp_path / "page.html"
    sibling.write_text(page, "utf-8")
    url = meta["url"].replace("baohatinh.vn", "baonghean.vn")
    proc = run("--url", url, "--crawled-at", meta["fetched_at"], str(sibling))
    assert proc.returncode == 0, proc.stderr
    assert "used=family:cms-post extractor=cms-post/" in proc.stderr
    obj = json.loads(proc.stdout)
    expected = json.loads((SEED / "expected.json").read_text("utf-8"))
    assert obj["site"] == "baonghean.vn" and obj["url"] == url
    assert obj["article_id"] == expected["article_id"]
    for name in ("title", "lead", "body", "authors", "published_at", "topics", "tags"):
        assert obj[name] == expected[name], name
