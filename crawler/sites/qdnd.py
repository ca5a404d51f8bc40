"""Quân đội Nhân dân (qdnd.vn): a DotNetNuke site (whole page in an ASP.NET ``<form
id="Form">`` with ``__VIEWSTATE``, ``dnn_*`` ids, skin under ``/Portals/_default/Skins/TN/``).

Article pages, checked on a real page (TranVu2005__qdnd_813419.html): URLs
``/<section>/<sub>/<slug>-<id>`` with no extension; ``div.brcrum-title`` breadcrumb links;
``span.post-subinfo > span`` the visible date ("Chủ nhật, 26/01/2025 - 15:29", the only one
besides JSON-LD); ``h1.post-title`` (longer than og:title, which is cut); the sapo
``div.post-summary > p``; the body ``div.post-content > div[itemprop=articleBody]`` with
photos as ``table.imgEditor`` (caption row ``tr.alt_imgEditor``), closing with a bold agency
credit (``<p><strong>TTXVN</strong></p>``) and a promo line ("* Mời bạn đọc vào chuyên mục
... xem các tin, bài liên quan."), both left out. Related: the inline ``div.post-relate``
(``article.float-image``) after the body and the "TIN TỨC LIÊN QUAN" box
(``div[id$=vbRelated_divtinlienquan]``, ``article h3 a``); "TIN MỚI CẬP NHẬT" and "ĐỌC
NHIỀU" are not. Tags ``div.post-tag a[itemprop=keywords]``. The JSON-LD author is an agency
address, not a person.

List pages are unverified (no real list page at hand): links are taken from any ``<a>``
whose path has the article shape, the next page from the usual rel=next forms.
"""

from __future__ import annotations

import re
from typing import Any

from crawler.extract.base import (
    BodyRules,
    NotAnArticle,
    jsonld_article,
    jsonld_objects,
    meta_content,
    same_site_url,
    selector_for,
    with_class,
)
from crawler.sites import GENERIC_NEXT_PAGE_CSS, SiteProfile
from crawler.sites._kit import (
    bold_only,
    credit_names,
    first_text_x,
    story_links,
    text_of,
    visible_date,
    walk_children,
)

EXTRACTOR_VERSION = "qdnd/2026.10"
VERIFIED_ON = ("TranVu2005__qdnd_813419.html",)

BODY_RULES = BodyRules(
    skip_css=(".post-relate", ".adsbygoogle", ".dbox"),
    image_box_css=("figure",),
    caption_css=("figcaption", ".caption"),
)
# "* Mời bạn đọc vào chuyên mục Y tế xem các tin, bài liên quan."
_PROMO = re.compile(r"^\*?\s*mời (?:quý )?(?:bạn đọc|độc giả)", re.IGNORECASE)
_RELATED_ITEMS = ".//article//h3//a[@href] | .//article/a[@href][@title]"


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one qdnd.vn article page into a raw article dict."""
    sel = selector_for(html, url)
    # Class lookups through the page index: no walk over the whole document.
    content = with_class(sel, "post-content", tag="div")
    body = (content[0].xpath(".//div[@itemprop='articleBody']") or content[:1]) \
        if content else []
    heading = with_class(sel, "post-title", tag="h1")
    title = text_of(heading[0].root) if heading else None
    if not body or not title:
        missing = "body (div.post-content)" if not body else "title (h1.post-title)"
        raise NotAnArticle(f"no {missing}: not an article page of qdnd.vn")
    container = body[0].root
    promos = [p for p in container.xpath("./p") if _PROMO.match(text_of(p))]
    closing = [p for p in container.xpath("./p[normalize-space()]") if p not in promos]
    credit = closing[-1] if closing and bold_only(closing[-1]) \
        and len(text_of(closing[-1])) <= 60 else None
    # The closing bold credit ("TTXVN", or a reporter's name) is a byline, not text.
    authors = credit_names(text_of(credit)) if credit is not None else []
    parts = walk_children(container, url, BODY_RULES,
                          skip=lambda el: el is credit or el in promos)
    blocks = parts.blocks
    if not blocks:
        raise NotAnArticle("empty body: not an article page of qdnd.vn")
    ld = jsonld_article(jsonld_objects(sel))
    ld_pub = ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None
    ld_mod = ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None
    crumbs = [text_of(a) for box in with_class(sel, "brcrum-title", tag="div")
              for a in box.root.iter("a")]
    page = same_site_url(sel, url)
    boxes = [b.root for b in with_class(sel, "post-relate", "rel-post", tag="div")]
    return {
        "url": page,
        "title": title,
        "lead": next((t for b in with_class(sel, "post-summary", tag="div")
                      for t in (text_of(b.root),) if t), None)
        or meta_content(sel, "og:description", "description"),
        "paragraphs": [b.text for b in blocks],
        "authors": authors,
        # The date line sits just before the headline: span.post-subinfo > span.
        "published_at": visible_date(first_text_x(
            heading[0], "preceding-sibling::span[contains(@class, 'post-subinfo')][1]/span"),
            ld_pub),
        "modified_at": visible_date(ld_mod),
        "section": next((c for c in reversed(crumbs) if c), None),
        "topics": [],
        "tags": [t for box in with_class(sel, "post-tag", tag="div")
                 for t in (text_of(a) for a in box.root.iter("a")) if t],
        "images": parts.images,
        "related": story_links(boxes, url, _RELATED_ITEMS, exclude=(page,)),
    }


ARTICLE_PATTERN = r"^/[a-z0-9-]+/(?:[a-z0-9-]+/)?[a-z0-9-]+-\d{5,8}$"

PROFILES = [
    SiteProfile(
        slug="qdnd",
        name="Quân đội Nhân dân",
        domains=("qdnd.vn",),
        start_urls=(
            "https://www.qdnd.vn/chinh-tri",
            "https://www.qdnd.vn/quoc-phong-an-ninh",
            "https://www.qdnd.vn/xa-hoi",
        ),
        article_url_patterns=(ARTICLE_PATTERN,),
        id_patterns=(r"-(\d{5,8})$",),
        # Unverified list markup: any link of the article shape (filtered by the pattern).
        list_link_css=("article a::attr(href)", "h3 a::attr(href)", "h2 a::attr(href)"),
        next_page_css=GENERIC_NEXT_PAGE_CSS,
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/tag/", r"^/video", r"^/Portals/"),
        family="dnn",
        extra={"verified_on": VERIFIED_ON, "unverified": ("list pages",)},
    )
]
