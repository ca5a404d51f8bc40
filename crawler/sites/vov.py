"""VOV (vov.vn), the Voice of Vietnam's news site.

Unverified: written from what is known of the site's public markup, with no real page at hand
to pin it (``extra["unverified"]``). The site runs on Drupal: ``h1.article-title``,
``.article-date`` ("Thứ Sáu, 07:30, 29/08/2025"), ``.article-summary`` (sapo opening with
"VOV.VN - "), the body in ``.article-content`` / ``.text-long`` (photos as ``figure`` with
``figcaption``) ending in a right-aligned byline such as "Thu Hằng/VOV.VN". Article URLs end in
``-post<id>.vov``; topic pages list cards with ``a.vovvn-title`` and page on with Drupal's
zero-based ``?page=N`` (the second page is ``?page=1``).
"""

from __future__ import annotations

from typing import Any

from crawler.extract.base import BodyRules, PageSpec, extract_by_spec
from crawler.sites import SiteProfile

EXTRACTOR_VERSION = "vov/2025.09"

SPEC = PageSpec(
    family="vov",
    title_css=("h1.article-title", ".article-title h1"),
    body_css=(".article-content .text-long", ".article-content", ".text-long"),
    lead_css=(".article-summary", ".sapo"),
    date_css=(".article-date",),
    section_css=(".breadcrumb .breadcrumb-item a",),
    tag_css=(".article-tags a",),
    related_css=(".article-related a.vovvn-title", ".related-news a.vovvn-title"),
    rules=BodyRules(
        skip_css=(".article-related", ".related-news", ".ads", ".banner", ".article-tags"),
        image_box_css=("figure", "table.image"),
        caption_css=("figcaption", ".caption"),
    ),
    byline_last_line=True,
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one vov.vn article page into a raw article dict."""
    raw = extract_by_spec(html, url, SPEC)
    raw["authors"] = people_only(raw["authors"])
    return raw


def people_only(names: list[str]) -> list[str]:
    """The names before the first VOV token: bylines read "Thu Hằng/VOV.VN" or "Minh Anh/
    VOV-Miền Trung", which the byline splitter cuts at "/" into the outlet and its bureau.

    >>> people_only(["Minh Anh", "Quốc Hùng", "VOV", "Miền Trung"]), people_only(["VOV.VN"])
    (['Minh Anh', 'Quốc Hùng'], [])
    """
    out: list[str] = []
    for name in names:
        if name.casefold().startswith("vov"):
            break
        out.append(name)
    return out


PROFILES = [
    SiteProfile(
        slug="vov",
        name="VOV",
        domains=("vov.vn",),
        # With the trailing slash: articles live under the section's folder (/chinh-tri/...),
        # and the offline copy cannot hold a file and a folder of one name.
        start_urls=(
            "https://vov.vn/chinh-tri/",
            "https://vov.vn/kinh-te/",
            "https://vov.vn/xa-hoi/",
        ),
        article_url_patterns=(r"-post\d+\.vov$",),
        id_patterns=(r"-post(\d+)\.vov$",),
        list_link_css=("a.vovvn-title::attr(href)",),
        next_page_css=(
            ".pagination li.pager__item--next a::attr(href)",
            ".pagination a[rel=next]::attr(href)",
        ),
        related_link_css=tuple(f"{q}::attr(href)" for q in SPEC.related_css),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/search", r"^/tag/", r"^/video/", r"^/user"),
        family="vov",
        extra={"unverified": True},
    )
]
