"""The parsed page and the ways extractors look into it: one parser, one index of the
document (metas, JSON-LD blocks, canonical link, classes) built in a single walk, simple
selector tests, CSS queries answered through that index, and the texts and links they find.

Every helper here is pure and knows no site.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from parsel import Selector

from crawler.urls import canonical_url

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
# extraction's time. The index below is built by one walk of the page and is shared by every
# helper (and every query, scoped to an element or not: see select()).

# Tags whose classes are indexed: the containers extractors anchor on. Inline elements (a,
# span, img...) are left out on purpose: they are most of a page's elements.
INDEXED_TAGS = ("div", "section", "article", "main", "aside", "nav", "header", "footer",
                "ul", "ol", "figure", "table", "h1", "time")


@dataclass
class DocIndex:
    metas: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    ld_texts: list[str] = field(default_factory=list)
    canonical: str | None = None
    # Classes of every element (all_classes) and of the INDEXED_TAGS ones (by_class, per name
    # on first need), each list in document order; elements carrying an attribute (by_attr:
    # on first need, see select() and with_attr()).
    by_class: dict[str, list[Any]] = field(default_factory=dict)
    all_classes: dict[str, list[Any]] | None = None
    by_attr: dict[str, list[Any]] = field(default_factory=dict)
    # The indexed document.
    root: Any = None


# The last few documents' indexes, keyed by the root's id with the root held (so the id cannot
# be reused while its entry lives). Not a weak mapping: plain lxml elements take no weak
# references. Extraction finishes a page before the next, so a handful is plenty.
_DOC_INDEX: dict[int, tuple[Any, DocIndex]] = {}
_DOC_INDEX_SIZE = 4


def _document_root(sel: Selector) -> Any:
    root = sel.root
    return root.getroottree().getroot() if hasattr(root, "getroottree") else root


def doc_index(sel: Selector) -> DocIndex:
    """The page's metas, JSON-LD blocks, canonical link and class indexes (built once)."""
    root = _document_root(sel)
    cached = _DOC_INDEX.get(id(root))
    if cached is not None and cached[0] is root:
        return cached[1]
    index = DocIndex()
    if not hasattr(root, "iter"):
        return index
    _walk_document(root, index)
    while len(_DOC_INDEX) >= _DOC_INDEX_SIZE:
        _DOC_INDEX.pop(next(iter(_DOC_INDEX)))
    _DOC_INDEX[id(root)] = (root, index)
    return index


_INDEXED = frozenset(INDEXED_TAGS)
_HEAD_TAGS = frozenset({"meta", "link", "script"})


def _walk_document(root: Any, index: DocIndex) -> None:
    """Fill the index in one walk over every element: the classes of every element
    (all_classes; by_class, the INDEXED_TAGS ones, is filtered from it on first need), the
    WALK_ATTRS carriers, metas, JSON-LD blocks and the canonical link. One walk of the whole
    page costs less than a tag-filtered walk for the metas plus a second one for the classes,
    which nearly every extractor needs (any class query does). Positions are not numbered:
    a number kept for every element holds a Python object for each of them; elements are put
    in document order by libxml2 when needed (in_document_order)."""
    all_classes: dict[str, list[Any]] = {}
    get = all_classes.get
    index.root = root
    carriers: list[Any] = []
    # Attribute names as bytes: lxml takes them as they are, where a str name is encoded to
    # UTF-8 again on every call (two calls for each of the page's thousand-odd elements).
    class_key, walk_key = b"class", _WALK_KEY
    # Elements only (a C-level filter: no tag read per node to skip the others).
    for el in root.iter(etree.Element):
        classes = el.get(class_key)
        if classes:
            for name in classes.split():
                els = get(name)
                if els is None:
                    all_classes[name] = [el]
                else:
                    els.append(el)
        if el.get(walk_key) is not None:
            carriers.append(el)
    index.by_attr.setdefault(WALK_ATTR, carriers)
    # The few head elements by a tag-filtered walk (C-level): no tag read per element above.
    for el in root.iter(*_HEAD_TAGS):
        _index_head_element(el, el.tag, index)
    index.all_classes = all_classes


# The metas' key attributes, each name also as bytes (what lxml takes without encoding it).
_META_KEYS = tuple((attr, attr.encode()) for attr in ("property", "name", "itemprop"))


def _index_head_element(el: Any, tag: str, index: DocIndex) -> None:
    if tag == "meta":
        content = (el.get(b"content") or "").strip()
        if content:
            for attr, key_name in _META_KEYS:
                key = el.get(key_name)
                if key:
                    index.metas.setdefault((attr, key), []).append(content)
    elif tag == "link":
        if index.canonical is None and el.get(b"rel") == "canonical":
            href = (el.get(b"href") or "").strip()
            index.canonical = href or None
    elif el.get(b"type") == "application/ld+json" and el.text:
        index.ld_texts.append(el.text)


def release_indexes() -> None:
    """Forget the cached page indexes (and so let their documents be freed): called once a
    page is extracted, so a crawl never holds a parsed page longer than it needs it."""
    _DOC_INDEX.clear()


def _indexed_with_class(index: DocIndex, name: str) -> list[Any]:
    """The INDEXED_TAGS elements with class ``name`` (by_class, filled from all_classes on
    first need)."""
    els = index.by_class.get(name)
    if els is None:
        els = index.by_class[name] = [el for el in (index.all_classes or {}).get(name, ())
                                      if el.tag in _INDEXED]
    return els


def with_class(sel: Selector, *names: str, tag: str | None = None) -> list[Selector]:
    """Indexed elements (see INDEXED_TAGS) carrying any of the classes, in document order."""
    index = doc_index(sel)
    found: dict[Any, None] = {}
    for name in names:
        for el in _indexed_with_class(index, name):
            if tag is None or el.tag == tag:
                found[el] = None
    els = (_in_document_order(_document_root(sel), found) if len(names) > 1 and len(found) > 1
           else list(found))
    return [Selector(root=el, type="html") for el in els]


# --- simple selector tests -------------------------------------------------------------
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
    have: str | None = el.get(name)
    return have is not None and attr_value_ok(have, op, val)


def attr_value_ok(have: str, op: str, val: str) -> bool:
    """Does an attribute's value pass the test ``op val`` ("" for presence alone)?"""
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
    tag = el.tag  # read once: lxml builds a new string on every read
    if not isinstance(tag, str):
        return False
    tag = tag.lower()
    names: set[str] | None = None
    for t_tag, t_classes, t_attrs in tests:
        if t_tag is not None and t_tag != tag:
            continue
        if t_classes:
            if names is None:
                names = set((el.get(b"class") or "").split())
            if not t_classes <= names:
                continue
        # A plain loop, not all() over a generator: this runs for every element a body
        # walker visits.
        for name, op, val in t_attrs:
            if not _attr_ok(el, name, op, val):
                break
        else:
            return True
    return False


# --- CSS queries through the index ---------------------------------------------------------
# Site specs name fields by CSS ("h1.title-detail", ".box_tinlienquan .title-news a"). Run as
# XPath over the whole page, each costs a walk of every element (1-2 ms on a 500 KB page, a
# dozen per article). A query that starts with a class (or a tag) is answered instead from an
# index of the page's classes, built once per page in one walk, and only the rest of the query
# runs as XPath, inside the few elements found.

@functools.lru_cache(maxsize=1024)
def _plan(query: str) -> tuple[Test, Any] | None:
    """(test of the leading compound, XPath of the rest below it, compiled) for "A B C"
    queries whose A is a simple selector; None for any other shape. Compiled once: an
    element's .xpath(str) would compile the expression again on every call."""
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
        xpath = etree.XPath(HTMLTranslator().css_to_xpath(rest.strip(), prefix="descendant::"))
    except Exception:  # anything cssselect (or libxml2) refuses takes the slow path
        return None
    return test, xpath


# Attributes whose elements the full walk of _walk_document records on the way (by_attr), so
# that asking for them later costs no walk of its own: related boxes are named by
# data-source (crawler/sites/_cmspost_boxes.py).
WALK_ATTR = "data-source"
WALK_ATTRS = (WALK_ATTR,)
_WALK_KEY = WALK_ATTR.encode()


def _class_index(root: Any, index: DocIndex) -> dict[str, list[Any]]:
    """Every element's classes (any tag): filled by the index's walk of the page."""
    if index.all_classes is None:
        fresh = DocIndex()  # an index made elsewhere (none of doc_index's): walk apart
        _walk_document(root, fresh)
        index.all_classes, index.root = fresh.all_classes, fresh.root
        for name, els in fresh.by_attr.items():
            index.by_attr.setdefault(name, els)
    return index.all_classes  # type: ignore[return-value]


def _page_root(sel: Selector) -> Any | None:
    """The root element of the page ``sel`` belongs to (None for text results)."""
    root = sel.root
    return root.getroottree().getroot() if hasattr(root, "getroottree") else None


def class_index(sel: Selector) -> dict[str, list[Any]]:
    """The page's elements by class name, any tag, each list in document order (one walk
    per page, shared by every query; see select())."""
    root = _page_root(sel)
    return {} if root is None else _class_index(root, doc_index(sel))


def with_attr(sel: Selector, name: str) -> list[Any]:
    """The page's elements carrying attribute ``name``, in document order (one walk per
    page and attribute; none for WALK_ATTRS once the class index exists)."""
    root = _page_root(sel)
    if root is None:
        return []
    index = doc_index(sel)
    if name in WALK_ATTRS:
        _class_index(root, index)
    found = index.by_attr.get(name)
    if found is None:
        found = index.by_attr[name] = [el for el in root.iter() if el.get(name) is not None]
    return found


def in_document_order(sel: Selector, els: Iterable[Any]) -> list[Any]:
    """Elements of the page of ``sel``, each once, sorted in document order."""
    root = _page_root(sel)
    if root is None:
        return list(dict.fromkeys(els))
    return _in_document_order(root, els)


# libxml2 returns a node-set in document order: a union of the given elements sorts them
# there, comparing a few elements' ancestors instead of numbering every element of the page.
_SORTED = etree.XPath("$els | $none")


def _in_document_order(root: Any, els: Iterable[Any]) -> list[Any]:
    """Elements of the document of ``root``, each once, in document order."""
    return _SORTED(root, els=list(dict.fromkeys(els)), none=[])  # type: ignore[no-any-return]


def _anchors(root: Any, index: DocIndex, test: Test, scope: Any = None) -> list[Any]:
    """Elements matching the simple test, in document order: in the page under ``root``, or
    only ``scope`` and its descendants (as ``scope.css`` finds them) when given."""
    tag, classes, attrs = test
    if classes:
        pool: Iterable[Any] = _class_index(root, index).get(min(classes), ())
    elif tag:
        pool = (scope if scope is not None else root).iter(tag)
        scope = None  # the walk is already inside it
    else:  # attributes only ("[data-role=sapo]", "#main")
        name = attrs[0][0]
        cached = index.by_attr.get(name)
        if cached is None:
            cached = index.by_attr[name] = [el for el in root.iter() if el.get(name) is not None]
        pool = cached
    found = [el for el in pool if matches_any(el, (test,))]
    if scope is not None:
        found = [el for el in found if el is scope or any(a is scope for a in el.iterancestors())]
    return found


def select(sel: Selector, query: str) -> list[Selector]:
    """``sel.css(query)`` (elements, in document order), answered through the page index
    when the query's shape allows it; on an element (an article's container) through the
    same index, the matches kept to that element and its descendants."""
    plan = _plan(query)
    root = sel.root
    if plan is None or not hasattr(root, "getroottree") or not isinstance(root.tag, str):
        return list(sel.css(query))
    page = root.getroottree().getroot()
    test, rest = plan
    anchors = _anchors(page, doc_index(sel), test, None if root is page else root)
    if rest is None:
        return [Selector(root=el, type="html") for el in anchors]
    out: list[Selector] = []
    seen: set[Any] = set()
    done: set[Any] = set()
    for anchor in anchors:
        # An anchor inside an earlier one: its matches are among that one's already.
        if not any(a in done for a in anchor.iterancestors()):
            for el in rest(anchor):
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


# --- texts and links of matches -------------------------------------------------------
# Compiled once, run on the lxml element: parsel's xpath() would compile the expression on
# every call and wrap each text node it returns in a Selector of its own.
_TEXTS = etree.XPath(".//text()", smart_strings=False)
_TEXTS_NO_SCRIPT = etree.XPath(".//text()[not(ancestor::script)]", smart_strings=False)


def node_text(node: Selector, *, scripts: bool = False) -> str:
    """The texts under a matched node joined by spaces (as ``" ".join(node.xpath(
    ".//text()").getall())``), scripts' text left out unless ``scripts``."""
    root = node.root
    if not isinstance(getattr(root, "tag", None), str):  # a text or attribute result
        query = ".//text()" if scripts else ".//text()[not(ancestor::script)]"
        return " ".join(node.xpath(query).getall())
    return " ".join((_TEXTS if scripts else _TEXTS_NO_SCRIPT)(root))


def first_text(sel: Selector, css: Sequence[str]) -> str | None:
    """Text of the first element matching one of the CSS selectors (whole subtree)."""
    for q in css:
        node = select(sel, q)
        if node:
            text = node_text(node[0]).strip()
            if text:
                return text
    return None


def all_texts(sel: Selector, css: Sequence[str]) -> list[str]:
    """Texts of all elements matching any of the CSS selectors, in order, de-duplicated."""
    out: list[str] = []
    for q in css:
        for node in select(sel, q):
            text = node_text(node, scripts=True).strip()
            if text and text not in out:
                out.append(text)
    return out


_LABEL_EDGES = " \t\n#,;|·•"


def clean_label(text: str) -> str:
    """A tag or section label without list punctuation ("#AAT", "việt nam,").

    >>> clean_label("# Tiên Sơn Thanh Hoá"), clean_label("việt nam,")
    ('Tiên Sơn Thanh Hoá', 'việt nam')
    """
    return text.strip(_LABEL_EDGES).strip()


def css_values(sel: Selector, css: Sequence[str]) -> list[str]:
    """Values of CSS queries in order: attribute/text pseudo-elements as given, elements as
    their whole text (scripts excluded)."""
    out: list[str] = []
    for q in css:
        if "::" in q:
            values = select_values(sel, q)
        else:
            values = [node_text(node) for node in select(sel, q)]
        out.extend(v.strip() for v in values if v.strip())
    return out


def link_items(sel: Selector, url: str, css: Sequence[str]) -> list[dict[str, str]]:
    """{url, title} of the <a> elements matched, title from the link text (else its title
    attribute), de-duplicated by canonical URL."""
    return unique_links((((a.attrib.get("href") or "").strip(), _link_title(a).strip())
                         for q in css for a in select(sel, q)), url)


def unique_links(pairs: Iterable[tuple[str | None, str]], url: str,
                 seen: set[str] | None = None) -> list[dict[str, str]]:
    """{url, title} of (href, title) pairs in order: links to nowhere (empty, ``javascript:``,
    ``#``) and untitled ones left out, the others made absolute and canonical, each URL once.
    ``seen``: canonical URLs to leave out too (the article's own), updated as links are kept.

    >>> unique_links([("/a-1.html", "A"), ("#top", "Top"), ("/a-1.html?", "A again"),
    ...               ("/b-2.html", "")], "https://baohatinh.vn/x.html")
    [{'url': 'https://baohatinh.vn/a-1.html', 'title': 'A'}]
    """
    seen = set() if seen is None else seen
    out: list[dict[str, str]] = []
    for href, title in pairs:
        if not href or not title or href.startswith(("javascript:", "#")):
            continue
        link = canonical_url(href, url)
        if link not in seen:
            seen.add(link)
            out.append({"url": link, "title": title})
    return out


def _link_title(a: Selector) -> str:
    # A card link wraps cover, heading, summary and time: its heading is the title.
    heading = a.xpath("(.//h1|.//h2|.//h3|.//h4)[1]")
    node = heading[0] if heading else a
    text = node_text(node).strip()
    return text or a.attrib.get("title", "").strip()
