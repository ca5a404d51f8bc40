"""Lao Động (laodong.vn), "Lao Động 2.0": an AngularJS page, minified, with optional end tags
omitted (no ``</p>``, ``</li>``, ``</body>``): paragraphs are bare ``<p>…<p>…`` siblings,
which an HTML parser closes at the next one.

Article pages are checked on a real page (TranVu2005__laodong_1432162.html); list pages are
not (no real list page at hand: ``article a.link-title`` cards and ``?page=N`` paging are
unverified). Article URLs ``/<category>/<slug>-<id>.ldo``. The page area is
``div[ng-controller=ChiTietTinCtrl][itemprop=articleBody]``: ``div.breadcrums`` (sic: ``h3
a.main-cat-lnk`` the section, ``h3 a.item.active`` the sub-section), ``article.article-detail``
with ``h1.title``, ``.art-info`` (``span.authors`` "Quang Minh (theo Heathline)": the source
in parentheses is no author; ``span.time`` "Thứ hai, 09/12/2024 08:00 (GMT+7)"), the sapo
``div.chappeau`` (with an inline tag link), the body ``div#gallery-ctt.art-body`` (lead photo
``figure`` + ``figcaption.image-caption``, bold pseudo-subheads ``<p><strong>Hướng dẫn
…:</strong>``), then "Tin liên quan" ``div.tin-lien-quan`` (``article a.link-title
h2.title``) and ``.art-footer .lst-tags`` tags. "Cùng chuyên mục" (``div.blk-cung-chuyen-muc``)
and "Tin nổi bật" are section feeds, not related.
"""

from __future__ import annotations

from typing import Any

from crawler.extract.base import (
    BodyRules,
    NotAnArticle,
    jsonld_article,
    jsonld_objects,
    link_items,
    same_site_url,
    select,
    selector_for,
)
from crawler.extract.spec import (
    PageSpec,
    spec_authors,
    spec_lead,
    spec_modified,
    spec_section,
    spec_tags,
    spec_title,
)
from crawler.sites import SiteProfile
from crawler.sites._kit import text_of, visible_date, walk_children

EXTRACTOR_VERSION = "laodong/2026.10"
VERIFIED_ON = ("TranVu2005__laodong_1432162.html",)

SPEC = PageSpec(
    family="laodong",
    title_css=("article.article-detail h1.title", ".article-content h1.title", "h1.title"),
    body_css=("article.article-detail .art-body", "#gallery-ctt", ".art-body"),
    lead_css=("article.article-detail .chappeau", ".chappeau", ".sapo"),
    date_css=(".art-info .time", "article.article-detail .time"),
    author_css=(".art-info .authors", ".article-content .author .name"),
    # The active sub-section first: the last crumb is the most specific.
    section_css=(".breadcrums a.item.active", ".breadcrums a.main-cat-lnk", ".breadcrumbs a"),
    tag_css=(".lst-tags a",),
    related_css=(".tin-lien-quan article a.link-title",),
    rules=BodyRules(
        skip_css=(".tin-lien-quan", ".box-related", ".ads", ".banner", ".lst-advs", "zone",
                  ".art-social", ".social-sharing"),
        image_box_css=("figure", "table.image"),
        caption_css=("figcaption", ".image-caption", ".caption"),
    ),
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one laodong.vn article page into a raw article dict."""
    sel = selector_for(html, url)
    title = spec_title(sel, SPEC)
    body = next((n for q in SPEC.body_css for n in select(sel, q)), None)
    if body is None or not title:
        missing = "article body (.art-body)" if body is None else "title (h1.title)"
        raise NotAnArticle(f"no {missing}: not an article page of laodong.vn")
    parts = walk_children(body.root, url, SPEC.rules)
    if not parts.blocks:
        raise NotAnArticle("empty body: not an article page of laodong.vn")
    objs = jsonld_objects(sel)
    ld = jsonld_article(objs)
    blocks = list(parts.blocks)
    date_line = next((t for q in SPEC.date_css for t in
                      (" ".join(n.xpath(".//text()").getall()) for n in select(sel, q)) if t),
                     None)
    ld_date = ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None
    return {
        "url": same_site_url(sel, url),
        "title": title,
        # The sapo holds a tag link: its text joins the words around it as written.
        "lead": next((t for q in SPEC.lead_css for n in select(sel, q)
                      for t in (text_of(n.root),) if t), None) or spec_lead(sel, SPEC),
        "paragraphs": [b.text for b in blocks],
        "authors": spec_authors(sel, SPEC, blocks, ld),
        "published_at": visible_date(date_line, ld_date),
        "modified_at": spec_modified(sel, ld),
        "section": spec_section(sel, SPEC, objs),
        "topics": [],
        "tags": spec_tags(sel, SPEC, ld),
        "images": parts.images,
        "related": link_items(sel, url, SPEC.related_css),
    }


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
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/tags/", r"^/tac-gia/", r"^/video/"),
        family="laodong",
        # Article pages verified on a real page; list pages are not.
        extra={"verified_on": VERIFIED_ON, "unverified": ("list pages",)},
    )
]
