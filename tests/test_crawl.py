"""A full offline crawl of the Báo Hà Tĩnh copy: exactly the expected articles, each once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, SITE_ROOT, CrawlResult, load_expected_articles, run_crawl

from crawler.items import json_schema


@pytest.fixture(scope="module")
def crawl(mirror: str, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    out = tmp_path_factory.mktemp("crawl")
    result = run_crawl("baohatinh", mirror, out)
    assert result.returncode == 0, result.log[-3000:]
    return result


def test_crawl_emits_exactly_the_expected_articles(crawl: CrawlResult) -> None:
    expected = set(load_expected_articles()["baohatinh.vn"])
    urls = [item["url"] for item in crawl.items]
    assert len(expected) >= 25
    assert set(urls) == expected, (
        f"missing {sorted(expected - set(urls))}, unexpected {sorted(set(urls) - expected)}"
    )


def test_no_article_twice(crawl: CrawlResult) -> None:
    for key in ("url", "article_id", "fingerprint"):
        counts = Counter(item[key] for item in crawl.items)
        assert [k for k, n in counts.items() if n > 1] == [], key


def test_no_non_article_dead_or_offsite_page(crawl: CrawlResult) -> None:
    expected = load_expected_articles()
    urls = {item["url"] for item in crawl.items}
    for kind in ("not_articles", "dead", "offsite"):
        assert urls.isdisjoint(expected.get(kind, [])), kind
    assert all(item["site"] == "baohatinh.vn" for item in crawl.items)
    stats = crawl.manifest["counters"]
    assert stats.get("extract/not_article", 0) >= 2
    assert stats.get("fetch/http_404", 0) >= 1


def test_every_item_is_valid_against_the_schema(crawl: CrawlResult) -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    for item in crawl.items:
        errors = [e.message for e in validator.iter_errors(item)]
        assert errors == [], (item["url"], errors)


def test_feed_is_utf8_jsonl_without_escapes_named_by_run(crawl: CrawlResult) -> None:
    assert len(crawl.feed_files) == 1
    feed = crawl.feed_files[0]
    assert feed.name == f"baohatinh-{crawl.manifest['run_id']}-0001.jsonl"
    text = feed.read_text("utf-8")
    assert "\\u" not in text
    assert "Hà Tĩnh" in text
    assert not list(feed.parent.glob("*.part"))


def test_manifest_counts_match_feed(crawl: CrawlResult) -> None:
    assert crawl.manifest["articles_written"] == len(crawl.items)
    assert crawl.manifest["status"] == "finished"
    assert crawl.manifest["pages_fetched"] > len(crawl.items)


def related_only_articles() -> set[str]:
    """Expected articles whose id appears on no list page (home, topics, pagination)."""
    host = SITE_ROOT / "baohatinh.vn"
    list_pages = [host / "index.html", *host.glob("*/index.html*")]
    listed = "".join(p.read_text("utf-8") for p in list_pages)
    out = set()
    for url in load_expected_articles()["baohatinh.vn"]:
        article_id = url.rsplit("-post", 1)[1].removesuffix(".html")
        if f"post{article_id}" not in listed and f"/{article_id}.htm" not in listed:
            out.add(url)
    return out


def test_related_only_articles_were_found(crawl: CrawlResult) -> None:
    related_only = related_only_articles()
    assert len(related_only) >= 5, "the fixture has articles reachable only via Đọc thêm"
    assert related_only <= {item["url"] for item in crawl.items}


def test_demo_command_writes_a_feed_and_summary(mirror: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--output", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "articles written" in proc.stdout
    feeds = list(tmp_path.glob("baohatinh-*.jsonl"))
    assert len(feeds) == 1
    lines = [json.loads(x) for x in feeds[0].read_text("utf-8").splitlines()]
    assert len(lines) == len(load_expected_articles()["baohatinh.vn"])
