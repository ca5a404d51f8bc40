"""Building blocks shared by every extractor: metadata (JSON-LD, OpenGraph, meta tags) and a
body walker that turns a content element into paragraphs, images and an author line.

Extraction is pure: (html, url) in, a raw article dict out. Text is kept as the page has it
(entities decoded by the parser, nothing else); crawler.extract.clean normalises it.
"""

from __future__ import annotations

import functools
import html as html_lib
import json
import logging
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from crawler.text import parse_vn_datetime, to_iso

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
_JSONLD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# One parser for every page: UTF-8 bytes in (no re-encoding inside parsel), comments dropped
# (they are never text and only lengthen every walk), huge trees allowed (some pages inline
# megabytes of scripts). etree's parser, not lxml.html's: the latter looks up a Python element
# class for every element lxml hands out, a cost paid on every query, for methods no extractor
# uses.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=True)


def selector_for(html: str | bytes, url: str) -> Selector:
    """A parsel Selector over the page; bytes are decoded from their declared charset."""
    if isinstance(html, bytes):
        html = decode_html(html)
    # lxml wants bytes with a known encoding; str is encoded once here.
    data = html.encode("utf-8", "surrogatepass")
    try:
        root = etree.fromstring(data, parser=_PARSER, base_url=url)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        # An empty or whitespace-only document: parsel builds an empty <html> for it.
        return Selector(text=html or "<html/>", base_url=url)
    return Selector(root=root, type="html", base_url=url)


def decode_html(data: bytes) -> str:
    """Decode page bytes: BOM first, then the <meta charset>, then UTF-8 with replacement."""
    from w3lib.encoding import html_to_unicode

    _, text = html_to_unicode(None, data)
    return text


# --- one walk over the document ------------------------------------------------------------
# A real page holds over a thousand elements (menus, sidebars, inline SVG, scripts), and each
# XPath or CSS query over the whole document walks them all again: this used to be most of
# extraction's time. The index below is built by one C-level walk restricted to the tags that
# matter (lxml creates no Python object for the others) and is shared by every helper.

# Tags whose classes are indexed: the containers extractors anchor on. Inline elements (a,
# span, img...) are left out on purpose: they are most of a page's elements.
INDEXED_TAGS = ("div", "section", "article", "main", "aside", "nav", "header", "footer",
                "ul", "ol", "figure", "table", "h1", "time")


@dataclass
class DocIndex:
    metas: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    ld_texts: list[str] = field(default_factory=list)
    canonical: str | None = None
    by_class: dict[str, list[Any]] = field(default_factory=dict)
    position: dict[Any, int] = field(default_factory=dict)
    # Every element with a class, whatever its tag, and every element carrying a given
    # attribute: built on first need (see select()).
    all_classes: dict[str, list[Any]] | None = None
    by_attr: dict[str, list[Any]] = field(default_factory=dict)


# The last few documents' indexes, keyed by the root's id with the root held (so the id cannot
# be reused while its entry lives). Not a weak mapping: plain lxml elements take no weak
# references. Extraction finishes a page before the next, so a handful is plenty.
_DOC_INDEX: dict[int, tuple[Any, DocIndex]] = {}
_DOC_INDEX_SIZE = 4


def _document_root(sel: Selector) -> Any:
    root = sel.root
    return root.getroottree().getroot() if hasattr(root, "getroottree") else root


def doc_index(sel: Selector) -> DocIndex:
    """The page's metas, JSON-LD blocks, canonical link and class index (built once)."""
    root = _document_root(sel)
    cached = _DOC_INDEX.get(id(root))
    if cached is not None and cached[0] is root:
        return cached[1]
    index = DocIndex()
    if not hasattr(root, "iter"):
        return index
    for i, el in enumerate(root.iter("meta", "link", "script", *INDEXED_TAGS)):
        tag = el.tag
        if tag == "meta":
            content = (el.get("content") or "").strip()
            if content:
                for attr in ("property", "name", "itemprop"):
                    key = el.get(attr)
                    if key:
                        index.metas.setdefault((attr, key), []).append(content)
        elif tag == "link":
            if index.canonical is None and el.get("rel") == "canonical":
                href = (el.get("href") or "").strip()
                index.canonical = href or None
        elif tag == "script":
            if el.get("type") == "application/ld+json" and el.text:
                index.ld_texts.append(el.text)
        else:
            classes = el.get("class")
            if classes:
                index.position[el] = i
                for name in classes.split():
                    index.by_class.setdefault(name, []).append(el)
    while len(_DOC_INDEX) >= _DOC_INDEX_SIZE:
        _DOC_INDEX.pop(next(iter(_DOC_INDEX)))
    _DOC_INDEX[id(root)] = (root, index)
    return index


def release_indexes() -> None:
    """Forget the cached page indexes (and so let their documents be freed): called once a
    page is extracted, so a crawl never holds a parsed page longer than it needs it."""
    _DOC_INDEX.clear()


def with_class(sel: Selector, *names: str, tag: str | None = None) -> list[Selector]:
    """Indexed elements (see INDEXED_TAGS) carrying any of the classes, in document order."""
    index = doc_index(sel)
    found: dict[Any, None] = {}
    for name in names:
        for el in index.by_class.get(name, ()):
            if tag is None or el.tag == tag:
                found[el] = None
    els = sorted(found, key=index.position.__getitem__) if len(names) > 1 else list(found)
    return [Selector(root=el, type="html") for el in els]


# --- CSS queries through the index ---------------------------------------------------------
# Site specs name fields by CSS ("h1.title-detail", ".box_tinlienquan .title-news a"). Run as
# XPath over the whole page, each costs a walk of every element (1-2 ms on a 500 KB page, a
# dozen per article). A query that starts with a class (or a tag) is answered instead from an
# index of the page's classes, built once per page in one walk, and only the rest of the query
# runs as XPath, inside the few elements found.

@functools.lru_cache(maxsize=1024)
def _plan(query: str) -> tuple[Test, str | None] | None:
    """(test of the leading compound, XPath of the rest below it) for "A B C" queries whose
    A is a simple selector; None for any other shape."""
    if any(c in query for c in ",>+~:()"):
        return None
    first, _, rest = query.strip().partition(" ")
    test = _simple_test(first)
    if test is None:
        return None
    if not rest.strip():
        return test, None
    from parsel.csstranslator import HTMLTranslator

    try:
        xpath = HTMLTranslator().css_to_xpath(rest.strip(), prefix="descendant::")
    except Exception:  # anything cssselect refuses takes the slow path
        return None
    return test, xpath


def _class_index(root: Any, index: DocIndex) -> dict[str, list[Any]]:
    if index.all_classes is None:
        index.all_classes = {}
        for el in root.iter():
            classes = el.get("class") if isinstance(el.tag, str) else None
            if classes:
                for name in classes.split():
                    index.all_classes.setdefault(name, []).append(el)
    return index.all_classes


def _anchors(root: Any, index: DocIndex, test: Test) -> list[Any]:
    tag, classes, attrs = test
    if classes:
        pool: Iterable[Any] = _class_index(root, index).get(min(classes), ())
    elif tag:
        pool = root.iter(tag)
    else:  # attributes only ("[data-role=sapo]", "#main")
        name = attrs[0][0]
        pool = index.by_attr.get(name)
        if pool is None:
            pool = index.by_attr[name] = [el for el in root.iter() if el.get(name) is not None]
    return [el for el in pool if matches_any(el, (test,))]


def select(sel: Selector, query: str) -> list[Selector]:
    """``sel.css(query)`` (elements, in document order), answered through the page index
    when the query's shape allows it."""
    plan = _plan(query)
    root = sel.root
    if plan is None or not hasattr(root, "getroottree") or root.getroottree().getroot() \
            is not root:
        return list(sel.css(query))
    test, rest = plan
    anchors = _anchors(root, doc_index(sel), test)
    if rest is None:
        return [Selector(root=el, type="html") for el in anchors]
    out: list[Selector] = []
    seen: set[Any] = set()
    done: set[Any] = set()
    for anchor in anchors:
        # An anchor inside an earlier one: its matches are among that one's already.
        if not any(a in done for a in anchor.iterancestors()):
            for el in anchor.xpath(rest):
                if el not in seen:
                    seen.add(el)
                    out.append(Selector(root=el, type="html"))
        done.add(anchor)
    return out


_ATTR_PSEUDO = re.compile(r"::attr\(([\w-]+)\)$")


def select_values(sel: Selector, query: str) -> list[str]:
    """``sel.css(query).getall()`` for queries ending in ``::attr(name)``, through select()."""
    m = _ATTR_PSEUDO.search(query)
    if m is None:
        return sel.css(query).getall()
    name = m.group(1)
    return [v for n in select(sel, query[: m.start()]) if (v := n.root.get(name)) is not None]


# --- metadata ------------------------------------------------------------------------------

def jsonld_objects(sel: Selector) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page, @graph flattened; broken blocks are skipped."""
    out: list[dict[str, Any]] = []
    for raw in doc_index(sel).ld_texts:
        data = _loads_lenient(raw)
        for obj in _flatten_jsonld(data):
            out.append(obj)
    return out


def _loads_lenient(raw: str) -> Any:
    raw = _JSONLD_CONTROL.sub(" ", raw.strip())
    try:
        return json.loads(raw)
    except ValueError:
        # Some CMSs HTML-escape the JSON inside the script element.
        try:
            return json.loads(html_lib.unescape(raw))
        except ValueError:
            logger.debug("unparsable JSON-LD block skipped")
            return None


def _flatten_jsonld(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for x in data:
            yield from _flatten_jsonld(x)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from _flatten_jsonld(data["@graph"])
        else:
            yield data


_ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
                  "BlogPosting", "OpinionNewsArticle", "LiveBlogPosting"}


def jsonld_article(objs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The first NewsArticle-like JSON-LD object, or {}."""
    for obj in objs:
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(t in _ARTICLE_TYPES for t in types):
            return obj
    return {}


def jsonld_names(value: Any) -> list[str]:
    """Names from a JSON-LD author/person value (dict, list of dicts, or plain strings)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for v in value for n in jsonld_names(v)]
    return []


def _meta_index(sel: Selector) -> dict[tuple[str, str], list[str]]:
    return doc_index(sel).metas


def meta_content(sel: Selector, *keys: str) -> str | None:
    """The first non-empty <meta property|name|itemprop=KEY content> among keys."""
    index = _meta_index(sel)
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            values = index.get((attr, key))
            if values:
                return values[0]
    return None


def meta_contents(sel: Selector, key: str) -> list[str]:
    return list(_meta_index(sel).get(("property", key), []))


def canonical_link(sel: Selector) -> str | None:
    return doc_index(sel).canonical


def first_date(*candidates: str | None) -> str | None:
    """The first candidate that parses as a date, as ISO 8601 with +07:00."""
    for c in candidates:
        if c:
            dt = parse_vn_datetime(c)
            if dt is not None:
                return to_iso(dt)
    return None


def first_text(sel: Selector, css: Sequence[str]) -> str | None:
    """Text of the first element matching one of the CSS selectors (whole subtree)."""
    for q in css:
        node = select(sel, q)
        if node:
            text = " ".join(node[0].xpath(".//text()[not(ancestor::script)]").getall()).strip()
            if text:
                return text
    return None


def all_texts(sel: Selector, css: Sequence[str]) -> list[str]:
    """Texts of all elements matching any of the CSS selectors, in order, de-duplicated."""
    out: list[str] = []
    for q in css:
        for node in select(sel, q):
            text = " ".join(node.xpath(".//text()").getall()).strip()
            if text and text not in out:
                out.append(text)
    return out


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


# Simple selectors (a tag, classes, an id, attribute tests; no combinators) are what body
# rules are made of. Testing them on each element the walker visits anyway is far cheaper
# than a CSS query per rule over the body; rules of any other shape fall back to CSS.
_SIMPLE_PART = re.compile(
    r"""\.(?P<cls>[\w-]+)|\#(?P<id>[\w-]+)"""
    r"""|\[(?P<attr>[\w-]+)(?:(?P<op>[\^*$]?=)["']?(?P<val>[^"'\]]*)["']?)?\]"""
)
_SIMPLE_TAG = re.compile(r"[a-zA-Z][\w-]*")

Test = tuple[str | None, frozenset[str], tuple[tuple[str, str, str], ...]]


def _simple_test(css: str) -> Test | None:
    """(tag, classes, attribute tests) of one compound simple selector, else None."""
    css = css.strip()
    m = _SIMPLE_TAG.match(css)
    tag = m.group(0).lower() if m else None
    pos = m.end() if m else 0
    classes: set[str] = set()
    attrs: list[tuple[str, str, str]] = []
    while pos < len(css):
        part = _SIMPLE_PART.match(css, pos)
        if part is None:
            return None
        if part.group("cls"):
            classes.add(part.group("cls"))
        elif part.group("id"):
            attrs.append(("id", "=", part.group("id")))
        else:
            attrs.append((part.group("attr"), part.group("op") or "", part.group("val") or ""))
        pos = part.end()
    return (tag, frozenset(classes), tuple(attrs)) if (tag or classes or attrs) else None


@functools.lru_cache(maxsize=256)
def simple_tests(css: tuple[str, ...]) -> tuple[Test, ...] | None:
    """Every selector of ``css`` as a simple test, or None if one is not simple."""
    tests = tuple(_simple_test(q) for q in css)
    return None if any(t is None for t in tests) else tests  # type: ignore[return-value]


def _attr_ok(el: Any, name: str, op: str, val: str) -> bool:
    have = el.get(name)
    if have is None:
        return False
    if op == "=":
        return have == val
    if op == "^=":
        return bool(val) and have.startswith(val)
    if op == "*=":
        return bool(val) and val in have
    if op == "$=":
        return bool(val) and have.endswith(val)
    return True


def matches_any(el: Any, tests: tuple[Test, ...]) -> bool:
    """Does the element match one of the simple tests?"""
    tag = el.tag.lower() if isinstance(el.tag, str) else None
    if tag is None:
        return False
    names: set[str] | None = None
    for t_tag, t_classes, t_attrs in tests:
        if t_tag is not None and t_tag != tag:
            continue
        if t_classes:
            if names is None:
                names = set((el.get("class") or "").split())
            if not t_classes <= names:
                continue
        if all(_attr_ok(el, *a) for a in t_attrs):
            return True
    return False


class _Matcher:
    """Membership test "does a rule match this element", by simple tests or a CSS set."""

    def __init__(self, body: Selector, css: tuple[str, ...], elements: Collection[Any] = ()):
        self.tests = simple_tests(css) if css else ()
        self.found: dict[Any, Selector] = {}
        self.elements = elements
        if self.tests is None:
            for n in body.css(", ".join(css)):
                self.found.setdefault(n.root, n)

    def __contains__(self, el: Any) -> bool:
        if self.elements and el in self.elements:
            return True
        if self.tests is None:
            return el in self.found
        return bool(self.tests) and matches_any(el, self.tests)

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
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        n = len(parts.images)
        for text in joined.split("\n"):
            if text.strip():
                parts.blocks.append(Block(text.strip(), right, False, False, n, tag))
        return
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    n = len(parts.images)
    line: list[str] = []
    style = _BOLD | _ITALIC
    for chunk in [*buf, "\n"]:
        text, chunk_style = (chunk, 0) if type(chunk) is str else chunk  # type: ignore[misc]
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
            tag = child.tag.lower() if isinstance(child.tag, str) else None
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
    return "".join(c if type(c) is str else c[0]  # type: ignore[misc]
                   for c in _inline_chunks(el, skip))


def _is_right_aligned(el: Any) -> bool:
    style = el.get("style") or ""
    return bool(_RIGHT_ALIGNED.search(style)) or (el.get("align") or "").lower() == "right"


def _image(el: Any, url: str) -> str | None:
    for attr in ("data-src", "data-original", "data-lazy-src", "src"):
        value = (el.get(attr) or "").strip()
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


def element_text(el: Any) -> str:
    """All text of an lxml element, scripts excluded."""
    return " ".join(t for t in el.xpath(".//text()[not(ancestor::script or ancestor::style)]"))


__all__ = [
    "Block", "BodyParts", "BodyRules", "NotAnArticle", "all_texts", "canonical_link",
    "decode_html", "element_text", "etree", "first_date", "first_text", "jsonld_article",
    "jsonld_names", "jsonld_objects", "meta_content", "meta_contents", "selector_for",
    "walk_body",
]


# --- declarative site specs (added for the per-site modules) -------------------------------
# Most news CMSs differ only in where title, sapo, body, date and byline sit: a PageSpec names
# those places and extract_by_spec() does the rest, one small function per field, so a site
# module is a spec plus its SiteProfile.

_LABEL_EDGES = " \t\n#,;|·•"


def clean_label(text: str) -> str:
    """A tag or section label without list punctuation ("#AAT", "việt nam,").

    >>> clean_label("# Tiên Sơn Thanh Hoá"), clean_label("việt nam,")
    ('Tiên Sơn Thanh Hoá', 'việt nam')
    """
    return text.strip(_LABEL_EDGES).strip()


def page_url(sel: Selector) -> str | None:
    """The URL a saved page declares for itself: rel=canonical, else og:url."""
    return canonical_link(sel) or meta_content(sel, "og:url")


def same_site_url(sel: Selector, url: str) -> str:
    """The canonical link when it is on the fetched URL's site, else the fetched URL."""
    from crawler.urls import canonical_url, host_matches, site_of

    link = canonical_link(sel)
    if link:
        absolute = canonical_url(link, url)
        if host_matches(absolute, [site_of(url)]):
            return absolute
    return canonical_url(url)


def css_values(sel: Selector, css: Sequence[str]) -> list[str]:
    """Values of CSS queries in order: attribute/text pseudo-elements as given, elements as
    their whole text (scripts excluded)."""
    out: list[str] = []
    for q in css:
        if "::" in q:
            values = select_values(sel, q)
        else:
            values = [" ".join(node.xpath(".//text()[not(ancestor::script)]").getall())
                      for node in select(sel, q)]
        out.extend(v.strip() for v in values if v.strip())
    return out


def jsonld_person_names(value: Any) -> list[str]:
    """Author names from JSON-LD, leaving out Organization entries (a site name is no byline).

    >>> jsonld_person_names([{"@type": "Person", "name": "An"}, {"@type": "Organization",
    ...                      "name": "VnExpress"}, "Bình"])
    ['An', 'Bình']
    """
    if isinstance(value, list):
        return [n for v in value for n in jsonld_person_names(v)]
    if isinstance(value, dict) and value.get("@type") not in (None, "Person"):
        return []
    return jsonld_names(value)


def jsonld_breadcrumb(objs: Iterable[dict[str, Any]]) -> list[str]:
    """Names of the BreadcrumbList items, home excluded; nested item lists are flattened."""
    for obj in objs:
        if obj.get("@type") != "BreadcrumbList":
            continue
        items = list(_flatten_jsonld(obj.get("itemListElement") or []))
        items.sort(key=lambda i: i.get("position") if isinstance(i.get("position"), int) else 0)
        names = [_crumb_name(i) for i in items]
        return [n.strip() for n in names
                if n and n.strip() and n.strip().lower() not in ("trang chủ", "home")]
    return []


def _crumb_name(item: dict[str, Any]) -> str | None:
    name = item.get("name")
    inner = item.get("item")
    if not isinstance(name, str) and isinstance(inner, dict):
        name = inner.get("name")
    return name if isinstance(name, str) else None


def jsonld_keywords(ld: dict[str, Any]) -> list[str]:
    """JSON-LD keywords as a list (sites give a list or one comma-separated string)."""
    raw = ld.get("keywords")
    values = raw if isinstance(raw, list) else str(raw or "").split(",")
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def link_items(sel: Selector, url: str, css: Sequence[str]) -> list[dict[str, str]]:
    """{url, title} of the <a> elements matched, title from the link text (else its title
    attribute), de-duplicated by canonical URL."""
    from crawler.urls import canonical_url

    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for q in css:
        for a in select(sel, q):
            href = (a.attrib.get("href") or "").strip()
            title = _link_title(a)
            if not href or href.startswith(("javascript:", "#")) or not title.strip():
                continue
            link = canonical_url(href, url)
            if link not in seen:
                seen.add(link)
                out.append({"url": link, "title": title.strip()})
    return out


def _link_title(a: Selector) -> str:
    # A card link wraps cover, heading, summary and time: its heading is the title.
    heading = a.xpath("(.//h1|.//h2|.//h3|.//h4)[1]")
    node = heading[0] if heading else a
    text = " ".join(node.xpath(".//text()[not(ancestor::script)]").getall()).strip()
    return text or a.attrib.get("title", "").strip()


def article_links(sel: Selector, url: str, css: Sequence[str],
                  keep: Any = None) -> list[str]:
    """Canonical URLs of a list page's article links (``::attr(href)`` queries), in order,
    de-duplicated; ``keep`` (a predicate on the URL) filters out non-article links."""
    from crawler.urls import canonical_url

    out: list[str] = []
    for q in css:
        for href in sel.css(q).getall():
            link = canonical_url(href.strip(), url)
            if link not in out and (keep is None or keep(link)):
                out.append(link)
    return out


@dataclass(frozen=True)
class PageSpec:
    """Where one CMS keeps each field of an article page (CSS, evaluated by parsel).

    ``date_css`` may end in ``::attr(datetime)``; element matches are read as text.
    ``byline_last_line``: the CMS writes the author as the body's final right-aligned line.
    """

    family: str
    title_css: tuple[str, ...]
    body_css: tuple[str, ...]
    lead_css: tuple[str, ...] = ()
    date_css: tuple[str, ...] = ()
    author_css: tuple[str, ...] = ()
    section_css: tuple[str, ...] = ()
    tag_css: tuple[str, ...] = ()
    topic_css: tuple[str, ...] = ()
    related_css: tuple[str, ...] = ()
    rules: BodyRules = field(default_factory=BodyRules)
    byline_last_line: bool = False


def spec_title(sel: Selector, spec: PageSpec) -> str | None:
    return first_text(sel, spec.title_css)


def spec_lead(sel: Selector, spec: PageSpec) -> str | None:
    return first_text(sel, spec.lead_css) or meta_content(sel, "og:description", "description")


def spec_published(sel: Selector, spec: PageSpec, ld: dict[str, Any]) -> str | None:
    # Machine-readable values first: they carry seconds and an explicit offset, while the
    # visible line is minutes only ("07/03/2026 08:01 GMT+7").
    ld_date = ld.get("datePublished")
    return first_date(
        meta_content(sel, "article:published_time", "datePublished", "pubdate"),
        ld_date if isinstance(ld_date, str) else None,
        *css_values(sel, spec.date_css),
    )


def spec_modified(sel: Selector, ld: dict[str, Any]) -> str | None:
    ld_date = ld.get("dateModified")
    return first_date(
        meta_content(sel, "article:modified_time", "dateModified"),
        ld_date if isinstance(ld_date, str) else None,
    )


def spec_authors(sel: Selector, spec: PageSpec, blocks: list[Block],
                 ld: dict[str, Any]) -> list[str]:
    """Byline from the author elements, else the body's last right-aligned short line
    (popped from ``blocks``), else JSON-LD persons."""
    from crawler.text import split_authors

    names = [a for t in css_values(sel, spec.author_css) for a in split_authors(t)]
    if not names and spec.byline_last_line and blocks and blocks[-1].right_aligned \
            and len(blocks[-1].text) <= 80:
        names = split_authors(blocks.pop().text)
    if not names:
        names = [a for n in jsonld_person_names(ld.get("author")) for a in split_authors(n)]
    out: list[str] = []
    for n in names:
        if n.casefold() not in {o.casefold() for o in out}:
            out.append(n)
    return out


def spec_section(sel: Selector, spec: PageSpec, objs: list[dict[str, Any]]) -> str | None:
    # The first query that matches wins, and its last item is the most specific crumb;
    # mixing queries would let a parent-zone link come after the child one.
    for q in spec.section_css:
        crumbs = [c for c in (clean_label(t) for t in css_values(sel, (q,))) if c]
        if crumbs:
            return crumbs[-1]
    crumbs = jsonld_breadcrumb(objs)
    return crumbs[-1] if crumbs else meta_content(sel, "article:section")


def spec_tags(sel: Selector, spec: PageSpec, ld: dict[str, Any]) -> list[str]:
    tags = [clean_label(t) for t in all_texts(sel, spec.tag_css)]
    if not any(tags):
        # One meta may hold the whole list comma-separated (vnexpress).
        tags = [clean_label(p) for t in meta_contents(sel, "article:tag") for p in t.split(",")]
    out: list[str] = []
    for t in tags or jsonld_keywords(ld):
        if t and t not in out:
            out.append(t)
    return out


def extract_by_spec(html: str | bytes, url: str, spec: PageSpec) -> dict[str, Any]:
    """The raw article dict of a page laid out as ``spec`` says; NotAnArticle when the page
    has no title or no body there (a list, video or error page)."""
    sel = selector_for(html, url)
    title = spec_title(sel, spec)
    body = next((n for q in spec.body_css for n in select(sel, q)), None)
    if body is None or not title:
        missing = "article body" if body is None else "title"
        raise NotAnArticle(f"no {missing}: not an article page of the {spec.family} layout")
    objs = jsonld_objects(sel)
    ld = jsonld_article(objs)
    parts = walk_body(body, url, spec.rules)
    blocks = list(parts.blocks)
    authors = spec_authors(sel, spec, blocks, ld)
    return {
        "url": same_site_url(sel, url),
        "title": title,
        "lead": spec_lead(sel, spec),
        "paragraphs": [b.text for b in blocks],
        "authors": authors,
        "published_at": spec_published(sel, spec, ld),
        "modified_at": spec_modified(sel, ld),
        "section": spec_section(sel, spec, objs),
        "topics": [clean_label(t) for t in all_texts(sel, spec.topic_css)],
        "tags": spec_tags(sel, spec, ld),
        "images": parts.images,
        "related": link_items(sel, url, spec.related_css),
    }
