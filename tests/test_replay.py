"""REPLAY: a whole crawl, discovery included, served from the demo's WARC with no server;
a URL not in the archive is not fetched; revisits and 304s are resolved."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.archive import Capture, DigestIndex, WarcFiles
from crawler.replay import ArchiveIndex

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([sys.executable, "-m", "crawler", "demo", "--output", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    feed = next(out.glob("*.jsonl"))
    return out, [json.loads(x) for x in feed.read_text("utf-8").splitlines()]


def replay(spider: str, archive: Path, out: Path, *extra: str) -> tuple[int, list[Any], Any]:
    # No MIRROR and no server: any fetch would go to the (unreachable) real site.
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"REPLAY={archive}",
           "-s", f"FEED_DIR={out}", "-s", "STATE_URI=none", "-s", "LOG_LEVEL=INFO", *extra]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    items = [json.loads(x) for f in sorted(out.glob("*.jsonl"))
             for x in f.read_text("utf-8").splitlines()]
    manifest = json.loads(next(out.glob("*.manifest.json")).read_text("utf-8"))
    return proc.returncode, items, manifest


def test_replay_of_the_demo_warc_emits_the_demo_articles(demo: Any, tmp_path: Path) -> None:
    archive, feed = demo
    warc = next(archive.glob("*.warc.gz"))
    code, items, manifest = replay("baohatinh", warc, tmp_path)
    assert code == 0
    strip = lambda a: {k: v for k, v in a.items() if k != "crawled_at"}  # noqa: E731
    assert {a["url"]: strip(a) for a in items} == {a["url"]: strip(a) for a in feed}
    # Discovery ran (topic pages, pagination, related links) and nothing was archived again.
    assert manifest["counters"]["discovery/article_requests"] >= 36
    assert manifest["archive"] is None
    assert not list(tmp_path.glob("*.warc.gz"))


def test_a_url_not_in_the_archive_is_not_fetched(demo: Any, tmp_path: Path) -> None:
    archive, _ = demo
    missing = "https://baohatinh.vn/khong-co-trong-kho/"
    _, items, manifest = replay("baohatinh", archive, tmp_path, "-a", f"start={missing}")
    assert items == []
    assert manifest["counters"]["fetch/not_in_archive"] == 1
    assert {"url": missing, "outcome": "failed", "reason": "not in archive"} \
        in manifest["urls"]["not_emitted"]
    assert manifest["http_status"] == {"200": 1}  # robots.txt only, from the archive


def _cap(url: str, body: bytes, status: int, date: str) -> Capture:
    return Capture(url=url, method="GET", request_headers=[("Host", "a.vn")], request_body=b"",
                   status=status, response_headers=[("Content-Type", "text/html")], body=body,
                   date=date, role="list")


def test_index_resolves_revisits_and_keeps_304_for_conditional_requests(tmp_path: Path) -> None:
    for run, (status, body, date) in enumerate([(200, b"<p>v1</p>", "2026-01-01T00:00:00Z"),
                                                 (200, b"<p>v1</p>", "2026-01-02T00:00:00Z"),
                                                 (304, b"", "2026-01-03T00:00:00Z")]):
        files = WarcFiles(tmp_path, f"s-run{run}", max_bytes=10**9, gzip_level=3,
                          index=DigestIndex(tmp_path / "idx.sqlite3"), info={"software": "t"})
        files.write(_cap("https://a.vn/", body, status, date))
        files.close()
    index = ArchiveIndex([tmp_path])
    assert [e.kind for e in index.by_url["https://a.vn/"]] == ["response", "revisit", "response"]
    latest = index.latest("https://a.vn/")
    assert latest is not None and latest.kind == "revisit"
    status, headers, body, _ = index.read(latest)
    assert (status, body) == (200, b"<p>v1</p>")
    assert ("Content-Type", "text/html") in headers
    conditional = index.latest("https://a.vn/", conditional=True)
    assert conditional is not None and conditional.status == 304
    # Without the file holding the original, the revisit cannot be served.
    only_revisit = ArchiveIndex([tmp_path / "s-run1-0001.warc.gz"])
    with pytest.raises(KeyError):
        only_revisit.read(only_revisit.by_url["https://a.vn/"][0])


def test_replay_of_nothing_is_one_error_line(tmp_path: Path) -> None:
    for target in (tmp_path / "missing.warc.gz", tmp_path):
        proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "baohatinh",
                               "-s", f"REPLAY={target}", "-s", f"FEED_DIR={tmp_path / 'o'}",
                               "-s", "STATE_URI=none"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2
        errors = [ln for ln in proc.stderr.splitlines()
                  if ln.startswith(("error: REPLAY", "error: setting REPLAY"))]
        assert len(errors) == 1 and "Traceback" not in proc.stderr
