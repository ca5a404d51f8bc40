"""Báo Hà Tĩnh (baohatinh.vn) and its CMS family ("cms-post").

The CMS (mcms / Hemera) is shared by nhandan.vn, sggp.org.vn, tienphong.vn, baolaocai.vn,
vietnamplus.vn and others: article URLs end in ``-post<id>.html`` (``.tpo`` at tienphong,
``.vnp`` at vietnamplus); list items are ``article.story`` with ``.story__heading a.cms-link``
and ``time.time[datetime]``; an article page has ``h1.article__title``, ``div.article__sapo``
and ``div.article__body[itemprop=articleBody]`` (paragraphs may be bare ``<div>``s, ad slots
such as ``div.sda_middle`` sit inside it). The rest varies from site to site and is read in
every form the real pages show:

- byline: a right-aligned last body line, ``div.t1 > span.t2``, ``div.article__author`` in the
  body or the footer (``.name``), ``.article__meta .author``, ``a.cms-author``; out of the body;
- tags: the ``article__tag`` / ``article__tags`` box ("Từ khóa:", '#'-prefixed links, location
  links), else ``article:tag`` metas split one tag each; topics: the "Chủ đề" box;
- related boxes, recognised by what they are, not by one class: a box named related news
  (``data-source="related-news…"``, a class containing "relate") or headed "Đọc thêm", "Tin liên
  quan", "Xem thêm", "Dòng sự kiện"... holding story items (``article.story``,
  ``.story__heading a`` or plain headline links), whatever wraps it, also inline inside the
  body; always out of the body. Section boxes headed "Tin cùng chuyên mục", "Cùng chuyên mục",
  "Có thể bạn quan tâm" hold the section's latest stories, not this article's: they fill
  ``related`` only on a page with no related box of its own (see related_items);
- captions: ``figure``/``figcaption``, ``table.picture``/``td.caption``, the PhotoCMS box,
  ``cms-photo-caption`` attributes, the lead picture ``figure.article__avatar``; a photo story
  whose text is all in captions (tienphong) keeps that text as its body.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.base import (
    Block,
    BodyRules,
    NotAnArticle,
    clean_label,
    css_values,
    first_date,
    first_text,
    jsonld_article,
    jsonld_breadcrumb,
    jsonld_names,
    jsonld_objects,
    meta_content,
    meta_contents,
    same_site_url,
    select,
    selector_for,
    walk_body,
    with_class,
)
from crawler.extract.dom import class_index, in_document_order, with_attr
from crawler.sites import SiteProfile
from crawler.text import split_authors
from crawler.urls import canonical_url

FAMILY = "cms-post"
EXTRACTOR_VERSION = "cms-post/2026.11"
# Real pages the extractor was checked on (names in shared/html; ../shared/html/truth).
VERIFIED_ON = (
    "braycolony1y__nhandan_post976641.html",
    "braycolony1y__tienphong_1874068.html",
    "braycolony1y__vietnamplus_post1125344.html",
    "twan507__tinnhanhchungkhoan_post397051.html",
)

# Domains known to run the CMS (verified: those with a page in VERIFIED_ON; tinnhanhchungkhoan
# runs the Báo Đầu tư CMS, whose article markup shares the classes this extractor reads).
OUTLETS = (
    "baohatinh.vn", "nhandan.vn", "tienphong.vn", "vietnamplus.vn", "sggp.org.vn",
    "baolaocai.vn", "plo.vn",
)
# Article URLs of the family, for the news spider on sites with no profile: -post<id> and the
# site's ending (.html; .tpo at tienphong, .vnp at vietnamplus).
ARTICLE_URL_PATTERNS = (r"-post\d+\.(?:html?|tpo|vnp)$",)

BODY_CSS = (
    "div.article__body[itemprop=articleBody]",
    "div.article__body",
    "div.cms-body",
    "[itemprop=articleBody]",
)
TITLE_CSS = ("h1.article__title", "h1.cms-title", ".article h1")
SAPO_CSS = ("div.article__sapo", ".cms-desc", "h2.article__sapo")
TIME_CSS = ".article__meta time::attr(datetime)"
# Bylines, most specific first: the CMS's author link (tinnhanhchungkhoan, with a "Tác giả"
# label and a source outlet beside it), the t1/t2 line (baolaocai), div.article__author in the
# body (nhandan) or the footer (tienphong), the author in the meta row (tienphong).
AUTHOR_CSS = (
    "a.cms-author",
    ".t1 .t2",
    ".article__author .name",
    ".article__author",
    ".article__meta .author",
)
# Elements that hold a byline or a source credit: out of the body wherever they sit.
BYLINE_CLASSES = ("t1", "article__author", "article__source", "cms-author", "author")
TAG_CLASSES = ("article__tag", "article__tags", "box-tag", "tag-list")
TOPIC_CLASSES = ("article__topic", "box-topic")
BREADCRUMB_CSS = (
    ".breadcrumb a.active",
    ".breadcrumb h2 a",
    ".breadcrumb .main a",
    ".breadcrumb li a",
)
SKIP_MARK = "data-cms-post-out"
BODY_RULES = BodyRules(
    skip_css=(
        f"[{SKIP_MARK}]", ".sda_middle", ".rennab", "[id^=sdaWeb]", ".ads_middle",
        "[id^=adsWeb]", ".adsbygoogle", ".banner", ".ads", ".social", ".share",
        ".article__tag", ".article__tags", ".article__topic", ".box-topic",
        # A fact box (goals and line-ups, key figures) set beside the story, not its text.
        ".notebox", ".cms-note",
        # A caption written as a paragraph under the image (tinnhanhchungkhoan).
        ".imgdesc", ".tts-player", ".hidden-player",
    ),
    image_box_css=(
        "table.picture", "figure", "table.image", "div.picture", "div[type=Photo]",
        "div[type=photo]",
    ),
    caption_css=(
        "td.caption", "figcaption", ".PhotoCMS_Caption", ".caption", ".image-caption",
        "td.image_desc",
    ),
)

# A photo story tells its story in the captions: figures are then plain blocks, whose
# figcaption is a paragraph in its place and whose images carry no caption.
PHOTO_STORY_RULES = replace(
    BODY_RULES,
    image_box_css=tuple(q for q in BODY_RULES.image_box_css if q != "figure"),
    caption_css=tuple(q for q in BODY_RULES.caption_css if q != "figcaption"),
)

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


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one article page of this CMS family into a raw article dict."""
    sel = selector_for(html, url)
    body = find_body(sel)
    # Most fields live in the article's container: searching it instead of the whole page
    # (thousands of elements of menus, sidebars and scripts) is most of extraction's speed.
    scope = article_scope(body) if body is not None else sel
    title = first_text(scope, TITLE_CSS) or first_text(sel, TITLE_CSS)
    if body is None or not title:
        missing = "article body (div.article__body)" if body is None else "title (h1)"
        raise NotAnArticle(f"no {missing}: not an article page of the {FAMILY} CMS")
    objs = jsonld_objects(sel)
    ld = jsonld_article(objs)
    labels: dict[str, list[Any]] = {}
    boxes = story_boxes(sel.root.getroottree().getroot(), labels, body.root)
    # Related boxes, bylines and credits inside the body are marked so the walker skips them.
    for box in boxes:
        for el in box.elements:
            el.set(SKIP_MARK, box.kind)
    for el in body.root.iter():
        if isinstance(el.tag, str) and _is_byline(el):
            el.set(SKIP_MARK, "byline")
    parts = walk_body(body, url, PHOTO_STORY_RULES if is_photo_story(body) else BODY_RULES)
    blocks = list(parts.blocks)
    images = lead_images(scope, body, url) + with_photo_captions(parts.images, body, url)
    if not blocks and any(img.get("caption") for img in images):
        # A photo story: the captions are the story's text, not notes on its pictures.
        blocks = [Block(str(img["caption"])) for img in images if img.get("caption")]
        images = [{"url": img["url"], "caption": None} for img in images]

    authors = byline_authors(scope) or byline_authors(sel)
    # The CMS may also put the author as the body's last, right-aligned line.
    if blocks and blocks[-1].right_aligned and len(blocks[-1].text) <= 80:
        last = split_authors(blocks[-1].text)
        if not authors or {fold(a) for a in last} <= {fold(a) for a in authors}:
            blocks.pop()
            authors = authors or last
    if not authors:
        authors = [a for n in jsonld_names(ld.get("author")) for a in split_authors(n)]

    return {
        "url": same_site_url(sel, url),
        "title": title,
        "lead": first_text(scope, SAPO_CSS) or meta_content(sel, "og:description",
                                                              "description"),
        "paragraphs": [b.text for b in blocks],
        "authors": authors,
        "published_at": first_date(
            scope.css(TIME_CSS).get(),
            meta_content(sel, "article:published_time"),
            ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None,
        ),
        "modified_at": first_date(
            meta_content(sel, "article:modified_time"),
            ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None,
        ),
        "section": section_of(sel, objs),
        "topics": box_labels(sel, TOPIC_CLASSES, TOPIC_HEADINGS, labels),
        "tags": box_labels(sel, TAG_CLASSES, TAG_HEADINGS, labels) or meta_tags(sel),
        "images": images,
        "related": related_items(boxes, url),
    }


def is_photo_story(body: Selector) -> bool:
    """Whether the body's text is mostly in figure captions (three or more captions of a
    sentence or more, together longer than twice the text of its paragraphs), as in
    tienphong's photo stories: then the captions are the story, not notes on pictures."""
    captions = [len(" ".join(" ".join(c.itertext()).split()))
                for c in body.root.iter("figcaption")]
    if sum(1 for n in captions if n >= 60) < 3:
        return False
    return sum(captions) > 2 * _text_outside_figures(body.root)


def _text_outside_figures(el: Any) -> int:
    """Length of the element's text outside figures, scripts and boxes marked out."""
    size = len((el.text or "").strip())
    for child in el:
        if isinstance(child.tag, str) and child.tag not in (
                "figure", "figcaption", "script", "style") and child.get(SKIP_MARK) is None:
            size += _text_outside_figures(child)
        size += len((child.tail or "").strip())
    return size


def find_body(sel: Selector) -> Selector | None:
    """The body element: BODY_CSS in order, found through the document index (one walk)."""
    for box in with_class(sel, "article__body", tag="div"):
        if box.root.get("itemprop") == "articleBody":
            return box
    for boxes in (with_class(sel, "article__body", tag="div"), with_class(sel, "cms-body")):
        if boxes:
            return boxes[0]
    nodes = sel.css(BODY_CSS[-1])  # no known class: the slow, page-wide query
    return nodes[0] if nodes else None


def article_scope(body: Selector) -> Selector:
    """The article's container (div.article) holding the body, else the whole page."""
    for ancestor in body.root.iterancestors():
        if "article" in (ancestor.get("class") or "").split():
            return Selector(root=ancestor, type="html")
    return Selector(root=body.root.getroottree().getroot(), type="html")


def _classes(el: Any) -> list[str]:
    return (el.get("class") or "").split()


def _is_byline(el: Any) -> bool:
    """A byline or credit element: one of BYLINE_CLASSES (``t1`` only with its ``t2`` name,
    so a table cell or list styled "t1" stays text)."""
    classes = _classes(el)
    if "t1" in classes:
        return any("t2" in _classes(c) for c in el.iter() if isinstance(c.tag, str))
    return any(c in BYLINE_CLASSES for c in classes if c != "t1")


def _is_story(el: Any) -> bool:
    return el.tag == "article" and "story" in (el.get("class") or "").split()


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
        source = el.get("data-source")
        classes = el.get("class") or ""
        if (source and source.lower().startswith("related")) or (
                el.tag in _BOX_TAGS and "relat" in classes.lower()):
            # A box named as related news (data-source="related-news", div.box-related,
            # div.article-relate, div.box-relate-inline): related even with no heading.
            box = _box_around(el, el, guard)
            if box is not None:
                found.setdefault(box[0], StoryBox(box, "related", source or "class"))
            continue
        if el.tag not in _HEADING_TAGS and not (classes and _HEADING_CLASS.search(classes)):
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
        if "relat" in name.lower() or _HEADING_CLASS.search(name):
            found += els
    page = root.getroottree().getroot()
    if root is not page:  # a part of a page: its own elements only
        found = [el for el in found
                 if el is root or any(a is root for a in el.iterancestors())]
    return in_document_order(sel, found)


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
        links = _story_links(el, heading)
        if links and (_has_stories(el) or _mostly_links(el, links)):
            return (el,)
        block, el = el, el.getparent()
    return None


def _has_stories(el: Any) -> bool:
    return any(_is_story(a) for a in el.iter("article")) or bool(_heading_links(el))


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
    links: list[Any] = []
    for story in box.iter("article"):
        if not _is_story(story):
            continue
        heads = _heading_links(story)
        link = heads[0] if heads else next(
            (a for a in story.iter("a") if _link_text(a)), None)
        if link is not None:
            links.append(link)
    if links:
        return links
    heads = _heading_links(box)
    if heads:
        return heads
    inside_heading = set(heading.iter()) if heading is not box else set()
    return [a for a in box.iter("a") if a not in inside_heading and a.get("href")
            and _ARTICLE_HREF.search(a.get("href").split("?")[0].split("#")[0])
            and len(_link_text(a).split()) >= 4]


def _heading_links(el: Any) -> list[Any]:
    """Links inside the ``.story__heading`` elements under ``el``."""
    return [a for h in el.iter() if "story__heading" in (h.get("class") or "")
            and isinstance(h.tag, str) for a in h.iter("a")]


def _short_text(el: Any, limit: int = 40) -> str | None:
    """The element's text when it is short enough to be a box heading, else None (read
    only as far as needed: a "header" element may hold a whole page part)."""
    if not len(el):  # no children: the element's own text is all of it
        text = " ".join((el.text or "").split())
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
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    links = [a for box in own or boxes for el in box.elements for a in _story_links(el, el)]
    for a in links:
        href, title = a.get("href"), _link_text(a)
        if not href or not title or href.startswith(("javascript:", "#")):
            continue
        link = canonical_url(href, url)
        if link not in seen:
            seen.add(link)
            out.append({"url": link, "title": title})
    return out


# --- bylines, labels, section, images ------------------------------------------------------

def byline_authors(scope: Selector) -> list[str]:
    """Authors from the first byline form present in ``scope``."""
    for q in AUTHOR_CSS:
        for node in select(scope, q):
            text = " ".join(node.xpath(".//text()[not(ancestor::script)]").getall())
            names = split_authors(text)
            if names:
                return names
    return []


def box_labels(sel: Selector, classes: tuple[str, ...], headings: frozenset[str],
               headed: dict[str, list[Any]]) -> list[str]:
    """Link texts of the boxes with one of ``classes``, else of the boxes headed by one of
    ``headings`` ("Từ khóa:", "Chủ đề"; ``headed``: such headings found on the page), without
    their '#' or list punctuation."""
    boxes = [b.root for b in with_class(sel, *classes)]
    if not boxes:
        for key in headings:
            for heading in headed.get(key, ()):
                box = _label_box(heading)
                if box is not None:
                    boxes.append(box)
    out: list[str] = []
    for box in boxes:
        for a in box.iter("a"):
            label = clean_label(" ".join(" ".join(a.itertext()).split()))
            if label and fold(label) not in headings and label not in out:
                out.append(label)
    return out


def _label_box(heading: Any) -> Any | None:
    """The nearest container of a label heading (up to three levels up) that holds links
    besides the heading."""
    own = set(heading.iter())
    el = heading.getparent()
    for _ in range(3):
        if el is None or el.tag in ("body", "html"):
            return None
        if any(a not in own for a in el.iter("a")):
            return el
        el = el.getparent()
    return None


def meta_tags(sel: Selector) -> list[str]:
    """``article:tag`` metas, one tag each, also when one meta lists them comma-separated."""
    out: list[str] = []
    for value in meta_contents(sel, "article:tag"):
        for part in value.split(","):
            label = clean_label(part)
            if label and label not in out:
                out.append(label)
    return out


def section_of(sel: Selector, objs: list[dict[str, Any]]) -> str | None:
    """The most specific section: the JSON-LD breadcrumb's last item, else the visible
    breadcrumb's active (else last) link, else the first ``article:section``."""
    crumbs = jsonld_breadcrumb(objs)
    if crumbs:
        return crumbs[-1]
    for q in BREADCRUMB_CSS:
        names = [clean_label(t) for t in css_values(sel, (q,))]
        names = [n for n in names if n]
        if names:
            return names[-1]
    section = meta_content(sel, "article:section")
    return section.split(",")[0].strip() if section else None


def lead_images(scope: Selector, body: Selector, url: str) -> list[dict[str, str | None]]:
    """The lead picture above the body (``figure.article__avatar``) with its caption."""
    out: list[dict[str, str | None]] = []
    for fig in with_class(scope, "article__avatar"):
        if body.root in fig.root.iterancestors():
            continue  # inside the body: the walker has it
        for img in fig.root.iter("img"):
            src = _img_src(img, url)
            if src:
                cap = " ".join(" ".join(t for f in fig.root.iter("figcaption")
                                        for t in f.itertext()).split())
                out.append({"url": src, "caption": cap or img.get("cms-photo-caption") or None})
    return out


def with_photo_captions(images: list[dict[str, str | None]], body: Selector,
                        url: str) -> list[dict[str, str | None]]:
    """Images whose box had no caption element get the caption the CMS keeps on the image
    itself (``cms-photo-caption``), when it has one."""
    attr = {_img_src(img, url): img.get("cms-photo-caption")
            for img in body.root.iter("img") if img.get("cms-photo-caption")}
    return [{**img, "caption": img.get("caption") or attr.get(img["url"]) or None}
            for img in images]


def _img_src(img: Any, url: str) -> str | None:
    for name in ("data-src", "data-original", "src"):
        value: str = (img.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return urljoin(url, value)
    return None


PROFILES = [
    SiteProfile(
        slug="baohatinh",
        name="Báo Hà Tĩnh",
        domains=("baohatinh.vn",),
        # The home page first: it carries the freshest stories and links (legacy .htm, m.
        # host) that topic pages do not.
        start_urls=(
            "https://baohatinh.vn/",
            "https://baohatinh.vn/chinh-tri/",
            "https://baohatinh.vn/kinh-te/",
            "https://baohatinh.vn/xa-hoi/",
        ),
        article_url_patterns=(r"-post\d+\.html$", r"/\d{5,}\.htm$"),
        id_patterns=(r"-post(\d+)\.html$", r"/(\d{5,})\.htm$"),
        list_link_css=(
            "article.story .story__heading a::attr(href)",
            "article.story .story__thumb a::attr(href)",
        ),
        next_page_css=(
            ".pagination a[rel=next]::attr(href)",
            ".pagination a.next::attr(href)",
        ),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem/", r"^/api/", r"^/tu-khoa/", r"^/dang-nhap"),
        family=FAMILY,
        rss_feeds=("https://baohatinh.vn/rss/home.rss",),
        sitemaps=("https://baohatinh.vn/sitemaps/newsindex.xml",),
    )
]

# Sibling sites of the CMS: same markup family, same extractor and link selectors as
# baohatinh, only hosts, topics and URL endings differ. extra["verified_on"] names the real
# page (../shared/html) a profile was checked on; extra["unverified"] marks one with none.
def sibling(slug: str, name: str, domain: str, topics: tuple[str, ...], *,
            host: str | None = None, ending: str = "html",
            verified_on: tuple[str, ...] = ()) -> SiteProfile:
    """A profile for another site of this CMS family (``host``: where it answers, e.g. www.)."""
    base = PROFILES[0]
    return replace(
        base,
        slug=slug,
        name=name,
        domains=(domain,),
        start_urls=tuple(f"https://{host or domain}/{t}/" for t in topics),
        article_url_patterns=(rf"-post\d+\.{ending}$",),
        id_patterns=(rf"-post(\d+)\.{ending}$",),
        rss_feeds=(),
        sitemaps=(),
        extra={"verified_on": verified_on} if verified_on else {"unverified": True},
    )


PROFILES += [
    # Real page: a World Cup story (byline div.article__author inside the body, "Tin liên
    # quan" in div.related-news, a fact box before the text, tags /tu-khoa/<Slug>-tag<id>.html).
    sibling("nhandan", "Báo Nhân Dân", "nhandan.vn", ("chinhtri", "kinhte", "xahoi"),
            verified_on=(VERIFIED_ON[0],)),
    # No real page at hand: the markup is assumed to be the family's.
    # The site answers on www.; items name the bare domain like every other site.
    sibling("sggp", "Sài Gòn Giải Phóng", "sggp.org.vn", ("xahoi", "kinhte", "thegioi"),
            host="www.sggp.org.vn"),
    # Tiền Phong ends its article URLs (and tag pages) in .tpo: /<slug>-post<id>.tpo. Real
    # page: a photo story (text in figcaptions, inline div.article-relate boxes in the body,
    # author in the meta row and the footer, '#' tags, "Xem thêm" in div.related-news).
    sibling("tienphong", "Tiền Phong", "tienphong.vn", ("xa-hoi", "kinh-te", "the-gioi"),
            ending="tpo", verified_on=(VERIFIED_ON[1],)),
]


def detect(sel: Selector) -> bool:
    """The page's markup is this CMS's article layout: its title and body classes, or a
    ``-post<id>.html`` canonical URL with the family's ``story__`` / ``article__`` classes
    (pages whose body box carries another class)."""
    import re

    from crawler.extract.base import canonical_link

    if sel.css("h1.article__title") and sel.css("div.article__body"):
        return True
    link = canonical_link(sel) or ""
    return bool(re.search(r"-post\d+\.html$", link)) and bool(
        sel.xpath('//*[contains(@class, "story__")]')) and bool(sel.css("[class*=article__]"))
