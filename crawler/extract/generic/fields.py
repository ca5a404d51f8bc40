"""The article's title, lead (sapo), section and tags, as the page shows them: the h1
that matches the declared title, the lead-marked element that agrees with the description
meta, the most specific breadcrumb, the links of the page's own "Từ khóa" box.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from parsel import Selector

from crawler.extract.base import (
    clean_label,
    jsonld_breadcrumb,
    meta_content,
)
from crawler.extract.generic.body import text_len, within
from crawler.extract.generic.related import SHORT_TEXTS, is_story_url
from crawler.text import normalize_text


def _words(text: str) -> set[str]:
    return set(normalize_text(text).lower().split())


def generic_title(sel: Selector, ld: dict[str, Any]) -> str | None:
    """The h1 that best matches the declared title (og:title / JSON-LD headline), else the
    declared title with its " - Site name" suffix removed."""
    declared = ld.get("headline") if isinstance(ld.get("headline"), str) else None
    declared = declared or meta_content(sel, "og:title", "twitter:title")
    h1s = [normalize_text(" ".join(h.xpath(".//text()[not(ancestor::script)]").getall()))
           for h in sel.css("h1")]
    h1s = [h for h in h1s if len(h.split()) >= 3]
    if h1s and declared:
        want = _words(declared)
        best = max(h1s, key=lambda h: len(_words(h) & want) / max(len(_words(h)), 1))
        if _words(best) & want:
            return best
    if h1s and not declared:
        return h1s[0]
    fallback = declared or sel.xpath("//title/text()").get()
    return strip_site_suffix(fallback, meta_content(sel, "og:site_name")) if fallback else None


def strip_site_suffix(title: str, site_name: str | None) -> str:
    """Drop a trailing " - Báo X" / " | site.vn" from a <title>-style string.

    >>> strip_site_suffix("Giá vàng tăng - Báo Đầu tư", None)
    'Giá vàng tăng'
    >>> strip_site_suffix("COVID-19 - những điều cần biết", None)
    'COVID-19 - những điều cần biết'
    """
    text = normalize_text(title)
    for sep in (" | ", " - ", " – "):
        head, _, tail = text.rpartition(sep)
        if not head:
            continue
        siteish = (site_name and tail.lower() == site_name.lower()) or re.search(
            r"\.(vn|com|net)\b|^báo |online$|^tuổi trẻ|^vnexpress|^dân trí", tail, re.I)
        if siteish:
            return head.strip()
    return text


_LEAD_CSS = ("[data-role=sapo]", "[class*=sapo]", "p.description", ".the-article-summary",
             "[class*=summary]", "[class*=lead]")


def generic_lead(sel: Selector, outside: Collection[Any] = ()) -> str | None:
    """The sapo: the lead-marked element (class sapo/summary/lead...) that agrees with the
    page's description meta, else that meta, else the first lead-marked element. Elements
    inside ``outside`` (related boxes, whose teasers have summaries too) are not leads."""
    described = normalize_text(meta_content(sel, "og:description", "description") or "")
    candidates: list[str] = []
    for q in _LEAD_CSS:
        for node in sel.css(q):
            if any(within(node.root, box) for box in outside):
                continue
            text = normalize_text(" ".join(node.xpath(".//text()").getall()))
            if len(text) >= 40:
                candidates.append(text)
    if described:
        key = described[:30].lower()
        for text in candidates:
            if text.lower().startswith(key) or described.lower().startswith(text[:30].lower()):
                return text
        return described
    return candidates[0] if candidates else None


def lead_elements(container: Selector) -> set[Any]:
    """Sapo elements inside the text block (the lead is a field of its own): marked as such
    by class and long enough to be one."""
    return {node.root for q in _LEAD_CSS for node in container.css(q)
            if node.root is not container.root
            and len(normalize_text(" ".join(node.xpath(".//text()").getall()))) >= 40}


def generic_section(sel: Selector, objs: list[dict[str, Any]], title: str = "") -> str | None:
    """The most specific breadcrumb above the article: JSON-LD BreadcrumbList, else the
    article:section meta, else breadcrumb links; a last crumb naming the article itself
    (laodong's JSON-LD ends with the story) is left out."""
    crumbs = [c for c in jsonld_breadcrumb(objs) if not _names_title(c, title)]
    if crumbs:
        return crumbs[-1]
    section = meta_content(sel, "article:section")
    if section and not is_placeholder_section(section):
        return section
    links = [clean_label(" ".join(a.xpath(".//text()").getall()))
             for a in sel.css("[class*=breadcrumb] a")]
    links = [x for x in links if x and not is_placeholder_section(x)
             and not _names_title(x, title)]
    if links:
        return links[-1]
    crumbs = visible_crumbs(sel, title)
    return crumbs[-1] if crumbs else None


# Values a CMS fills in where no section was chosen ("article:section" = "News").
_PLACEHOLDER_SECTIONS = frozenset({"news", "tin tức", "tin", "home", "trang chủ", "article",
                                   "bài viết", "blog", "post", "posts"})


def is_placeholder_section(name: str) -> bool:
    """A section value that names no section.

    >>> is_placeholder_section("News"), is_placeholder_section("Y tế 360")
    (True, False)
    """
    return normalize_text(name).strip(" :»›>-").casefold() in _PLACEHOLDER_SECTIONS


# A class or id naming a crumb trail or the story's category line above the headline
# ("breadcrumb", "category-text", "titlecate", "chuyen-muc").
_CRUMB_ATTR = re.compile(r"crumb|titlecate|(?:^|[\s_-])(?:cate|category|categories|chuyen-?muc)"
                         r"(?:$|[\s_-])", re.I)
_CRUMB_MAX_LINKS = 4
_CRUMB_MAX_WORDS = 5


def visible_crumbs(sel: Selector, title: str = "") -> list[str]:
    """The section names of the crumb trail shown above the headline: the element nearest
    before the article's h1 whose class/id says crumbs or category, holding one to four
    short links to section pages (not stories) and little other text. Menus hold more links;
    boxes after the headline are other stories' categories."""
    order = {el: i for i, el in enumerate(sel.root.iter())}
    key = normalize_text(title).casefold()[:40]
    h1s = list(sel.root.iter("h1"))
    headline = next((h for h in h1s if key and normalize_text(
        " ".join(h.itertext())).casefold().startswith(key)), h1s[-1] if h1s else None)
    limit = order.get(headline, len(order))
    best: list[str] = []
    for el in sel.root.iter("div", "nav", "ul", "ol", "p", "span", "h1", "h2", "h3"):
        if order.get(el, 0) >= limit:
            break
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _CRUMB_ATTR.search(attrs):
            continue
        anchors = [a for a in el.iter("a") if (a.get("href") or "").strip()]
        names = [clean_label(normalize_text(" ".join(a.itertext()))) for a in anchors]
        pairs = [(a, n) for a, n in zip(anchors, names, strict=True)
                 if n and not is_placeholder_section(n)]
        if not pairs or len(anchors) > _CRUMB_MAX_LINKS + 1:
            continue
        if any(len(n.split()) > _CRUMB_MAX_WORDS or is_story_url(a.get("href")) for a, n in pairs):
            continue
        if text_len(el) > sum(len(n) for _, n in pairs) + 20:
            continue  # a date or a byline beside the links: not a trail of its own
        best = [n for _, n in pairs]
    return best


def _names_title(crumb: str, title: str) -> bool:
    a, b = normalize_text(crumb).lower(), normalize_text(title).lower()
    return bool(a and b) and len(a) >= 20 and (a.startswith(b[:40]) or b.startswith(a[:40]))


# One class token naming a tag box: "tags", "tag_item", "tagdetail", "article__tags",
# "post-tag", "keywords", "tu-khoa" (not "tagline").
_TAG_TOKEN = re.compile(r"^(?!tagline)(tags?(?:[-_]?[a-z]*)?|[\w-]*[-_]tags?|[\w-]*keywords?"
                        r"|tu-?khoa|tukhoa)$", re.I)
_TAG_LABEL = re.compile(r"^\W*(từ khóa|từ khoá|tags?|keywords?)\W*$", re.I)
_TAG_MAX_CHARS = 60


def visible_tags(sel: Selector) -> list[str]:
    """The tag links of the page's "Từ khóa" box: a box whose class says tags/keywords (or
    headed "Từ khóa:"/"Tags"), or links marked itemprop=keywords. Meta keywords hold site
    boilerplate and separators; the box is what the page shows."""
    boxes: list[Any] = []
    for el in sel.root.iter("div", "ul", "p", "section", "span", "footer"):
        tokens = f"{el.get('class') or ''} {el.get('id') or ''}".split()
        if any(_TAG_TOKEN.match(t) for t in tokens) and not any(within(el, b) for b in boxes):
            boxes.append(el)
    for node in SHORT_TEXTS(sel.root):
        if _TAG_LABEL.match(str(node)):
            label = node.getparent()
            box = label.getparent() if label is not None else None
            while box is not None and box.tag in ("span", "strong", "b", "h3", "h4", "i"):
                box = box.getparent()
            if box is not None and box.tag not in ("body", "html"):
                boxes.append(box)
    keyword_links = [a for a in sel.root.iter("a") if a.get("itemprop") == "keywords"
                     or "tag" in (a.get("data-content-name") or "")]
    if keyword_links:
        return _tag_texts(keyword_links)
    # The article's own box is the first one after the headline: trending-tag strips sit in
    # the page header and footer.
    order = {el: i for i, el in enumerate(sel.root.iter())}
    h1 = next(sel.root.iter("h1"), None)
    start = order.get(h1, -1)
    for box in sorted(boxes, key=lambda b: order.get(b, 0)):
        if order.get(box, 0) > start:
            # Links, and plain words some CMSs print unlinked (znews' <strong> tags).
            items = [el for el in box.iter("a", "span", "strong", "b")
                     if el.tag == "a" or (not len(el) and not any(
                         x.tag == "a" for x in el.iterancestors()))]
            tags = _tag_texts(items)
            if tags:
                return tags
    return []


def _tag_texts(items: list[Any]) -> list[str]:
    out: list[str] = []
    for a in items:
        raw = normalize_text(" ".join(a.itertext()))
        text = clean_label(raw)
        if text and len(text) <= _TAG_MAX_CHARS and not _TAG_LABEL.match(text) \
                and not raw.rstrip().endswith(":") and text not in out:
            out.append(text)
    return out


def generic_tags(sel: Selector, ld: dict[str, Any]) -> list[str]:
    """The tags the page shows. Keyword metas (article:tag, news_keywords, JSON-LD keywords)
    are not read: on the real pages they hold SEO phrases, the site's name and separators
    where the page shows no tags at all (vov: nine article:tag metas, no tag box)."""
    values = visible_tags(sel)
    out: list[str] = []
    for v in (clean_label(x) for x in values):
        if v and v not in out:
            out.append(v)
    return out


