"""Building blocks shared by every extractor, and the body walker that turns a content
element into paragraphs, images and an author line.

The building blocks live by concern, and are all importable from here as before:
crawler.extract.dom (parsing, the document index, selector tests and indexed CSS queries, texts
and links of matches), crawler.extract.meta (JSON-LD, OpenGraph and meta tags, canonical link,
dates) and crawler.extract.spec (declarative site specs, PageSpec and extract_by_spec).

Extraction is pure: (html, url) in, a raw article dict out. Text is kept as the page has it
(entities decoded by the parser, nothing else); crawler.extract.clean normalises it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

# Re-exported: extractors import their building blocks from this module.
from crawler.extract.dom import (
    INDEXED_TAGS,
    DocIndex,
    Test,
    _plan,
    all_texts,
    attr_value_ok,
    clean_label,
    css_values,
    decode_html,
    doc_index,
    first_text,
    link_items,
    matches_any,
    release_indexes,
    select,
    select_values,
    selector_for,
    simple_tests,
    unique_links,
    with_class,
)
from crawler.extract.meta import (
    canonical_link,
    first_date,
    jsonld_article,
    jsonld_breadcrumb,
    jsonld_keywords,
    jsonld_names,
    jsonld_objects,
    jsonld_person_names,
    meta_content,
    meta_contents,
    page_url,
    same_site_url,
)

logger = logging.getLogger(__name__)


class NotAnArticle(Exception):
    """The page is not an article page (list, video, photo story, error page...)."""


# Elements whose content is never article text, whatever the site.
NEVER_TEXT_TAGS = frozenset(
    {"script", "style", "noscript", "iframe", "ins", "form", "button", "svg", "video",
     "audio", "object", "embed", "template", "select", "input", "textarea", "link", "meta"}
)
BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "blockquote", "form", "h1", "h2", "h3", "h4", "h5", "h6",
     "ul", "ol", "li", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "figure",
     "center", "pre", "header", "footer", "aside", "main", "dl", "dt", "dd", "hr"}
)
_RIGHT_ALIGNED = re.compile(r"text-align\s*:\s*right", re.I)


# --- body walker ---------------------------------------------------------------------------

@dataclass
class Block:
    """One paragraph of text found in the body, with what the walker knows about it:
    right-aligned, wholly bold (``<b>``/``<strong>``: bylines, subheads, source lines),
    wholly italic (``<em>``/``<i>``: photo captions written as paragraphs), how many
    images of the body came before it (to pair "Ảnh: ..." lines with their image)
    and the tag of the block element holding it."""

    text: str
    right_aligned: bool = False
    bold: bool = False
    italic: bool = False
    images_before: int = 0
    tag: str = ""


@dataclass
class BodyParts:
    blocks: list[Block] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class BodyRules:
    """Per-family knowledge the walker needs: what to skip, what is an image with caption."""

    skip_css: tuple[str, ...] = ()
    image_box_css: tuple[str, ...] = ("figure", "table.picture", "table.image")
    caption_css: tuple[str, ...] = ("figcaption", ".caption", "td.caption", ".image-caption")


class _Matcher:
    """Membership test "does a rule match this element", by simple tests or a CSS set."""

    def __init__(self, body: Selector, css: tuple[str, ...], elements: Collection[Any] = ()):
        self.tests = simple_tests(css) if css else ()
        self.found: dict[Any, Selector] = {}
        self.elements = elements
        # Tests of one class alone (most skip rules: ".ads", ".share") are answered by one
        # set test on the element's classes; the others are tried one by one, those naming a
        # tag only on elements of that tag.
        self.one_class: frozenset[str] = frozenset()
        self.others: tuple[Test, ...] = ()
        # Tests of one attribute alone ("[id^=sdaWeb]", a mark set on boxes), with the name as
        # bytes (lxml encodes a str name on every call): read directly, not via matches_any.
        self.one_attr: tuple[tuple[bytes, str, str], ...] = ()
        self.by_tag: dict[str, tuple[Test, ...]] = {}
        if self.tests is None:
            for n in body.css(", ".join(css)):
                self.found.setdefault(n.root, n)
        else:
            single = [t for t in self.tests if t[0] is None and len(t[1]) == 1 and not t[2]]
            self.one_class = frozenset(c for t in single for c in t[1])
            rest = [t for t in self.tests if t not in single]
            lone = [t for t in rest if t[0] is None and not t[1] and len(t[2]) == 1]
            self.one_attr = tuple((name.encode(), op, val) for t in lone
                                  for name, op, val in t[2])
            self.others = tuple(t for t in rest if t[0] is None and t not in lone)
            for t in rest:
                if t[0] is not None:
                    self.by_tag[t[0]] = (*self.by_tag.get(t[0], ()), t)

    def __contains__(self, el: Any) -> bool:
        if self.elements and el in self.elements:
            return True
        if self.tests is None:
            return el in self.found
        tag = el.tag
        if not isinstance(tag, str):
            return False
        if self.one_class:
            classes = el.get(b"class")  # bytes: no encoding of the name per call
            if classes and not self.one_class.isdisjoint(classes.split()):
                return True
        for name, op, val in self.one_attr:
            have = el.get(name)
            if have is not None and attr_value_ok(have, op, val):
                return True
        if self.others and matches_any(el, self.others):
            return True
        tagged = self.by_tag.get(tag.lower()) if self.by_tag else None
        return tagged is not None and matches_any(el, tagged)

    def selector(self, el: Any) -> Selector:
        return self.found.get(el) or Selector(root=el, type="html")


def is_page_wrapper(el: Any) -> bool:
    """A form that wraps the page rather than being a box in it: ASP.NET and DotNetNuke
    sites put the whole page in ``<form id="aspnetForm">``. It holds the headline or several
    paragraphs; a search, login or comment form holds neither.

    >>> is_page_wrapper(etree.fromstring("<form><div><h1>T</h1><p>a</p></div></form>"))
    True
    >>> is_page_wrapper(etree.fromstring("<form><p>Tên</p><input name='q'/></form>"))
    False
    """
    if next(el.iter("h1"), None) is not None:
        return True
    paragraphs = el.iter("p")
    return all(next(paragraphs, None) is not None for _ in range(_WRAPPER_MIN_PARAGRAPHS))


_WRAPPER_MIN_PARAGRAPHS = 5


def walk_body(body: Selector, url: str, rules: BodyRules,
              skip_elements: Collection[Any] = ()) -> BodyParts:
    """Split a content element into text blocks and captioned images, in document order.
    ``skip_elements``: lxml elements to leave out with their subtree (a generic extractor's
    headline block, related boxes...)."""
    skip = _Matcher(body, rules.skip_css, skip_elements)
    boxes = _Matcher(body, rules.image_box_css)
    parts = BodyParts()
    _walk(body.root, url, rules, skip, boxes, parts)
    return parts


_BOLD, _ITALIC = 1, 2
_STYLE_OF = {"b": _BOLD, "strong": _BOLD, "em": _ITALIC, "i": _ITALIC}
# A piece of a paragraph's text: plain text as a str (most of it), styled text as
# (text, _BOLD | _ITALIC bits).
Chunk = str | tuple[str, int]


def _flush(el: Any, right: bool, buf: list[Chunk], parts: BodyParts) -> None:
    """The paragraph gathered at one block's level, split at line breaks, into blocks."""
    try:
        joined = "".join(buf)  # type: ignore[arg-type]
    except TypeError:  # styled chunks among them
        pass
    else:  # plain text, the common case
        buf.clear()
        if joined.isspace() or not joined:
            return
        tag = el.tag
        tag = tag.lower() if isinstance(tag, str) else ""
        n = len(parts.images)
        for text in joined.split("\n"):
            if text.strip():
                parts.blocks.append(Block(text.strip(), right, False, False, n, tag))
        return
    tag = el.tag
    tag = tag.lower() if isinstance(tag, str) else ""
    n = len(parts.images)
    line: list[str] = []
    style = _BOLD | _ITALIC
    for chunk in [*buf, "\n"]:
        text, chunk_style = (chunk, 0) if isinstance(chunk, str) else chunk
        for i, piece in enumerate(text.split("\n")):
            if i:  # a line ends here
                done = "".join(line).strip()
                if done:
                    parts.blocks.append(Block(done, right, bool(style & _BOLD),
                                              bool(style & _ITALIC), n, tag))
                line, style = [], _BOLD | _ITALIC
            if piece.strip():
                style &= chunk_style
            line.append(piece)
    buf.clear()


def _walk(root: Any, url: str, rules: BodyRules, skip: _Matcher, boxes: _Matcher,
          parts: BodyParts) -> None:
    # An explicit stack of open blocks (element, its children still to visit, right-aligned,
    # the paragraph being gathered) instead of recursion: hostile or broken pages nest
    # elements thousands deep, past Python's recursion limit.
    stack: list[tuple[Any, Iterator[Any], bool, list[Chunk]]] = [
        (root, iter(root), _is_right_aligned(root), [root.text or ""])]
    while stack:
        el, children, right, buf = stack[-1]
        opened = False
        for child in children:
            tail = child.tail or ""
            tag = child.tag
            if not isinstance(tag, str):  # comments, processing instructions
                buf.append(tail)
                continue
            tag = tag.lower()
            if (tag in NEVER_TEXT_TAGS and not (tag == "form" and is_page_wrapper(child))) \
                    or child in skip:
                buf.append(tail)
                continue
            if child in boxes:
                _flush(el, right, buf, parts)
                parts.images.extend(_image_box(boxes.selector(child), url, rules))
                buf.append(tail)
                continue
            if tag == "img":
                img = _image(child, url)
                if img:
                    parts.images.append({"url": img, "caption": None})
                buf.append(tail)
                continue
            if tag == "br":
                buf.append("\n" + tail)
                continue
            if tag in BLOCK_TAGS:
                _flush(el, right, buf, parts)
                stack.append((child, iter(child), _is_right_aligned(child), [child.text or ""]))
                opened = True
                break
            # Inline element: its text joins the current paragraph; images inside are kept.
            if not len(child):  # a leaf (most links and spans): no walk needed
                text = child.text or ""
                style = _STYLE_OF.get(tag, 0)
                buf.append((text, style) if style else text)
                buf.append(tail)
                continue
            buf.extend(_inline_chunks(child, skip))
            for img_el in child.iter("img"):
                img = _image(img_el, url)
                if img:
                    parts.images.append({"url": img, "caption": None})
            buf.append(tail)
        if opened:
            continue
        _flush(el, right, buf, parts)
        stack.pop()
        if stack:  # the block's tail continues its parent's paragraph
            stack[-1][3].append(el.tail or "")


def _inline_chunks(el: Any, skip: _Matcher) -> list[Chunk]:
    """Text of an inline element and its descendants, styled chunks marked (line breaks as
    newlines, never-text and skipped elements left out); iterative, like _walk."""
    style = _STYLE_OF.get(el.tag.lower(), 0)
    out: list[Chunk] = [(el.text or "", style) if style else el.text or ""]
    stack: list[tuple[Any, Iterator[Any], int]] = [(el, iter(el), style)]
    while stack:
        parent, children, parent_style = stack[-1]
        opened = False
        for child in children:
            tag = child.tag
            tag = tag.lower() if isinstance(tag, str) else None
            if tag == "br":
                out.append(("\n", parent_style) if parent_style else "\n")
            elif tag is not None and tag not in NEVER_TEXT_TAGS and child not in skip:
                child_style = parent_style | _STYLE_OF.get(tag, 0)
                text = child.text or ""
                out.append((text, child_style) if child_style else text)
                stack.append((child, iter(child), child_style))
                opened = True
                break  # its tail is added when its subtree is done
            tail = child.tail or ""
            out.append((tail, parent_style) if parent_style else tail)
        if opened:
            continue
        stack.pop()
        if stack:  # the tail belongs to the enclosing element's text
            tail, style = parent.tail or "", stack[-1][2]
            out.append((tail, style) if style else tail)
    return out


def _inline_text(el: Any, skip: _Matcher) -> str:
    return "".join(c if type(c) is str else c[0]
                   for c in _inline_chunks(el, skip))


def _is_right_aligned(el: Any) -> bool:
    style = el.get("style")
    if style and _RIGHT_ALIGNED.search(style):
        return True
    align = el.get("align")
    return align is not None and align.lower() == "right"


def _image(el: Any, url: str) -> str | None:
    for attr in ("data-src", "data-original", "data-lazy-src", "src"):
        value: str = (el.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            return urljoin(url, value)
    return None


def _image_box(box: Selector, url: str, rules: BodyRules) -> list[dict[str, str | None]]:
    caption = None
    for q in rules.caption_css:
        tests = simple_tests((q,))
        if tests is not None:
            el = next((e for e in box.root.iter() if matches_any(e, tests)), None)
            if el is not None:
                caption = " ".join(el.itertext()).strip() or None
                break
            continue
        node = box.css(q)
        if node:
            caption = " ".join(node[0].xpath(".//text()").getall()).strip() or None
            break
    out: list[dict[str, str | None]] = []
    for img_el in box.root.iter("img"):
        img = _image(img_el, url)
        if img:
            out.append({"url": img, "caption": caption})
    return out


__all__ = [
    "BLOCK_TAGS", "INDEXED_TAGS", "NEVER_TEXT_TAGS", "Block", "BodyParts", "BodyRules",
    "DocIndex", "NotAnArticle", "Test", "_plan", "all_texts", "canonical_link",
    "clean_label", "css_values", "decode_html", "doc_index", "etree",
    "first_date", "first_text", "jsonld_article", "jsonld_breadcrumb", "jsonld_keywords",
    "jsonld_names", "jsonld_objects", "jsonld_person_names", "link_items", "matches_any",
    "meta_content", "meta_contents", "page_url", "release_indexes", "same_site_url", "select",
    "select_values", "selector_for", "simple_tests", "unique_links", "walk_body", "with_class",
]
