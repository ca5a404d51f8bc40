"""Offline crawls of the national sites' copies (fixtures/recipes/): each spider
finds exactly the expected articles through its profile's topic page, second page (next link
or load-more endpoint) and related boxes, each once and with its fields."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import CrawlResult, load_expected_articles, run_crawl

from fixtures.build_sites import load_sites

# slug -> host of the copy under fixtures/site/: one per fixture recipe (the unverified
# profiles, with no real page at hand, are checked against their copies all the same).
SITES = {site.slug: site.host for site in load_sites()}
NEWS_SITES = ("vnexpress", "tuoitre", "baodautu")


@pytest.fixture(scope="module")
def crawls(mirror: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, CrawlResult]:
    """Every crawl of this module, run at once: each is a subprocess spending most of its time
    starting Scrapy, so in parallel the module takes a few seconds instead of a minute."""
    jobs: dict[str, tuple[str, Path, tuple[str, ...]]] = {
        slug: (slug, tmp_path_factory.mktemp(slug), ("-a", "max_pages=2")) for slug in SITES
    }
    jobs["news"] = ("news", tmp_path_factory.mktemp("news"),
                    ("-a", f"sites={','.join(NEWS_SITES)}"))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {name: pool.submit(run_crawl, spider, mirror, out, *extra, timeout=120)
                   for name, (spider, out, extra) in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def check_items(result: CrawlResult, expected: set[str]) -> None:
    assert result.returncode == 0, result.log[-3000:]
    urls = [item["url"] for item in result.items]
    assert set(urls) == expected, (
        f"missing {sorted(expected - set(urls))}, unexpected {sorted(set(urls) - expected)}"
    )
    for key in ("url", "article_id", "fingerprint"):
        counts = Counter(item[key] for item in result.items)
        assert [k for k, n in counts.items() if n > 1] == [], key
    for item in result.items:
        assert item["title"], item["url"]
        assert item["body"], item["url"]
        assert (item["published_at"] or "").endswith("+07:00"), item["url"]
        assert item["authors"] and all(a.strip() for a in item["authors"]), item["url"]


@pytest.mark.parametrize("slug", sorted(SITES))
def test_site_crawl_emits_exactly_the_expected_articles(
    slug: str, crawls: dict[str, CrawlResult]
) -> None:
    expected = set(load_expected_articles()[SITES[slug]])
    assert len(expected) >= 4
    check_items(crawls[slug], expected)
    # Items name the site without "www." (sggp's copy is served as www.sggp.org.vn).
    assert all(item["site"] == SITES[slug].removeprefix("www.") for item in crawls[slug].items)


def test_news_spider_crawls_several_sites_at_once(crawls: dict[str, CrawlResult]) -> None:
    assert len(SITES) >= 15 and set(NEWS_SITES) <= set(SITES)  # the recipes were all found
    data = load_expected_articles()
    expected = {url for slug in NEWS_SITES for url in data[SITES[slug]]}
    check_items(crawls["news"], expected)
