"""Báo An Giang's own PHP CMS (the ``-a<id>.html`` family; not OneCMS).

Signs: article URLs ``/<slug>-a<id>.html``; ``<base href>`` on the asset host
(``images.<site>/static/templates/version1/homepage/``: relative image paths resolve there,
not to the article's host); ``body[data="cate/detail/..."]``; FCKeditor classes
(``content-fck``) around both sapo and body. No ``rel=canonical``: og:url names the page.
Article: ``ul.breadcrumb`` (h4 links), ``div.detail-title > h1``, the visible date as plain
text ``div.pubdate`` ("30/06/2023 - 14:50", no ``<time>``, no published_time meta), the sapo
``div.detail-desc .content-fck p``, the body ``#newscontents .content-fck`` ending in a
``p.author.ignore`` credit ("Theo Vietnamnet": a source, not a person). Tags
``div.detail-tag a.tag_item`` (the site appends its own boilerplate tags). Related: the
``div.detail-related`` boxes ("Bạn có thể quan tâm", "Đọc thêm"), ``li.related-item`` cards
whose title is ``h3.b-title``; the hidden "Xem thêm" extension (``div#viewest_more.an``) is
never closed in the served HTML, so parsers nest the next box inside it: hidden items are told
apart from the next box's by the nearest enclosing box.

Only one outlet is known to run it (baoangiang.com.vn, checked on a real page); sister
provincial sites on the same CMS are unverified.
"""

from __future__ import annotations

from typing import Any

from parsel import Selector

from crawler.extract.base import (
    BodyRules,
    NotAnArticle,
    canonical_link,
    jsonld_article,
    jsonld_objects,
    meta_content,
    selector_for,
    walk_body,
    with_class,
)
from crawler.sites._kit import credit_names, first_text_x, fold, link_title, text_of, visible_date
from crawler.urls import canonical_url, host_matches, site_of

FAMILY = "anphp"
EXTRACTOR_VERSION = "anphp/2026.10"
ARTICLE_URL_PATTERNS = (r"^/[a-z0-9-]+-a\d{4,8}\.html$",)
OUTLETS = ("baoangiang.com.vn",)
VERIFIED_ON = ("TranVu2005__baoangiang_367201.html",)

BODY_RULES = BodyRules(
    skip_css=(".author", ".ignore", ".boxpayk", ".detail-date-share", ".adsbygoogle"),
    image_box_css=("figure", "table.image", "table"),
    caption_css=("figcaption", ".image_caption", "td.caption", ".caption", "em"),
)
_HIDDEN = frozenset({"an", "hidden"})


def detect(sel: Selector) -> bool:
    """A ``div.detail-title`` headline next to a ``content-fck`` body in ``#newscontents``."""
    if not with_class(sel, "detail-title", tag="div"):
        return False
    return any(el.root.xpath("ancestor::*[@id='newscontents']")
               for el in with_class(sel, "content-fck", tag="div"))


def find_body(sel: Selector) -> Any | None:
    for el in with_class(sel, "content-fck", tag="div"):
        if el.root.xpath("ancestor::*[@id='newscontents']"):
            return el.root
    return None


def page_url(sel: Selector, url: str) -> str:
    """rel=canonical, else og:url, when on the fetched URL's site; else the fetched URL."""
    for link in (canonical_link(sel), meta_content(sel, "og:url")):
        if link:
            absolute = canonical_url(link, url)
            if host_matches(absolute, [site_of(url)]):
                return absolute
    return canonical_url(url)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one article page of the An Giang PHP CMS into a raw article dict."""
    sel = selector_for(html, url)
    body = find_body(sel)
    title = first_text_x(sel, "//div[contains(@class, 'detail-title')]//h1")
    if body is None or not title:
        missing = "body (#newscontents .content-fck)" if body is None else "title"
        raise NotAnArticle(f"no {missing}: not an article page of the {FAMILY} CMS")
    # Relative image paths resolve against <base href> (the asset host), as a browser does.
    base = sel.xpath("//base/@href").get() or url
    parts = walk_body(Selector(root=body, type="html"), canonical_url(base, url), BODY_RULES)
    if not parts.blocks:
        raise NotAnArticle(f"empty body: not an article page of the {FAMILY} CMS")
    credit = first_text_x(Selector(root=body, type="html"), ".//p[contains(@class, 'author')]")
    ld = jsonld_article(jsonld_objects(sel))
    ld_pub = ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None
    ld_mod = ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None
    page = page_url(sel, url)
    return {
        "url": page,
        "title": title,
        "lead": first_text_x(sel, "//div[contains(@class, 'detail-desc')]//p",
                             "//div[contains(@class, 'detail-desc')]")
        or meta_content(sel, "og:description", "description"),
        "paragraphs": [b.text for b in parts.blocks],
        "authors": credit_names(credit) if credit else [],
        "published_at": visible_date(
            first_text_x(sel, "//div[contains(@class, 'pubdate')]"), ld_pub),
        "modified_at": visible_date(ld_mod),
        "section": section(sel),
        "topics": [],
        "tags": tags(sel),
        "images": parts.images,
        "related": related(sel, url, page),
    }


def section(sel: Selector) -> str | None:
    crumbs = [t for t in (text_of(a.root) for a in sel.xpath(
        "//ul[contains(@class, 'breadcrumb')]//li//a"))
        if t and fold(t) not in ("trang chủ", "home")]
    return crumbs[-1] if crumbs else meta_content(sel, "article:section")


def tags(sel: Selector) -> list[str]:
    out: list[str] = []
    for box in with_class(sel, "detail-tag", tag="div"):
        for a in box.root.xpath(".//a[contains(@class, 'tag_item')]"):
            text = text_of(a)
            if text and text not in out:
                out.append(text)
    return out


def _visible_in(a: Any, box: Any) -> bool:
    """Is the link inside ``box`` itself (not a box nested in it) and not hidden there?"""
    for anc in a.iterancestors():
        if anc is box:
            return True
        classes = set((anc.get("class") or "").split())
        if "detail-related" in classes or classes & _HIDDEN:
            return False
    return False


def related(sel: Selector, url: str, page: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen = {page}
    for box in with_class(sel, "detail-related", tag="div"):
        for a in box.root.xpath(".//li[contains(@class, 'related-item')]"
                                "//div[contains(@class, 'b-content')]//a[@href]"):
            if not _visible_in(a, box.root):
                continue
            link = canonical_url(a.get("href").strip(), url)
            title = link_title(a)
            if title and link not in seen:
                seen.add(link)
                out.append({"url": link, "title": title})
    return out
