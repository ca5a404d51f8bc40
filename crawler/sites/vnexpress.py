"""VnExpress (vnexpress.net).

Article pages: ``h1.title-detail``, ``p.description`` (sapo), ``article.fck_detail`` with
``p.Normal`` paragraphs and ``figure.tplCaption`` photos (lazy ``img[data-src]``, caption in
``figcaption p.Image``); the byline is the last, right-aligned ``p.Normal`` ("<strong>Hà
Thu</strong> <em>(tổng hợp)</em>"); the date is ``span.date`` ("Thứ bảy, 7/3/2026, 00:05
(GMT+7)") and ``meta[itemprop=datePublished]``. Article URLs end in ``-<7 digits>.html``;
topic pages list ``article.item-news`` and page on with ``a.next-page`` (``/kinh-doanh-p2``).
"""

from __future__ import annotations

from typing import Any

from crawler.extract.base import BodyRules
from crawler.extract.spec import PageSpec, extract_by_spec
from crawler.sites import SiteProfile

EXTRACTOR_VERSION = "vnexpress/2026.03"

SPEC = PageSpec(
    family="vnexpress",
    title_css=("h1.title-detail", "h1.title-post"),
    body_css=("article.fck_detail", ".fck_detail"),
    lead_css=("p.description",),
    date_css=("span.date",),
    section_css=("ul.breadcrumb li a",),
    related_css=(".box_tinlienquan .title-news a", ".box-tinlienquanv2 .title-news a"),
    rules=BodyRules(
        skip_css=(".box-tinlienquanv2", ".box_tinlienquan", ".banner", ".box_embed_video",
                  "#article-end", ".box-tinlienquan"),
        image_box_css=("figure", "table.tplCaption"),
        caption_css=("figcaption", "p.Image", ".Image"),
    ),
    byline_last_line=True,
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one vnexpress.net article page into a raw article dict."""
    return extract_by_spec(html, url, SPEC)


PROFILES = [
    SiteProfile(
        slug="vnexpress",
        name="VnExpress",
        domains=("vnexpress.net",),
        start_urls=(
            "https://vnexpress.net/thoi-su",
            "https://vnexpress.net/kinh-doanh",
            "https://vnexpress.net/the-gioi",
        ),
        article_url_patterns=(r"-\d{6,}\.html$",),
        id_patterns=(r"-(\d{6,})\.html$",),
        list_link_css=(".title-news a::attr(href)",),
        next_page_css=("a.next-page::attr(href)",),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/video", r"^/podcast", r"^/tag/"),
        family="vnexpress",
        rss_feeds=("https://vnexpress.net/rss/tin-moi-nhat.rss",),
    )
]
