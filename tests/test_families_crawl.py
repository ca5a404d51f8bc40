"""``scrapy crawl news -a start=https://<paper>/<topic>/`` on a paper with no profile: the
CMS family is recognised from the markup, its URL shapes pick the article links, and every
article comes out through the family's extractor.

Each family's copy is built in a temporary folder from its hand-written page
(fixtures/families/<family>/article.html): a topic page linking the article, and the article.
Related links are not followed (``related_depth=0``): the stories they name are not in the
copy; following them is the spider's own behaviour, tested with the site copies.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FIXTURES, run_crawl
from test_families import GOLDEN

from crawler.server import serve_in_thread

# family -> (article URL of the hand-written page, topic URL, related URLs it links).
# anphp's "-a<id>.html" and vnpt-portal's "/<cat>/<id>/<slug>/" match no generic article
# shape: only the family's ARTICLE_URL_PATTERNS let the crawl take them.
COPIES = {
    "onecms": (
        "https://baohaiphong.vn/khanh-thanh-cau-tan-vu-moi-noi-hai-bo-song-lach-tray-481516.html",
        "https://baohaiphong.vn/xa-hoi/",
        ("https://baohaiphong.vn/hop-long-cau-tan-vu-moi-479001.html",
         "https://baohaiphong.vn/phan-luong-giao-thong-dip-le-478812.html"),
    ),
    "anphp": (
        "https://baoangiang.com.vn/nong-dan-thoai-son-thu-hoach-lua-thu-dong-a512345.html",
        "https://baoangiang.com.vn/kinh-te/",
        ("https://baoangiang.com.vn/gia-lua-tang-nhe-a512300.html",
         "https://baoangiang.com.vn/thoai-son-ra-quan-lam-thuy-loi-a512200.html"),
    ),
    "mediatech": (
        "https://baotayninh.vn/tay-ninh-mo-rong-vung-trong-mi-cong-nghe-cao-160123.html",
        "https://baotayninh.vn/kinh-te/",
        ("https://baotayninh.vn/gia-mi-lat-tang-160100.html",),
    ),
    "vnptportal": (
        "https://baophuyen.vn/72/51234/mua-thu-hoach-ca-ngu-dai-duong/",
        "https://baophuyen.vn/kinh-te/",
        ("https://baophuyen.vn/kinh-te/202503/cang-ca-tien-chau-mo-rong-1a2b3c4/",),
    ),
}


def _file(root: Path, url: str) -> Path:
    parts = urlsplit(url)
    path = parts.path + ("index.html" if parts.path.endswith("/") else "")
    return root / parts.netloc / path.lstrip("/")


def build_copy(tmp: Path, family: str) -> Path:
    article_url, topic_url, _ = COPIES[family]
    root = tmp / "site"
    target = _file(root, article_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((FIXTURES / "families" / family / "article.html").read_bytes())
    topic = _file(root, topic_url)
    topic.parent.mkdir(parents=True, exist_ok=True)
    topic.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Chuyên mục</title></head>"
        "<body><h1>Chuyên mục</h1><ul>"
        f"<li><h3><a href='{urlsplit(article_url).path}'>Bài mới</a></h3></li>"
        "<li><a href='/lien-he.html'>Liên hệ</a></li></ul></body></html>", "utf-8")
    return root


@pytest.mark.parametrize("family", sorted(COPIES))
def test_news_spider_crawls_a_paper_of_the_family(tmp_path: Path, family: str) -> None:
    article_url, topic_url, related = COPIES[family]
    server, base = serve_in_thread(0, build_copy(tmp_path, family))
    try:
        result = run_crawl("news", base, tmp_path / "out", "-a", f"start={topic_url}",
                           "-a", "related_depth=0")
    finally:
        server.shutdown()
    assert result.returncode == 0, result.log[-3000:]
    urls = {i["url"] for i in result.items}
    assert urls == {article_url}, result.log[-3000:]
    item = next(i for i in result.items if i["url"] == article_url)
    # The family's extractor, not the generic one: every field as its golden test pins it.
    _, golden = GOLDEN[family]
    assert item["body"].split("\n\n") == golden["paragraphs"]
    for field in ("title", "lead", "authors", "published_at", "section", "tags", "images",
                  "related"):
        assert item[field] == golden[field], field
    assert {r["url"] for r in item["related"]} == set(related)
