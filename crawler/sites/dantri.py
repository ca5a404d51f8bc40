"""Dân trí (dantri.com.vn), 2026 Tailwind-style markup (``dt-*`` utility classes).

Classes carry no meaning here, so the page is read through its ``data-slot`` attributes:
``article[data-slot=container]`` holds ``h1[data-slot=title]``, ``h2[data-slot=sapo]`` and
``div[data-slot=content]``; the byline is the ``/tac-gia/`` link next to ``time[datetime]``
("2026-03-07 08:07", shown as "Thứ bảy, 07/03/2026 - 08:07"). Inside the body,
``aside[data-module=related-article-in-content]`` and ``.dantri-widget`` (price tables) are not
text. The breadcrumb only exists as JSON-LD. Article URLs end in ``-<17 digits>.htm``; topic
pages page on with ``a.page-item.next`` (``/kinh-doanh/trang-2.htm``).
"""

from __future__ import annotations

from typing import Any

from crawler.extract.base import BodyRules
from crawler.extract.spec import PageSpec, extract_by_spec
from crawler.sites import SiteProfile

EXTRACTOR_VERSION = "dantri/2026.03"

SPEC = PageSpec(
    family="dantri",
    title_css=("h1[data-slot=title]", "h1.title-page", "h1.e-magazine__title"),
    body_css=("[data-slot=content]", "div.singular-content", "div.e-magazine__body"),
    lead_css=("[data-slot=sapo]", "h2.singular-sapo"),
    date_css=("[data-slot=container] time::attr(datetime)", "time.author-time::attr(datetime)"),
    author_css=("[data-slot=container] a[href*='/tac-gia/']", "div.author-name a"),
    related_css=(
        "article[data-content-name=article-related] a[data-prop=title]",  # 2026 markup
        "article.article-related .article-title a",
    ),
    rules=BodyRules(
        skip_css=("aside", ".dantri-widget", "[data-module]", ".dt-ads", ".banner"),
        image_box_css=("figure", "table.image"),
        caption_css=("figcaption", ".caption"),
    ),
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one dantri.com.vn article page into a raw article dict."""
    return extract_by_spec(html, url, SPEC)


PROFILES = [
    SiteProfile(
        slug="dantri",
        name="Dân trí",
        domains=("dantri.com.vn",),
        start_urls=(
            "https://dantri.com.vn/xa-hoi.htm",
            "https://dantri.com.vn/kinh-doanh.htm",
            "https://dantri.com.vn/the-gioi.htm",
        ),
        article_url_patterns=(r"-\d{14,}\.htm$",),
        id_patterns=(r"-(\d{14,})\.htm$",),
        list_link_css=("article.article-item .article-title a::attr(href)",),
        next_page_css=("a.page-item.next::attr(href)",),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/video", r"^/tag/", r"^/tac-gia/", r"^/chu-de/"),
        family="dantri",
    )
]
