"""VietNamNet (vietnamnet.vn).

Article pages: ``h1.content-detail-title``, ``h2.content-detail-sapo``, body
``div#maincontent.maincontent`` (``figure.vnn-content-image`` photos with a lazy
``img[data-original]`` and a plain ``figcaption``); byline in
``.article-detail-author__info .name a``; date ``.publish-date`` ("07/03/2026 &nbsp; 08:52
(GMT+07:00)") and JSON-LD "2026-03-07T08:52:11.000 +07:00"; no rel=canonical, only og:url.
Breadcrumb ``.bread-crumb-detail > ul > li > a`` (each crumb also has a drop-down menu of
sibling zones, hence the direct-child selectors); tags ``.tag-cotnent`` (sic). Article URLs
end in ``-<7 digits>.html``; topic pages page on with ``/kinh-doanh-page1`` links.
"""

from __future__ import annotations

from typing import Any

from crawler.extract.base import BodyRules
from crawler.extract.spec import PageSpec, extract_by_spec
from crawler.sites import SiteProfile

EXTRACTOR_VERSION = "vietnamnet/2026.03"

SPEC = PageSpec(
    family="vietnamnet",
    title_css=("h1.content-detail-title", ".newsFeature__header-title"),
    body_css=("#maincontent", "div.maincontent"),
    lead_css=("h2.content-detail-sapo",),
    date_css=(".publish-date",),
    author_css=(".article-detail-author__info .name a", ".article-detail-author__info .name"),
    section_css=(".bread-crumb-detail > ul > li > a",),
    tag_css=(".tag-cotnent li h3 a", ".tag-content li h3 a"),
    related_css=(".article-relate .vnn-title a", ".related-news .vnn-title a",
                 ".related-news li h3 a"),
    rules=BodyRules(
        skip_css=(".article-relate", ".related-news", ".vnn-ads", ".banner-advertisement",
                  "[data-vnnembedtype=video]", ".box-taitro"),
        image_box_css=("figure", "table.image"),
        caption_css=("figcaption", ".caption"),
    ),
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one vietnamnet.vn article page into a raw article dict."""
    return extract_by_spec(html, url, SPEC)


PROFILES = [
    SiteProfile(
        slug="vietnamnet",
        name="VietNamNet",
        domains=("vietnamnet.vn",),
        start_urls=(
            "https://vietnamnet.vn/thoi-su",
            "https://vietnamnet.vn/kinh-doanh",
            "https://vietnamnet.vn/the-gioi",
        ),
        article_url_patterns=(r"-\d{6,}\.html$",),
        id_patterns=(r"-(\d{6,})\.html$",),
        list_link_css=(
            ".horizontalPost__main-title a::attr(href)",
            ".verticalPost__main-title a::attr(href)",
        ),
        next_page_css=(".pagination-next a::attr(href)",
                       ".pagination__list-item.active + li a::attr(href)"),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/video", r"^/tac-gia/", r"-tag\d+\.html$"),
        family="vietnamnet",
    )
]
