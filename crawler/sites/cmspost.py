"""The CMS family ("cms-post") of Báo Hà Tĩnh (baohatinh.vn), its article extractor and
markup detector (the site profiles of the family: crawler/sites/baohatinh.py).

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
  body; always out of the body. Section boxes headed "Tin cùng chuyên mục", "Cùng chuyên
  mục", "Có thể bạn quan tâm" hold the section's latest stories, not this article's: they
  fill ``related`` only on a page with no related box of its own (the search:
  crawler/sites/_cmspost_boxes.py);
- captions: ``figure``/``figcaption``, ``table.picture``/``td.caption``, the PhotoCMS box,
  ``cms-photo-caption`` attributes, the lead picture ``figure.article__avatar``; a photo story
  whose text is all in captions (tienphong) keeps that text as its body.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.base import (
    Block,
    BodyRules,
    NotAnArticle,
    canonical_link,
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
    select_values,
    selector_for,
    walk_body,
    with_class,
)
from crawler.extract.dom import class_index, node_text
from crawler.sites._cmspost_boxes import (
    TAG_HEADINGS,
    TOPIC_HEADINGS,
    fold,
    related_items,
    story_boxes,
)
from crawler.text import split_authors

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
    for el in byline_elements(sel, body.root):
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
            next(iter(select_values(scope, TIME_CSS)), None),
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


def byline_elements(sel: Selector, body: Any) -> list[Any]:
    """The byline and credit elements of the body (``body`` itself included), found through
    the page's class index (a byline carries one of BYLINE_CLASSES) instead of a look at every
    element of the body."""
    index = class_index(sel)
    found = {el for name in BYLINE_CLASSES for el in index.get(name, ())}
    return [el for el in found
            if (el is body or body in el.iterancestors()) and _is_byline(el)]


def _is_byline(el: Any) -> bool:
    """A byline or credit element: one of BYLINE_CLASSES (``t1`` only with its ``t2`` name,
    so a table cell or list styled "t1" stays text)."""
    classes = _classes(el)
    if "t1" in classes:
        return any("t2" in _classes(c) for c in el.iter() if isinstance(c.tag, str))
    return any(c in BYLINE_CLASSES for c in classes if c != "t1")



# --- bylines, labels, section, images ------------------------------------------------------

def byline_authors(scope: Selector) -> list[str]:
    """Authors from the first byline form present in ``scope``."""
    for q in AUTHOR_CSS:
        for node in select(scope, q):
            text = node_text(node)
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


def detect(sel: Selector) -> bool:
    """The page's markup is this CMS's article layout: its title and body classes, or a
    ``-post<id>.html`` canonical URL with the family's ``story__`` / ``article__`` classes
    (pages whose body box carries another class)."""
    if sel.css("h1.article__title") and sel.css("div.article__body"):
        return True
    link = canonical_link(sel) or ""
    return bool(re.search(r"-post\d+\.html$", link)) and bool(
        sel.xpath('//*[contains(@class, "story__")]')) and bool(sel.css("[class*=article__]"))
