"""Znews (znews.vn, formerly zingnews.vn).

URLs end in ``-post<id>.html`` like the cms-post family, but the CMS is another one: an
``article.the-article`` with ``h1.the-article-title``, ``p.the-article-summary``,
``div.the-article-body`` (photos in ``table.picture`` with ``td.pCaption``; inline "read also"
cards in ``table.article``; promo ``div.notebox``), byline ``.the-article-credit p.author``,
date ``li.the-article-publish`` ("Thứ ba, 23/12/2025 09:02 (GMT+7)"), tags
``p.the-article-tags`` (links and plain spans). Topic pages list ``article.article-item`` and
page on with ``p.btnMore a`` (``/kinh-doanh-tai-chinh/trang2.html``).
"""

from __future__ import annotations

from typing import Any

from parsel import Selector

from crawler.extract.base import BodyRules
from crawler.extract.spec import PageSpec, extract_by_spec
from crawler.sites import SiteProfile

FAMILY = "the-article"
EXTRACTOR_VERSION = "znews/2026.03"

SPEC = PageSpec(
    family=FAMILY,
    title_css=("h1.the-article-title",),
    body_css=("div.the-article-body",),
    lead_css=("p.the-article-summary",),
    date_css=("li.the-article-publish",),
    author_css=(".the-article-credit p.author", ".the-article-author"),
    section_css=("p.the-article-category a",),
    # One union query keeps the tags in page order (links and plain spans are interleaved).
    tag_css=("p.the-article-tags a, p.the-article-tags span, p.the-article-tags strong",),
    # Each card's <a> wraps cover, h2.title and summary; link_items takes the heading.
    related_css=("table.article .inner-article > a",),
    rules=BodyRules(
        skip_css=("table.article", ".notebox", ".inner-article", "[id^=ZingNews_]",
                  ".the-article-credit"),
        image_box_css=("table.picture", "figure", "div.picture"),
        caption_css=("td.pCaption", ".caption", "figcaption"),
    ),
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one znews.vn article page into a raw article dict."""
    return extract_by_spec(html, url, SPEC)



def detect(sel: Selector) -> bool:
    """An ``article.the-article`` layout: its title and body classes."""
    return bool(sel.css("div.the-article-body")) and bool(sel.css("h1.the-article-title"))


PROFILES = [
    SiteProfile(
        slug="znews",
        name="Znews",
        domains=("znews.vn", "zingnews.vn"),
        start_urls=(
            "https://znews.vn/thoi-su.html",
            "https://znews.vn/kinh-doanh-tai-chinh.html",
            "https://znews.vn/the-gioi.html",
        ),
        article_url_patterns=(r"-post\d+\.html$",),
        id_patterns=(r"-post(\d+)\.html$",),
        list_link_css=("article.article-item .article-title a::attr(href)",),
        # The home page also has a p.btnMore, linking to an article: only "/trangN" pages.
        next_page_css=("p.btnMore a[href*='/trang']::attr(href)",),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/video", r"^/tieu-diem/", r"^/multimedia"),
        family=FAMILY,
    )
]
