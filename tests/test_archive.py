"""WARC archive: the demo crawl leaves WARC files beside its feed that standard tools read
(warcio, independently of our code); revisits, 304s, rollover and killed runs."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import Capture, DigestIndex, WarcFiles, payload_digest, salvage_parts

ROOT = Path(__file__).resolve().parent.parent


def run_demo(out: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "crawler", "demo", "--output", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    manifests = sorted(out.glob("*.manifest.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(manifests[-1].read_text("utf-8"))


def records(path: Path) -> list[Any]:
    out = []
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            body = rec.content_stream().read()
            out.append((rec.rec_type, rec.rec_headers, rec.http_headers, body))
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    first = run_demo(out)
    second = run_demo(out)
    return out, first, second


def test_demo_leaves_a_warc_beside_the_feed_listed_in_the_manifest(demo: Any) -> None:
    out, first, _ = demo
    files = first["archive"]["files"]
    assert len(files) == 1
    warc = out / files[0]["file"]
    assert warc.name == f"baohatinh-{first['run_id']}-0001.warc.gz"
    assert warc.is_file() and not list(out.glob("*.part"))
    assert files[0]["sha256"] == hashlib.sha256(warc.read_bytes()).hexdigest()
    assert files[0]["bytes"] == warc.stat().st_size
    recs = records(warc)
    assert files[0]["records"] == len(recs)
    # Every fetched page: one request and one response record (robots.txt, lists, articles).
    assert files[0]["by_type"]["response"] == first["pages_fetched"]
    assert files[0]["by_type"]["request"] == first["pages_fetched"]


def test_warcio_reads_the_records_back_with_real_urls_and_roles(demo: Any) -> None:
    out, first, _ = demo
    recs = records(out / first["archive"]["files"][0]["file"])
    assert recs[0][0] == "warcinfo"
    responses = [r for r in recs if r[0] == "response"]
    requests = {r[1].get_header("WARC-Record-ID"): r for r in recs if r[0] == "request"}
    for _, h, http, _body in responses:
        assert h.get_header("WARC-Target-URI").startswith("https://baohatinh.vn/")
        assert "127.0.0.1" not in h.get_header("WARC-Target-URI")
        assert http.get_statuscode() in ("200", "404")
    # Each request record points at its response.
    resp_ids = {r[1].get_header("WARC-Record-ID") for r in responses}
    assert {r[1].get_header("WARC-Concurrent-To") for r in requests.values()} == resp_ids
    req = next(iter(requests.values()))
    assert req[2].protocol == "GET" or req[2].statusline.startswith("GET ")
    assert req[2].get_header("User-Agent").startswith("vnnews-crawler")
    roles = [h.get_header("WARC-Page-Role") for _, h, _, _ in responses]
    assert roles.count("article") >= first["articles_written"]
    assert roles.count("list") >= 4 and roles.count("robots") == 1
    feed = [json.loads(x) for x in (out / first["files"][0]["file"]).read_text().splitlines()]
    article_uris = {h.get_header("WARC-Target-URI") for _, h, _, _ in responses
                    if h.get_header("WARC-Page-Role") == "article"}
    # Fetched URLs (a legacy URL's article has its canonical URL in the feed): by site id.
    for a in feed:
        assert any(a["article_id"] in u for u in article_uris), a["url"]
    # The payload is the page as served: the article's title is in it.
    bodies = {h.get_header("WARC-Target-URI"): b for _, h, _, b in responses}
    assert feed[0]["title"].split()[0].encode() in bodies[feed[0]["url"]]


def test_warcio_check_passes(demo: Any) -> None:
    out, first, second = demo
    for m in (first, second):
        for f in m["archive"]["files"]:
            proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v",
                                   str(out / f["file"])], capture_output=True, text=True)
            if "No module named warcio.cli" in proc.stderr:  # pragma: no cover
                pytest.skip("warcio CLI not importable")
            assert proc.returncode == 0, proc.stdout[-1000:]
            assert "digest pass" in proc.stdout and "fail" not in proc.stdout


def test_second_run_records_304_topic_pages(demo: Any) -> None:
    out, _, second = demo
    recs = records(out / second["archive"]["files"][0]["file"])
    statuses = [(r[1].get_header("WARC-Page-Role"), r[2].get_statuscode())
                for r in recs if r[0] == "response"]
    assert ("list", "304") in statuses
    # A 304 carries no payload.
    assert all(not r[3] for r in recs if r[0] == "response" and r[2].get_statuscode() == "304")


def cap(url: str, body: bytes, status: int = 200, date: str = "2026-01-01T00:00:00.000000Z"
        ) -> Capture:
    return Capture(url=url, method="GET", request_headers=[("Host", "a.vn")], request_body=b"",
                   status=status, response_headers=[("Content-Type", "text/html")], body=body,
                   date=date, role="article")


def test_unchanged_page_fetched_again_is_a_revisit_across_runs(tmp_path: Path) -> None:
    info = {"software": "test"}
    one = WarcFiles(tmp_path, "s-run1", max_bytes=10**9, gzip_level=3,
                    index=DigestIndex(tmp_path / "idx.sqlite3"), info=info)
    assert one.write(cap("https://a.vn/x", b"<p>same</p>")) == "response"
    one.close()
    two = WarcFiles(tmp_path, "s-run2", max_bytes=10**9, gzip_level=3,
                    index=DigestIndex(tmp_path / "idx.sqlite3"), info=info)
    assert two.write(cap("https://a.vn/x", b"<p>same</p>", date="2026-01-02T00:00:00Z")) \
        == "revisit"
    assert two.write(cap("https://a.vn/y", b"<p>new</p>")) == "response"
    two.write(cap("https://a.vn/x", b"<p>changed</p>"))
    two.close()
    first = records(tmp_path / "s-run1-0001.warc.gz")
    second = records(tmp_path / "s-run2-0001.warc.gz")
    original = next(r for r in first if r[0] == "response")
    revisit = next(r for r in second if r[0] == "revisit")
    assert revisit[1].get_header("WARC-Refers-To") == original[1].get_header("WARC-Record-ID")
    assert revisit[1].get_header("WARC-Payload-Digest") == payload_digest(b"<p>same</p>")
    assert revisit[1].get_header("WARC-Profile").endswith("identical-payload-digest")
    assert revisit[3] == b""
    assert [r[0] for r in second].count("response") == 2


def test_files_roll_over_by_size_each_record_its_own_gzip_member(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path, "s-run", max_bytes=2_000, gzip_level=3, index=None,
                      info={"software": "test"})
    for i in range(5):
        files.write(cap(f"https://a.vn/{i}", random.Random(i).randbytes(3000)))
    report = files.close()
    assert [f["file"] for f in report] == [f"s-run-{i:04d}.warc.gz" for i in range(1, 6)]
    assert not list(tmp_path.glob("*.part"))
    data = (tmp_path / "s-run-0001.warc.gz").read_bytes()
    # warcinfo + request + response = 3 gzip members, readable one by one.
    assert data.count(b"\x1f\x8b\x08") >= 3
    assert gzip.decompress(data).startswith(b"WARC/1.1\r\n")


def test_killed_run_part_file_keeps_its_complete_records(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path, "s-dead", max_bytes=10**9, gzip_level=3, index=None,
                      info={"software": "test"})
    files.write(cap("https://a.vn/1", b"<p>one</p>"))
    files.write(cap("https://a.vn/2", b"<p>two</p>"))
    files._out.flush()  # killed here: never closed, never renamed
    part = tmp_path / "s-dead-0001.warc.gz.part"
    size = part.stat().st_size
    with part.open("ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00torn")
    assert salvage_parts(tmp_path, "s", "other-run") == ["s-dead-0001.warc.gz"]
    kept = tmp_path / "s-dead-0001.warc.gz"
    assert kept.stat().st_size == size
    assert [r[1].get_header("WARC-Target-URI") for r in records(kept) if r[0] == "response"] \
        == ["https://a.vn/1", "https://a.vn/2"]


def test_prune_ages_out_archives_and_their_revisit_index(tmp_path: Path) -> None:
    import os
    import time

    for run, url in (("old", "https://a.vn/old"), ("new", "https://a.vn/new")):
        files = WarcFiles(tmp_path, f"s-{run}", max_bytes=10**9, gzip_level=3,
                          index=DigestIndex(tmp_path / "archive-index.sqlite3"),
                          info={"software": "test"})
        files.write(cap(url, b"<p>x</p>" + run.encode()))
        files.close()
    old, new = tmp_path / "s-old-0001.warc.gz", tmp_path / "s-new-0001.warc.gz"
    long_ago = time.time() - 40 * 86400
    os.utime(old, (long_ago, long_ago))
    from crawler.store import open_store

    open_store(f"sqlite:///{tmp_path}/state.sqlite3", root=tmp_path).close()  # prune wants one
    proc = subprocess.run([sys.executable, "-m", "crawler", "prune", "--days", "30",
                           "--state", f"sqlite:///{tmp_path}/state.sqlite3",
                           "--feeds", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert not old.exists() and new.exists()
    index = DigestIndex(tmp_path / "archive-index.sqlite3")
    assert index.get("https://a.vn/old") is None and index.get("https://a.vn/new") is not None
    index.close()


def test_cdxj_indexer_indexes_the_demo_warc_at_our_offsets(demo: Any) -> None:
    """A standard CDXJ index (what pywb and other replay tools read) of our files; its
    offsets are the ones our replay index seeks to."""
    pytest.importorskip("cdxj_indexer", reason="cdxj-indexer not installed (optional)")
    from crawler.replay import ArchiveIndex

    out, first, _ = demo
    warc = out / first["archive"]["files"][0]["file"]
    tool = Path(sys.executable).parent / "cdxj-indexer"
    proc = subprocess.run([str(tool), str(warc)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-1000:]
    rows = [json.loads(line.split(" ", 2)[2]) for line in proc.stdout.splitlines()]
    cdx = {(r["url"], int(r["offset"])) for r in rows if r.get("status")}
    ours = ArchiveIndex([warc])
    mine = {(e.url, e.offset) for entries in ours.by_url.values() for e in entries}
    assert len(mine) == first["pages_fetched"]
    assert mine <= cdx


def test_next_run_keeps_the_warc_of_a_killed_run(tmp_path: Path) -> None:
    # What SIGKILL leaves: a .part with complete records and a torn tail, beside the feeds.
    dead = WarcFiles(tmp_path, "baohatinh-20260101T000000Z-dead00", max_bytes=10**9,
                     gzip_level=3, index=None, info={"software": "test"})
    dead.write(cap("https://baohatinh.vn/a-post1.html", b"<p>fetched before the kill</p>"))
    dead._out.flush()
    with (tmp_path / "baohatinh-20260101T000000Z-dead00-0001.warc.gz.part").open("ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00torn")
    manifest = run_demo(tmp_path)
    kept = tmp_path / "baohatinh-20260101T000000Z-dead00-0001.warc.gz"
    assert manifest["archive"]["salvaged"] == [kept.name]
    assert kept.is_file() and not list(tmp_path.glob("*.part"))
    assert [r[1].get_header("WARC-Target-URI") for r in records(kept) if r[0] == "response"] \
        == ["https://baohatinh.vn/a-post1.html"]
    assert manifest["articles_written"] == 36
