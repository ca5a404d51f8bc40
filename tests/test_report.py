"""The per-site run table (manifest), and the HTML report built from manifests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, CrawlResult, load_expected_articles, run_crawl
from lxml import html as lxml_html

from crawler.report import render, resolve
from crawler.summary import COVERAGE_FIELDS, Timeline


@pytest.fixture(scope="module")
def two_runs(mirror: str, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, CrawlResult, CrawlResult]:
    out = tmp_path_factory.mktemp("report")
    first = run_crawl("baohatinh", mirror, out)
    second = run_crawl("baohatinh", mirror, out)
    return out, first, second


def figures(page: str) -> list[tuple[str, str, str]]:
    doc = lxml_html.fromstring(page)
    return [(el.get("data-run"), el.get("data-ptr"), el.text_content())
            for el in doc.xpath("//*[@data-ptr]")]


def shown(value: Any) -> str:
    return "–" if value is None else str(value)


def test_manifest_per_site_table(two_runs: tuple[Path, CrawlResult, CrawlResult]) -> None:
    _, first, _ = two_runs
    assert first.returncode == 0, first.log[-2000:]
    m = first.manifest
    [site] = m["sites"]
    assert site["site"] == "baohatinh.vn"
    assert site["pages_fetched"] == m["pages_fetched"]
    assert site["http_status"] == m["http_status"]
    assert site["articles"]["emitted"] == m["articles_written"] == len(first.items)
    assert site["not_articles"] == m["not_articles"]
    expected = load_expected_articles()
    # The fixture's dead link is the one failure, by reason.
    assert site["failures"] == {"HTTP 404": len(expected["dead"])}
    # Coverage equals what the feed holds.
    for name in COVERAGE_FIELDS:
        have = sum(1 for item in first.items if item.get(name))
        assert site["coverage"][name] == round(100.0 * have / len(first.items), 1), name
    assert site["extraction"] == {"profile:baohatinh": len(first.items)}
    # Drift: every article page was checked; the only misses are the deliberate non-articles.
    assert site["drift"]["checked"] == len(first.items) + site["not_articles"]
    assert site["drift"]["missing"] == {"article": site["not_articles"]}
    assert m["extractor_versions"] == {"baohatinh.vn": {"profile:baohatinh": m[
        "extractor_version"]}}
    lat = site["latency_ms"]
    assert lat["p50"] is not None and 0 < lat["p50"] <= lat["p95"]
    assert site["bytes"] > 100_000
    t = m["timeline"]
    assert sum(t["pages"]) == m["pages_fetched"] and sum(t["articles"]) == len(first.items)
    # The end-of-run log holds the table.
    assert "baohatinh.vn  pages" in first.log


def test_second_run_counts_already_seen(two_runs: tuple[Path, CrawlResult, CrawlResult]) -> None:
    _, _, second = two_runs
    assert second.returncode == 0, second.log[-2000:]
    [site] = second.manifest["sites"]
    assert site["articles"]["emitted"] == 0
    assert all(v is None for v in site["coverage"].values())


def make_report(tmp_path: Path, *sources: Path) -> str:
    target = tmp_path / "report.html"
    proc = subprocess.run([sys.executable, "-m", "crawler", "report", *map(str, sources), "-o",
                           str(target)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"wrote {target}"
    return target.read_text("utf-8")


def test_report_figures_match_manifests(two_runs: tuple[Path, CrawlResult, CrawlResult],
                                        tmp_path: Path) -> None:
    out, first, _ = two_runs
    paths = {json.loads(p.read_text("utf-8"))["run_id"]: p for p in out.glob("*.manifest.json")}
    manifests = {run_id: json.loads(p.read_text("utf-8")) for run_id, p in paths.items()}
    assert len(manifests) == 2
    # The first run alone: its details.
    page = make_report(tmp_path, paths[first.manifest["run_id"]])
    found = figures(page)
    assert len(found) > 30
    for run_id, pointer, text in found:
        assert text == shown(resolve(manifests[run_id], pointer)), (run_id, pointer)
    pointers = {p for _, p, _ in found}
    for needed in ("/sites/0/articles/emitted", "/sites/0/coverage/authors",
                   "/http_status/404", "/sites/0/failures/HTTP 404", "/timeline/bucket_seconds",
                   "/sites/0/latency_ms/p95", "/sites/0/bytes", "/sites/0/not_articles"):
        assert needed in pointers
    # Self-contained: no script, no external resource.
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "Trend over" not in page
    # Both runs (the folder): the latest in detail, and the trend per site.
    page = make_report(tmp_path, out)
    found = figures(page)
    assert {run_id for run_id, _, _ in found} == set(manifests)
    for run_id, pointer, text in found:
        assert text == shown(resolve(manifests[run_id], pointer)), (run_id, pointer)
    assert "Trend over 2 runs" in page


def test_report_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.manifest.json"
    bad.write_text("{not json", "utf-8")
    for args in ([str(tmp_path / "missing")], [str(bad)], [str(tmp_path / "empty")]):
        (tmp_path / "empty").mkdir(exist_ok=True)
        proc = subprocess.run([sys.executable, "-m", "crawler", "report", *args, "-o",
                               str(tmp_path / "r.html")], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 2
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr


def test_timeline_stays_bounded() -> None:
    t = Timeline(width=0.25)
    for i in range(10_000):
        t.add("pages", i * 0.1)
    d = t.as_dict()
    assert len(d["pages"]) <= 120 and sum(d["pages"]) == 10_000
    assert d["bucket_seconds"] >= 1000 / 120


def test_headless_chromium_renders_without_console_error(
        two_runs: tuple[Path, CrawlResult, CrawlResult], tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium): render not checked")
    _, first, _ = two_runs
    target = tmp_path / "report.html"
    target.write_text(render([first.manifest]), "utf-8")
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--enable-logging=stderr", "--v=0",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", target.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    dom = lxml_html.fromstring(proc.stdout)
    assert dom.xpath("//svg") and dom.xpath("//table")
    assert str(first.manifest["articles_written"]) in "".join(
        el.text_content() for el in dom.xpath("//*[@data-ptr='/articles_written']"))


def test_demo_explains_its_traps_and_writes_the_report(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "crawler", "demo", "--output", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "1 dead link (404) — deliberate in the offline copy" in proc.stdout
    assert "2 pages with an article URL that are not articles" in proc.stdout
    [line] = [ln for ln in proc.stdout.splitlines() if ln.strip().startswith("report ")]
    report = Path(line.split(":", 1)[1].strip())
    assert report == tmp_path / "report.html" and report.is_file()
    [manifest] = [json.loads(p.read_text("utf-8")) for p in tmp_path.glob("*.manifest.json")]
    for run_id, pointer, text in figures(report.read_text("utf-8")):
        assert run_id == manifest["run_id"]
        assert text == shown(resolve(manifest, pointer)), pointer
