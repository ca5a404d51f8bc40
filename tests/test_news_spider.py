"""The news spider: several profiles at once, or any start URL, profile or not."""

from __future__ import annotations

from pathlib import Path

from conftest import SITE_ROOT, load_expected_articles, run_crawl

from crawler.server import serve_in_thread


def sibling_copy(tmp: Path, host: str) -> Path:
    """The Báo Hà Tĩnh copy moved to another host: a sibling paper on the same CMS."""
    root = tmp / "site"
    for page in (SITE_ROOT / "baohatinh.vn").rglob("*"):
        if page.is_file():
            target = root / host / page.relative_to(SITE_ROOT / "baohatinh.vn")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page.read_text("utf-8").replace("baohatinh.vn", host), "utf-8")
    return root


def test_news_spider_crawls_a_sibling_site_it_has_no_profile_for(tmp_path: Path) -> None:
    server, base = serve_in_thread(0, sibling_copy(tmp_path, "baonghean.vn"))
    try:
        result = run_crawl("news", base, tmp_path / "out",
                           "-a", "start=https://baonghean.vn/chinh-tri/")
    finally:
        server.shutdown()
    assert result.returncode == 0, result.log[-3000:]
    urls = {i["url"] for i in result.items}
    assert all(u.startswith("https://baonghean.vn/") for u in urls)
    # From one topic (3 pages) and the related links it reaches: most of the site.
    expected = {u.replace("baohatinh.vn", "baonghean.vn")
                for u in load_expected_articles()["baohatinh.vn"]}
    assert len(urls) >= 20 and urls <= expected
    seed = next(i for i in result.items if i["article_id"] == "266105")
    assert seed["related"] and seed["images"] and seed["authors"] == ["Thu Hà"]


def test_news_spider_with_sites_matches_the_site_spider(mirror: str, tmp_path: Path) -> None:
    result = run_crawl("news", mirror, tmp_path, "-a", "sites=baohatinh")
    assert result.returncode == 0
    assert {i["url"] for i in result.items} == set(load_expected_articles()["baohatinh.vn"])
