"""Related boxes of the cms-post family (crawler/sites/cmspost.py), recognised by what they
are, not by one class name: a box named related news (``data-source="related-news…"``, a
class containing "relate") or headed "Đọc thêm", "Tin liên quan", "Xem thêm", "Dòng sự
kiện"... holding story items (``article.story``, ``.story__heading a`` or plain headline
links), whatever wraps it, also inline inside the body; and the section's boxes ("Tin cùng
chuyên mục", "Có thể bạn quan tâm"), which fill ``related`` only on a page with no related box
of its own (see related_items).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from parsel import Selector

from crawler.extract.dom import class_index, in_document_order, unique_links, with_attr

# Headings of boxes that hold this article's related stories, and of boxes that hold the
# section's latest or recommended stories. Compared folded (no case, no diacritics, no
# punctuation), so "TIN LIÊN QUAN", "Tin liên quan:" and NFD text all match.
RELATED_HEADINGS = frozenset({
    "doc them", "tin lien quan", "tin bai lien quan", "bai lien quan", "xem them",
    "dong su kien", "tin cung su kien", "bai viet lien quan",
})
TIMELINE_HEADINGS = frozenset({
    "tin cung chuyen muc", "cung chuyen muc", "co the ban quan tam", "tin khac",
    "bai cung chuyen muc",
})
TOPIC_HEADINGS = frozenset({"chu de"})
TAG_HEADINGS = frozenset({"tu khoa", "tag", "tags", "the"})
_LABEL_HEADINGS = TOPIC_HEADINGS | TAG_HEADINGS
_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6", "strong", "b", "header"})
_HEADING_CLASS = re.compile(r"heading|title|header", re.I)
_NON_WORD = re.compile(r"[^0-9a-z]+")
_BOX_TAGS = frozenset({"div", "section", "aside", "ul", "ol"})
# A plain link in a box is a story link when its path ends like an article's: an id of
# several digits, with or without an extension (-post123.html, .tpo, /12345.htm, -123.vnp).
_ARTICLE_HREF = re.compile(r"\d{4,}(?:\.[a-z]{2,5})?/?$", re.I)


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Text reduced to its bare letters for comparing headings.

    >>> fold("  TIN LIÊN QUAN: "), fold("Có thể bạn quan tâm"), fold("Đọc thêm »")
    ('tin lien quan', 'co the ban quan tam', 'doc them')
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NON_WORD.sub(" ", bare).strip()


def _is_story(el: Any) -> bool:
    return el.tag == "article" and "story" in (el.get(b"class") or "").split()


# --- related boxes -------------------------------------------------------------------------

@dataclass
class StoryBox:
    """A box of story links: ``related`` (this article's own: "Đọc thêm", "Tin liên quan",
    inline boxes) or ``timeline`` (the section's latest or recommended stories). Its
    ``elements``: one container, or (a heading written as a body paragraph) the heading's
    paragraph and the link paragraphs after it."""

    elements: tuple[Any, ...]
    kind: str
    heading: str


def story_boxes(root: Any, labels: dict[str, list[Any]] | None = None,
                body: Any = None) -> list[StoryBox]:
    """Every box of story links on the page that is a related or a timeline box, found by what
    it is (its heading, or a data-source naming related news) whatever its class, outermost
    box only, in page order. In the same walk, ``labels`` (when given) collects the headings
    of label boxes ("Từ khóa", "Chủ đề") by their folded text. No box is ``body`` or holds it:
    a heading whose only container is the body is a paragraph introducing link paragraphs."""
    guard = {body, *body.iterancestors()} if body is not None else set()
    found: dict[Any, StoryBox] = {}
    for el in _box_candidates(root):
        source = el.get(b"data-source")
        classes = el.get(b"class") or ""
        tag = el.tag
        if (source and source.lower().startswith("related")) or (
                tag in _BOX_TAGS and "relat" in classes.lower()):
            # A box named as related news (data-source="related-news", div.box-related,
            # div.article-relate, div.box-relate-inline): related even with no heading.
            box = _box_around(el, el, guard)
            if box is not None:
                found.setdefault(box[0], StoryBox(box, "related", source or "class"))
            continue
        if tag not in _HEADING_TAGS and not (classes and _heading_class(classes)):
            continue
        text = _short_text(el)
        if text is None:
            continue
        key = fold(text)
        if labels is not None and key in _LABEL_HEADINGS:
            labels.setdefault(key, []).append(el)
            continue
        kind = ("related" if key in RELATED_HEADINGS
                else "timeline" if key in TIMELINE_HEADINGS else None)
        if kind is None or any(_is_story(a) for a in el.iterancestors()):
            continue
        parent = el.getparent()
        box = _box_around(parent, el, guard) if parent is not None else None
        if box is not None:
            found.setdefault(box[0], StoryBox(box, kind, key))
    # A box inside another recognised box (the box-content of a headed box) is that box.
    return [b for b in found.values()
            if not any(a in found for a in b.elements[0].iterancestors())]


def _box_candidates(root: Any) -> list[Any]:
    """The elements under ``root`` (itself included) that story_boxes has to look at, in
    document order: those with a data-source, a class naming a related box or a heading, or a
    heading tag. Gathered from the page's class index and a tag-filtered walk (C-level)
    instead of looking at each of the page's thousand-odd elements in Python."""
    sel = Selector(root=root, type="html")
    classes = class_index(sel)
    found: list[Any] = list(root.iter(*_HEADING_TAGS))
    found += with_attr(sel, "data-source")
    for name, els in classes.items():
        if _names_box(name):
            found += els
    page = root.getroottree().getroot()
    if root is not page:  # a part of a page: its own elements only
        found = [el for el in found
                 if el is root or any(a is root for a in el.iterancestors())]
    return in_document_order(sel, found)


@functools.lru_cache(maxsize=4096)
def _heading_class(classes: str) -> bool:
    """A class attribute naming a heading (pages repeat their class attributes)."""
    return bool(_HEADING_CLASS.search(classes))


@functools.lru_cache(maxsize=4096)
def _names_box(name: str) -> bool:
    """A class name of a related box ("relat") or of a heading (pages repeat their names)."""
    return "relat" in name.lower() or bool(_HEADING_CLASS.search(name))


def _box_around(el: Any, heading: Any, guard: set[Any]) -> tuple[Any, ...] | None:
    """The element holding the heading and its story items: the heading's container, or up to
    two levels above it (heading and items wrapped separately), when it holds stories and, if
    its items are plain links, little else. Never the body or an element holding it (``guard``):
    there, the heading's paragraph and the link-only paragraphs right after it."""
    block = heading
    for _ in range(3):
        if el is None or el.tag in ("body", "html"):
            return None
        if el in guard:
            return _link_run(block, heading)
        links, stories = _story_scan(el, heading)
        if links and (stories or _mostly_links(el, links)):
            return (el,)
        block, el = el, el.getparent()
    return None


def _mostly_links(el: Any, links: list[Any]) -> bool:
    """The element's text is mostly its links' (a list of headlines, not a paragraph)."""
    linked = sum(len(_link_text(a)) for a in links)
    total = len(" ".join(" ".join(el.itertext()).split()))
    return total <= 1.3 * linked + 15


def _link_run(block: Any, heading: Any) -> tuple[Any, ...] | None:
    """A heading paragraph inside the body ("Xem thêm:", "Đọc thêm") and the paragraphs right
    after it that are nothing but story links: together, one box."""
    run = [block] if _story_links(block, heading) else []
    sibling = block.getnext()
    while sibling is not None and isinstance(sibling.tag, str):
        links = _story_links(sibling, sibling)
        if not links or not _mostly_links(sibling, links):
            break
        run.append(sibling)
        sibling = sibling.getnext()
    if not run:
        return None
    return (block, *run) if run[0] is not block else tuple(run)


def _story_links(box: Any, heading: Any) -> list[Any]:
    """Links of the box's story items: each ``article.story``'s heading link, else every
    ``.story__heading`` link, else the box's plain links with a headline-like text (the
    heading's own link excluded)."""
    return _story_scan(box, heading)[0]


def _story_scan(box: Any, heading: Any) -> tuple[list[Any], bool]:
    """(_story_links of the box, whether it holds stories: an ``article.story`` or a
    ``.story__heading`` link), from one look at the box."""
    links: list[Any] = []
    stories = False
    for story in box.iter("article"):
        if not _is_story(story):
            continue
        stories = True
        heads = _heading_links(story)
        link = heads[0] if heads else next(
            (a for a in story.iter("a") if _link_text(a)), None)
        if link is not None:
            links.append(link)
    if links:
        return links, True
    heads = _heading_links(box)
    if heads:
        return heads, True
    inside_heading = set(heading.iter()) if heading is not box else set()
    return [a for a in box.iter("a") if a not in inside_heading and a.get("href")
            and _ARTICLE_HREF.search(a.get("href").split("?")[0].split("#")[0])
            and len(_link_text(a).split()) >= 4], stories


def _heading_links(el: Any) -> list[Any]:
    """Links inside the ``.story__heading`` elements under ``el``."""
    # (Only elements carry a class: no tag test needed. The attribute name as bytes: lxml
    # would encode a str name again on every call, one per element of the box.)
    return [a for h in el.iter() if "story__heading" in (h.get(b"class") or "")
            for a in h.iter("a")]


def _short_text(el: Any, limit: int = 40) -> str | None:
    """The element's text when it is short enough to be a box heading, else None (read
    only as far as needed: a "header" element may hold a whole page part)."""
    if not len(el):  # no children: the element's own text is all of it
        text = " ".join((el.text or "").split())
        return text if len(text) <= limit else None
    if len(el) == 1:
        child = el[0]
        if not len(child) and isinstance(child.tag, str):
            # One leaf child (a heading's link, most candidates): its texts are all there is,
            # read directly instead of through itertext (the same texts, in the same order).
            text = " ".join(f"{el.text or ''} {child.text or ''} {child.tail or ''}".split())
            return text if len(text) <= limit else None
    parts: list[str] = []
    solid = 0  # characters other than whitespace so far: the single-spaced text has them all
    for t in el.itertext():
        solid += len("".join(t.split()))
        if solid > limit:
            return None
        parts.append(t)
    text = " ".join(" ".join(parts).split())
    return text if len(text) <= limit else None


def _link_text(a: Any) -> str:
    return " ".join(" ".join(a.itertext()).split()) or (a.get("title") or "").strip()


def related_items(boxes: list[StoryBox], url: str) -> list[dict[str, str]]:
    """The article's related stories as {url, title}, in page order.

    The section's timeline and recommendation boxes ("Tin cùng chuyên mục", "Có thể bạn quan
    tâm") are the section's latest stories, not this article's: the crawl finds them on the
    section's own pages. They stand in only when the page has no related box of its own, so a
    crawl still moves on from the articles of a site that shows nothing else."""
    own = [b for b in boxes if b.kind == "related"]
    return unique_links(((a.get("href"), _link_text(a)) for box in own or boxes
                         for el in box.elements for a in _story_links(el, el)), url)
