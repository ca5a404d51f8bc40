"""The MEDIATECH CMS (``<meta name="author" content="MEDIATECH">``), run by baotayninh.vn (the
merged Long An / Tây Ninh paper).

Signs: theme assets under ``/themes/frontend/<site>/``, plugins under ``/app/Plugins/``, ad
slots ``<ins class="ads-zone-group" adszone-key=... adszone-position=...>`` fed through
``window.ads_zones``, print URL ``/print/news/<internal id>``; article URLs
``/<slug>-<post id>.html``.
Traps: the document opens ``<html ...></html>`` before ``<head>``: an HTML parser of the
etree kind then sees an empty root and the whole page after it, so the stray ``</html>`` is
dropped before parsing. Inside the body container ``div#content-detail`` sits a second full
document (``<!DOCTYPE ...><html><body> ... </body></html>``, an imported WordPress-style
fragment): its tags are ignored by the parser and its content is the body. The lead appears
twice: ``div.sapo`` is a 300-character cut running on into the body; the nested ``p.sapo`` is
the real one. Photos are ``div.wp-caption`` with ``p.wp-caption-text``; a mid-article ad
``<div><ins>`` sits inside a ``<p>``; the byline ``div.author > strong`` ("Tạ Nguyên/Báo Tin
tức": person / source paper) closes the nested document.
Header: ``.breadcrumbs ol.breadcrumb`` (section), ``h1.name`` (padded with tabs), ``div.date``
("Thứ 4, 01/12/2021 | 11:51:00 [GMT +7]"; JSON-LD datePublished has no zone). After the body:
``div.topics`` and ``div.relates`` (empty on the real page: their item markup is unverified),
the comment form, then "Cùng chuyên mục" (``div.block-content`` headed ``h2.title
.main-title``; cards ``h3.card-title a``).
"""

from __future__ import annotations

import re
from typing import Any

from parsel import Selector

from crawler.extract.base import (
    BodyRules,
    NotAnArticle,
    doc_index,
    jsonld_article,
    jsonld_objects,
    meta_content,
    same_site_url,
    selector_for,
    with_class,
)
from crawler.sites._kit import (
    credit_names,
    first_text_x,
    fold,
    story_links,
    text_of,
    visible_date,
    walk_children,
)

FAMILY = "mediatech"
EXTRACTOR_VERSION = "mediatech/2026.10"
ARTICLE_URL_PATTERNS = (r"^/[a-z0-9-]+-\d{4,8}\.html$",)
OUTLETS = ("baotayninh.vn",)
VERIFIED_ON = ("TranVu2005__baotayninh_88701.html",)

BODY_RULES = BodyRules(
    skip_css=(".sapo", ".author", ".ads-zone-group", ".social", ".text_to_audio", ".topics",
              ".relates", ".box-comments"),
    image_box_css=("div.wp-caption", "figure", "table.image"),
    caption_css=(".wp-caption-text", "figcaption", ".caption"),
)
RELATED_HEADINGS = ("Cùng chuyên mục", "Tin liên quan", "Đọc thêm")
# "<html ...>" closed again before "<head>": the rest of the page would land outside the root.
_EMPTY_ROOT = re.compile(r"^(\s*(?:<!DOCTYPE[^>]*>)?\s*<html\b[^>]*>)\s*</html\s*>", re.I)
_EMPTY_ROOT_BYTES = re.compile(_EMPTY_ROOT.pattern.encode(), re.I)


def detect(sel: Selector) -> bool:
    """``<meta name="author" content="MEDIATECH">`` and the body container
    ``div#content-detail``. On a page parsed whole, the metas come from the page index (no
    walk); on the split tree a raw parse makes of the stray ``</html>`` the index is empty,
    and XPath over the whole document finds them."""
    index = doc_index(sel)
    if index.metas:
        if "MEDIATECH" not in index.metas.get(("name", "author"), ()):
            return False
    elif not sel.xpath("//meta[@name='author'][@content='MEDIATECH']"):
        return False
    return bool(sel.xpath("//div[@id='content-detail']"))


def repair(html: str | bytes) -> str | bytes:
    """The page with the stray ``</html>`` before ``<head>`` removed (bytes stay bytes: no
    decoding here, the parser reads the declared charset as for any page)."""
    if isinstance(html, bytes):
        return _EMPTY_ROOT_BYTES.sub(rb"\1", html, count=1)
    return _EMPTY_ROOT.sub(r"\1", html, count=1)


def _first(els: list[Selector]) -> str | None:
    return next((t for t in (text_of(e.root) for e in els) if t), None)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one MEDIATECH article page into a raw article dict."""
    # Once repaired the tree is whole: the page index answers the class lookups (no walks).
    sel = selector_for(repair(html), url)
    found = [d for d in with_class(sel, "detail", tag="div")
             if d.root.get("id") == "content-detail"]
    title = _first(with_class(sel, "name", tag="h1")) or first_text_x(sel, "//h1")
    if not found or not title:
        missing = "body (div#content-detail)" if not found else "title (h1.name)"
        raise NotAnArticle(f"no {missing}: not an article page of the {FAMILY} CMS")
    body = found[0]
    parts = walk_children(body.root, url, BODY_RULES)
    if not parts.blocks:
        raise NotAnArticle(f"empty body: not an article page of the {FAMILY} CMS")
    credit = first_text_x(body, ".//div[contains(@class, 'author')]")
    ld = jsonld_article(jsonld_objects(sel))
    ld_pub = ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None
    ld_mod = ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None
    page = same_site_url(sel, url)
    return {
        "url": page,
        "title": title,
        "lead": first_text_x(body, ".//p[contains(@class, 'sapo')]")
        or meta_content(sel, "og:description", "description")
        or first_text_x(body, ".//div[contains(@class, 'sapo')]"),
        "paragraphs": [b.text for b in parts.blocks],
        "authors": credit_names(credit) if credit else [],
        "published_at": visible_date(_first(with_class(sel, "date", tag="div")), ld_pub),
        "modified_at": visible_date(ld_mod),
        "section": section(sel),
        "topics": [],
        "tags": [t for box in with_class(sel, "topics", tag="div")
                 for t in (text_of(a) for a in box.root.iter("a")) if t],
        "images": parts.images,
        "related": related(sel, url, page),
    }


def section(sel: Selector) -> str | None:
    crumbs = [t for box in with_class(sel, "breadcrumbs", tag="div")
              for t in (text_of(a) for a in box.root.iter("a")) if t]
    return crumbs[-1] if crumbs else meta_content(sel, "article:section")


def related(sel: Selector, url: str, page: str) -> list[dict[str, str]]:
    """``div.relates`` links, then the cards of the blocks headed "Cùng chuyên mục"."""
    wanted = {fold(h) for h in RELATED_HEADINGS}
    boxes = [b.root for b in with_class(sel, "relates", tag="div")]
    for block in with_class(sel, "block-content", tag="div"):
        heading = block.root.xpath("./h2[contains(@class, 'title')]")
        if heading and fold(text_of(heading[0])) in wanted:
            boxes.append(block.root)
    return story_links(boxes, url, ".//h3//a[@href] | .//li//a[@href]", exclude=(page,))
