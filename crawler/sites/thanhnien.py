"""Thanh Niên (thanhnien.vn).

Unverified: written from what is known of the site's public markup, with no real page at hand
to pin it (``extra["unverified"]``). The CMS is the VCCorp one tuoitre.vn runs, with its own
class names next to the ``data-role`` marks: ``h1.detail-title``, ``h2.detail-sapo``,
``.detail-cmain .detail-content[data-role=content]`` (photos ``figure.VCSortableInPreviewMode``
with ``figcaption.PhotoCMS_Caption``, "read also" boxes ``[type=RelatedNewsBox]``),
``.detail-author a.name`` for the byline, ``[data-role=publishdate]`` ("29/08/2025 07:30
GMT+7"), ``.detail-cate a`` for the section. Article URLs end in ``-<18 digits>.htm`` (ids
start with 185); topic pages (``/thoi-su.htm``) show their first items and load the rest
from ``/timelinelist/<zone>/<page>.htm``, the zone id being in ``#hdZoneId``.
"""

from __future__ import annotations

from typing import Any

from crawler.extract.base import BodyRules
from crawler.extract.spec import PageSpec, extract_by_spec
from crawler.sites import SiteProfile
from crawler.sites.datarole import load_more_hook

EXTRACTOR_VERSION = "thanhnien/2025.09"
LOAD_MORE = "https://thanhnien.vn/timelinelist/{zone}/{page}.htm"

SPEC = PageSpec(
    family="thanhnien",
    title_css=("h1.detail-title", "h1[data-role=title]"),
    # The main column's content first: the same data-role marks recur in sidebar widgets.
    body_css=(
        ".detail-cmain .detail-content[data-role=content]",
        ".detail-content[data-role=content]",
        "[data-role=content][itemprop=articleBody]",
    ),
    lead_css=("h2.detail-sapo", "[data-role=sapo]"),
    date_css=("[data-role=publishdate]", ".detail-time"),
    author_css=(".detail-info .detail-author a.name", ".detail-author .author-info .name"),
    section_css=(".detail-cate a", "[data-role=cate-name]"),
    tag_css=(".detail-tab a",),
    related_css=(
        "[type=RelatedNewsBox] .kbwscwlrl-title a",
        "[type=RelatedOneNews] a.OneNewsTitle",
        ".detail__related a.box-category-link-title",
    ),
    rules=BodyRules(
        skip_css=(
            "[type=RelatedNewsBox]", "[type=RelatedOneNews]", ".readmore-body-box",
            "zone", ".c-banner", "[type=VideoStream]", ".box-author-detail",
        ),
        image_box_css=("figure.VCSortableInPreviewMode", "[type=Photo]", "figure"),
        caption_css=(".PhotoCMS_Caption", "figcaption"),
    ),
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one thanhnien.vn article page into a raw article dict."""
    return extract_by_spec(html, url, SPEC)


PROFILES = [
    SiteProfile(
        slug="thanhnien",
        name="Thanh Niên",
        domains=("thanhnien.vn",),
        start_urls=(
            "https://thanhnien.vn/thoi-su.htm",
            "https://thanhnien.vn/kinh-te.htm",
            "https://thanhnien.vn/the-gioi.htm",
        ),
        article_url_patterns=(r"-\d{15,}\.htm$",),
        id_patterns=(r"-(\d{15,})\.htm$",),
        list_link_css=(
            "a.box-category-link-title::attr(href)",
            "a.box-category-related-link-title::attr(href)",
        ),
        # No next link: pagination is the timeline endpoint (see datarole.load_more_hook).
        next_page_css=(),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/video", r"^/tac-gia", r"^/author/",
                           r"^/dang-nhap"),
        family="thanhnien",
        next_page=load_more_hook(LOAD_MORE),
        extra={"unverified": True, "load_more": LOAD_MORE, "load_more_first_page": 2},
    )
]
