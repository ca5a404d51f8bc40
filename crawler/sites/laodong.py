"""Lao Động (laodong.vn).

Unverified: written from what is known of the site's public markup, with no real page at hand
to pin it (``extra["unverified"]``). Article pages wrap everything in ``.article-content``:
``.breadcrumbs a`` (section), ``h1.title``, ``.art-info .time`` ("Thứ sáu, 29/08/2025 07:30
(GMT+7)") next to ``article:published_time``, the sapo in ``.chappeau`` (``.sapo`` on older
pages), the body in ``.art-body`` (photos as ``figure`` with ``figcaption``, "Tin liên quan"
boxes inside it) and the byline in ``.author``. Article URLs are ``/<section>/<slug>-<id>.ldo``;
topic pages list ``article`` cards with ``a.link-title`` and page on with ``?page=N``.
"""

from __future__ import annotations

from typing import Any

from crawler.extract.base import BodyRules, PageSpec, extract_by_spec
from crawler.sites import SiteProfile

EXTRACTOR_VERSION = "laodong/2025.09"

SPEC = PageSpec(
    family="laodong",
    title_css=(".article-content h1.title", "h1.title"),
    body_css=(".article-content .art-body", ".art-body"),
    lead_css=(".article-content .chappeau", ".chappeau", ".sapo"),
    date_css=(".art-info .time", ".article-content .time"),
    author_css=(".article-content .author .name", ".article-content .author a"),
    section_css=(".breadcrumbs a",),
    tag_css=(".lst-tags a",),
    related_css=(".box-related article a.link-title",),
    rules=BodyRules(
        skip_css=(".box-related", ".ads", ".banner", ".author", ".art-social"),
        image_box_css=("figure", "table.image"),
        caption_css=("figcaption", ".caption"),
    ),
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one laodong.vn article page into a raw article dict."""
    return extract_by_spec(html, url, SPEC)


PROFILES = [
    SiteProfile(
        slug="laodong",
        name="Lao Động",
        domains=("laodong.vn",),
        # With the trailing slash: articles live under the section's folder (/thoi-su/...),
        # and the offline copy cannot hold a file and a folder of one name.
        start_urls=(
            "https://laodong.vn/thoi-su/",
            "https://laodong.vn/kinh-doanh/",
            "https://laodong.vn/xa-hoi/",
        ),
        article_url_patterns=(r"-\d{5,}\.ldo$",),
        id_patterns=(r"-(\d{5,})\.ldo$",),
        list_link_css=(
            ".list-main-content article a.link-title::attr(href)",
            ".list-main-content article h2 a::attr(href)",
        ),
        next_page_css=(
            ".pagination a[rel=next]::attr(href)",
            ".pagination li.next a::attr(href)",
        ),
        related_link_css=tuple(f"{q}::attr(href)" for q in SPEC.related_css),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/tags/", r"^/tac-gia/", r"^/video/"),
        family="laodong",
        extra={"unverified": True},
    )
]
