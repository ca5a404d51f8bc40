"""Small helpers shared by the provincial CMS family modules (onecms, content-fck, mediatech,
vnpt-portal) and the profiles checked on real pages: credit lines to names, visible dates,
related boxes recognised by their heading, captions written as the paragraph after a photo.

Private module (leading underscore): the site registry and the family discovery skip it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.base import (
    BLOCK_TAGS,
    NEVER_TEXT_TAGS,
    BodyParts,
    BodyRules,
    etree,
    matches_any,
    simple_tests,
    unique_links,
    walk_body,
)
from crawler.text import parse_vn_datetime, to_iso
from crawler.urls import canonical_url

# "Tin và ảnh:", "Bài, ảnh:", "Ảnh:", "Video:" ... role labels in a credit line.
_ROLE_LABEL = re.compile(
    r"(?:(?:tin|bài|ảnh|video|clip|đồ\s*họa|thực\s*hiện|nhóm\s*pv|nhóm\s*phóng\s*viên)"
    r"(?:\s*(?:và|,|&|-)\s*(?:tin|bài|ảnh|video|clip))*)\s*:",
    re.IGNORECASE,
)
_CREDIT_SPLIT = re.compile(r"\s+[-–—]\s+|\s*[,;/|]\s*|\s+(?:và|and)\s+", re.IGNORECASE)
_PARENS = re.compile(r"\s*\([^()]*\)")
# A part that names an outlet or an agency, not a person.
_OUTLET = re.compile(r"^(?:theo|báo|tạp\s*chí|đài|nguồn|tổng\s*hợp)\b|\.(?:vn|com|net)\b",
                     re.IGNORECASE)


# A person signing with initials: two to four capitals joined by dots ("H.A", "N.Đ.T.").
_INITIALS = re.compile(r"^(?:[A-ZĐ]\.){1,3}[A-ZĐ]\.?$")


def credit_names(line: str) -> list[str]:
    """People named in a credit line, role labels, sources and outlets left out.

    >>> credit_names("Tin: Tường Minh - Ảnh: Đỗ Hiền"), credit_names("Tin và ảnh: Nam Giang")
    (['Tường Minh', 'Đỗ Hiền'], ['Nam Giang'])
    >>> credit_names("Tạ Nguyên/Báo Tin tức"), credit_names("PV/VOV.VN"), credit_names("Theo DTO")
    (['Tạ Nguyên'], [], [])
    >>> credit_names("Quang Minh (theo Heathline)"), credit_names("MAI QUẾ")
    (['Quang Minh'], ['MAI QUẾ'])
    >>> credit_names("H.A (Theo Readers Digest)"), credit_names("TP.HCM")
    (['H.A'], [])
    """
    text = _PARENS.sub("", " ".join(line.split()))
    if re.match(r"^(?:theo|nguồn)\b", text, re.IGNORECASE):
        return []
    text = _ROLE_LABEL.sub(" | ", text)
    out: list[str] = []
    for part in _CREDIT_SPLIT.split(text):
        part = part.strip(" .:-–")
        # A name has two to five words; a single token is an abbreviation (PV, TTXVN, VOV),
        # except dotted initials, which sign a person ("H.A", "T.L.").
        if not part or _OUTLET.search(part) or not (2 <= len(part.split()) <= 5
                                                    or _INITIALS.match(part)):
            continue
        if not part[0].isupper() or any(c.isdigit() for c in part):
            continue
        if part.casefold() not in {o.casefold() for o in out}:
            out.append(part)
    return out


def visible_date(*texts: str | None) -> str | None:
    """The first text holding a day-first date, as ISO 8601 +07:00 (the visible time wins
    over meta tags, some of which write the month first: "9/5/2026 10:17:01 PM")."""
    for text in texts:
        if text and text.strip():
            dt = parse_vn_datetime(" ".join(text.split()))
            if dt is not None:
                return to_iso(dt)
    return None


def text_of(el: Any) -> str:
    """An lxml element's text, single-spaced, scripts and styles left out. Inline elements
    join their neighbours as written ("<a>lương</a>." stays "lương."); block elements and
    <br> separate words.

    >>> from lxml import html
    >>> text_of(html.fromstring("<p>tới 2 tháng <a>lương</a>.<br>Mới<div>x</div></p>"))
    'tới 2 tháng lương. Mới x'
    """
    out: list[str] = []
    _text_into(el, out)
    return " ".join("".join(out).split())


def _text_into(el: Any, out: list[str]) -> None:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag in ("script", "style", "noscript", "template"):
        return
    block = tag in BLOCK_TAGS or tag == "br"
    if block:
        out.append(" ")
    out.append(el.text or "")
    for child in el:
        if isinstance(child.tag, str):
            _text_into(child, out)
        out.append(child.tail or "")
    if block:
        out.append(" ")


def first_text_x(sel: Selector, *xpaths: str) -> str | None:
    """Text of the first node matched by the first XPath that matches with text."""
    for xp in xpaths:
        for node in sel.xpath(xp):
            text = text_of(node.root) if hasattr(node.root, "xpath") else str(node.root)
            text = " ".join(text.split())
            if text:
                return text
    return None


def link_title(a: Any) -> str:
    """An <a>'s title: its own text, else its title attribute (cards repeat it in img alt)."""
    text = text_of(a)
    return text or " ".join((a.get("title") or "").split())


def story_links(boxes: Iterable[Any], url: str, item_xpath: str,
                exclude: Sequence[str] = ()) -> list[dict[str, str]]:
    """{url, title} of the story links found by ``item_xpath`` inside each box, in order,
    de-duplicated by canonical URL; ``exclude`` holds URLs left out (the article itself)."""
    return unique_links((((a.get("href") or "").strip(), link_title(a))
                         for box in boxes for a in box.xpath(item_xpath)),
                        url, {canonical_url(u, url) for u in exclude if u})


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _all_inside(el: Any, wanted: tuple[str, ...], through: tuple[str, ...]) -> bool:
    """Is all of the element's text inside ``wanted`` tags (reached through ``through``)?"""
    if not text_of(el) or (el.text or "").strip():
        return False
    for child in el:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if (child.tail or "").strip():
            return False
        if tag in wanted:
            continue
        if tag in through and _all_inside(child, wanted, through):
            continue
        if tag == "br" or not text_of(child):
            continue
        return False
    return True


def emphasis_only(el: Any) -> bool:
    """Is all of the element's text inside <em>/<i> (a caption written as a paragraph)?"""
    return _all_inside(el, ("em", "i"), ("span", "font", "strong", "b"))


def bold_only(el: Any) -> bool:
    """Is all of the element's text inside <strong>/<b>?"""
    return _all_inside(el, ("strong", "b"), ("span", "font", "em", "i"))


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SENTENCE_END = (".", "!", "?", "…", "\"", "”")


def is_subhead(el: Any) -> bool:
    """A paragraph that is a subhead: short, no final stop, and either all inside
    <strong>/<b> ("<p><strong>Cần có phương án dự phòng</strong></p>", "<p><strong>Hướng
    dẫn tập thiền định:</strong>") or written in capitals ("PHÒNG NGỦ"). Not body text:
    readers and the truth files count paragraphs without them. A plain line ending in ":"
    introduces a list and stays."""
    if not isinstance(el.tag, str) or el.tag.lower() != "p" or right_aligned(el):
        return False  # a right-aligned bold line is a byline, not a subhead
    text = text_of(el)
    if not text or len(text) > 150 or text.endswith(_SENTENCE_END):
        return False
    if len(text) <= 60 and text.isupper() and not text.endswith(":"):
        return True
    return bold_only(el)


def right_aligned(el: Any) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "text-align:right" in style or (el.get("align") or "").lower() == "right"


def table_image(el: Any, url: str) -> list[dict[str, str | None]] | None:
    """A layout table holding photos and a short caption (Word-pasted and older CMS bodies:
    image row, caption row), as images; None for any other table (data tables are text)."""
    if not isinstance(el.tag, str) or el.tag.lower() != "table" or not el.xpath(".//img"):
        return None
    caption = text_of(el)
    if len(caption) > 300:
        return None
    out: list[dict[str, str | None]] = []
    for img in el.iter("img"):
        src = next((img.get(a) for a in ("data-src", "data-original", "src")
                    if (img.get(a) or "").strip() and not img.get(a).startswith("data:")), None)
        if src:
            out.append({"url": urljoin(url, src.strip()), "caption": caption or None})
    return out


def image_only(el: Any) -> bool:
    """A paragraph holding an image and no text."""
    return bool(el.xpath(".//img")) and not text_of(el)


def walk_children(container: Any, url: str, rules: BodyRules, *,
                  skip: Any = None) -> BodyParts:
    """Walk a body container child by child with the shared walker, giving a caption to an
    image-only paragraph whose next sibling paragraph is all italic (the OneCMS and Word-paste
    form: ``<p><img></p><p><em>caption</em></p>``). ``skip(el)`` leaves a child out."""
    parts = BodyParts()
    pending: list[dict[str, str | None]] = []
    skip_tests = simple_tests(rules.skip_css) or ()
    for child in container:
        if not isinstance(child.tag, str) or child.tag.lower() in NEVER_TEXT_TAGS:
            continue
        # Headings inside a body are subheads: not paragraphs (as readers count them).
        if child.tag.lower() in _HEADINGS or (skip is not None and skip(child)) \
                or is_subhead(child) \
                or (skip_tests and matches_any(child, skip_tests)):
            continue
        if pending and child.tag.lower() == "p" and emphasis_only(child):
            caption = text_of(child)
            for img in pending:
                img["caption"] = caption
            pending = []
            continue
        table = table_image(child, url)
        if table is not None:
            parts.images.extend(table)
            pending = []
            continue
        sub = walk_body(_walkable(child, rules), url, rules)
        parts.blocks.extend(sub.blocks)
        parts.images.extend(sub.images)
        uncaptioned = [i for i in sub.images if not i.get("caption")]
        pending = uncaptioned if (uncaptioned and image_only(child)) else []
    return parts


def _walkable(child: Any, rules: BodyRules) -> Selector:
    """The child as the walker's root. The walker recognises image boxes among the children
    of the element it walks, so a child that is itself a box is walked inside a detached
    wrapper holding a copy of it (the page's tree is left as it is)."""
    tests = simple_tests(rules.image_box_css)
    if tests and matches_any(child, tests):
        wrapper = etree.Element("div")
        twin = copy.deepcopy(child)
        twin.tail = None
        wrapper.append(twin)
        return Selector(root=wrapper, type="html")
    return Selector(root=child, type="html")


def meta(sel: Selector, *names: str) -> str | None:
    """content of the first <meta property|name=...> present (XPath: works on trees the
    class index cannot see, e.g. a document split in two by a stray </html>)."""
    for name in names:
        value = sel.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content').get()
        if value and value.strip():
            return value.strip()
    return None
