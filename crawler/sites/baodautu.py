"""Báo Đầu tư (baodautu.vn).

Article pages: ``div.title-detail`` (no h1), ``div.sapo_detail``, body
``div#content_detail_news`` with ``p.p1``/``p.p3`` paragraphs and photos in
``table.MASTERCMS_TPL_TABLE`` (caption ``td.media-caption``); byline ``a.author`` followed by
``span.post-time`` ("- 07/03/2026 08:47"); there are no date metas, no JSON-LD article. A
"TIN LIÊN QUAN" list sits between sapo and body, tags ``a.tag_detail_item`` ("#AAT").
Article URLs end in ``-d<id>.html``, topic pages in ``-d<n>/`` and page on with ``pN``
links in ``nav.pagation``.
"""

from __future__ import annotations

from typing import Any

from crawler.extract.base import BodyRules
from crawler.extract.spec import PageSpec, extract_by_spec
from crawler.sites import SiteProfile

EXTRACTOR_VERSION = "baodautu/2026.03"

SPEC = PageSpec(
    family="baodautu",
    title_css=("div.title-detail", "h1.title-detail"),
    body_css=("#content_detail_news",),
    lead_css=("div.sapo_detail",),
    date_css=(".author-share-top .post-time",),
    author_css=(".author-share-top a.author",),
    section_css=(".col630 > .text-uppercase a",),
    tag_css=("a.tag_detail_item",),
    related_css=(".list_news_relation_top li a", ".news_relate_one .info_news_relate_one a"),
    rules=BodyRules(
        skip_css=("#boxcauhoi", ".list_news_relation_top", ".news_relate_one", ".banner"),
        image_box_css=("table.MASTERCMS_TPL_TABLE", "figure", "table.image"),
        caption_css=("td.media-caption", "figcaption", ".caption"),
    ),
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one baodautu.vn article page into a raw article dict."""
    return extract_by_spec(html, url, SPEC)


PROFILES = [
    SiteProfile(
        slug="baodautu",
        name="Báo Đầu tư",
        domains=("baodautu.vn",),
        start_urls=(
            "https://baodautu.vn/thoi-su-d1/",
            "https://baodautu.vn/dau-tu-d2/",
            "https://baodautu.vn/tai-chinh-chung-khoan-d6/",
        ),
        article_url_patterns=(r"-d\d{4,}\.html$",),
        id_patterns=(r"-d(\d{4,})\.html$",),
        list_link_css=(
            ".news_focus article a.fbold::attr(href)",
            "article .desc_list_news_home a.fbold::attr(href)",
            "article a.title_thumb_square::attr(href)",
            "article.news_top_box a.fbold::attr(href)",
        ),
        next_page_css=("nav.pagation a.pagation_item.active + a.pagation_item::attr(href)",),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/tag/", r"^/video"),
        family="baodautu",
    )
]
