"""The VNPT-style portal CMS (the ``/file/<hex>/`` family), as Báo Phú Yên re-serves its
archive from ``phuyen.baodaklak.vn``.

Signs: a hidden ``div#page_info`` with 32-hex ``site_id`` / ``cate_id`` / ``article_id``;
images under ``/file/<site_id>/<mmyyyy>/``; bundles under ``/common/v2/``; a statistics
beacon ``/service/api/statistic/statcollector``; "VNPT" in the boilerplate meta keywords.
Article URLs: ``/<section>/<yyyymm>/<slug>-<7 hex>/`` (new) and ``/<cat>/<id>/<slug>/``
(legacy ids, kept in og:url). No rel=canonical, no JSON-LD, no date meta: the only date is
the visible ``time.time`` ("10:30, 15/05/2011") in the header row of
``section.section-wrapper-post-detail``; every other ``<time>`` belongs to related boxes.
The article sits in a second ``<html><body>`` nested inside ``<main>`` (the parser ignores
those tags). Title ``.detail-main-title h1.title`` (the page has three other h1: a hidden
menu heading and box headings); sapo ``.content-reply p.reply``; body
``div#content.content-detail > .td-post-content`` (pasted Word markup: ``p.MsoNormal``,
``<o:p>``, a capitals subhead per part, photos in a two-row layout ``<table>``, a final
right-aligned source line such as "Theo DTO"). After it: ``.after-author p.author`` (an
unfilled "Bút danh" placeholder on the real page), ``.tags-box .tags`` and, outside the
nested document, "Tin liên quan" (``section.section-post-detail-related h3.name a``).
"""

from __future__ import annotations

import re
from typing import Any

from parsel import Selector

from crawler.extract.base import BodyRules, NotAnArticle, selector_for
from crawler.sites._kit import (
    credit_names,
    first_text_x,
    fold,
    meta,
    story_links,
    text_of,
    visible_date,
    walk_children,
)
from crawler.urls import canonical_url, host_matches, site_of

FAMILY = "vnpt-portal"
EXTRACTOR_VERSION = "vnpt-portal/2026.10"
ARTICLE_URL_PATTERNS = (
    r"^/[a-z0-9-]+/\d{6}/[a-z0-9-]+-[0-9a-f]{6,8}/?$",
    r"^/\d{1,4}/\d{3,8}/[a-z0-9-]+/?$",
)
OUTLETS = ("baophuyen.vn",)
VERIFIED_ON = ("TranVu2005__baophuyen_64112.html",)

BODY_RULES = BodyRules(
    skip_css=(".after-author", ".tags-box", ".adsbygoogle"),
    image_box_css=("figure", "table.image"),
    caption_css=("figcaption", ".caption"),
)
_HEX_ID = re.compile(r"^[0-9A-Fa-f]{32}$")
# The CMS's unfilled pen-name field.
_PLACEHOLDERS = frozenset({"bút danh"})


def detect(sel: Selector) -> bool:
    """The hidden page-info block with a 32-hex site id."""
    site_id = sel.xpath("//div[@id='page_info']/div[@id='site_id']/text()").get() or ""
    return bool(_HEX_ID.match(site_id.strip()))


def page_url(sel: Selector, url: str) -> str:
    link = meta(sel, "og:url")
    if link:
        absolute = canonical_url(link, url)
        if host_matches(absolute, [site_of(url)]):
            return absolute
    return canonical_url(url)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one article page of the portal CMS into a raw article dict."""
    sel = selector_for(html, url)
    post = sel.xpath("//section[contains(@class, 'section-wrapper-post-detail')]")
    body = sel.xpath("//div[@id='content']//div[contains(@class, 'td-post-content')]") \
        or sel.xpath("//div[contains(@class, 'content-detail')]")
    title = first_text_x(post[0], ".//div[contains(@class, 'detail-main-title')]//h1",
                         ".//h1") if post else None
    if not post or not body or not title:
        missing = "post section" if not post else "body" if not body else "title"
        raise NotAnArticle(f"no {missing}: not an article page of the {FAMILY} CMS")
    parts = walk_children(body[0].root, url, BODY_RULES)
    blocks = list(parts.blocks)
    authors: list[str] = []
    # The body ends with a right-aligned credit: a person, or a source ("Theo DTO").
    if blocks and blocks[-1].right_aligned and len(blocks[-1].text) <= 80:
        authors = credit_names(blocks.pop().text)
    if not blocks:
        raise NotAnArticle(f"empty body: not an article page of the {FAMILY} CMS")
    if not authors:
        credit = first_text_x(post[0], ".//div[contains(@class, 'after-author')]//p")
        if credit and fold(credit) not in _PLACEHOLDERS:
            authors = credit_names(credit)
    page = page_url(sel, url)
    crumbs = [t for t in (text_of(a.root) for a in post[0].xpath(
        ".//ol[contains(@class, 'breadcrumb')]//li//a"))
        if t and fold(t) not in ("trang chủ", "home")]
    related_boxes = [n.root for n in sel.xpath(
        "//section[contains(@class, 'section-post-detail-related')]")]
    return {
        "url": page,
        "title": title,
        "lead": first_text_x(post[0], ".//div[contains(@class, 'content-reply')]")
        or meta(sel, "og:description", "description"),
        "paragraphs": [b.text for b in blocks],
        "authors": authors,
        "published_at": visible_date(first_text_x(
            post[0], ".//div[contains(@class, 'detail-header-groups')]//time",
            ".//div[contains(@class, 'wrapper-post-detail-header')]//time")),
        "modified_at": None,
        "section": crumbs[-1] if crumbs else None,
        "topics": [],
        "tags": [t for t in (text_of(a.root) for a in post[0].xpath(
            ".//div[contains(@class, 'tags-box')]//a")) if t],
        "images": parts.images,
        "related": story_links(related_boxes, url, ".//h3//a[@href]", exclude=(page, url)),
    }
