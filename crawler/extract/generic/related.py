"""Boxes of other stories around and inside the text block: related boxes found by their
heading ("Tin liên quan", "Xem thêm", "Đọc thêm"...), a class or data attribute saying
"related", story cards and arrow-led pointer lines between paragraphs, unheaded story lists
set against the body; and lists of other stories that are not related ones ("Tin tức gần
đây", "Đọc nhiều"), which leave the body without going to ``related``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from crawler.extract.generic.body import text_len, within
from crawler.text import normalize_text
from crawler.urls import canonical_url, host_matches, site_of

_RELATED_LABEL = re.compile(
    r"^(tin|bài|bài viết|tin tức)?\s*(liên quan|cùng chuyên mục|cùng chủ đề)$"
    r"|^(xem thêm|đọc thêm|có thể bạn quan tâm|bạn có thể quan tâm|có thể bạn muốn đọc"
    r"|cùng chuyên mục|dòng sự kiện|đọc tiếp|tin cùng chuyên mục|tin khác|các tin khác"
    r"|tin bài liên quan)$", re.I)
_READ_MORE = re.compile(r"^\W*(xem thêm|đọc thêm|đọc tiếp)\W*$", re.I)
_RELATED_CLASS = re.compile(r"relate|lien-?quan|tinlienquan|lienquan", re.I)
_MIN_TITLE_WORDS = 5
# Where a CMS says what a box is: class and id, or data attributes (data-source="related-news").
_BOX_ATTRS = ("class", "id", "data-source", "data-type", "data-role", "type", "data-content-name",
              "data-module")


def is_related_label(text: str) -> bool:
    """A box heading that announces related stories.

    >>> [is_related_label(t) for t in ("Tin liên quan", "XEM THÊM:", "Đọc nhiều", "Xem thêm Y tế")]
    [True, True, False, False]
    """
    return bool(_RELATED_LABEL.match(normalize_text(text).strip(" :»›>-").lower()))


def related_boxes(sel: Selector, url: str,
                  container: Selector) -> list[tuple[Any, list[dict[str, str]]]]:
    """Boxes of related stories, found by what they are: a heading that reads "Tin liên
    quan", "Xem thêm", "Đọc thêm", "Có thể bạn quan tâm", "Tin cùng chuyên mục", "Dòng sự
    kiện"... (or a class/id saying "related") over links to other stories of the site. Each
    box with its {url, title} items; a box inside the text block is left out of the body."""
    here = canonical_url(url)
    site = site_of(url)
    body = container.root
    found: list[tuple[Any, list[dict[str, str]]]] = []
    seen: set[str] = set()
    candidates = [*_related_candidates(sel, body),
                  *((b, None) for b in adjacent_story_boxes(sel, container, url))]
    for box, heading in candidates:
        if any(within(box, b) for b, _ in found) or within(body, box):
            continue  # a box already read, or one that would swallow the article
        if within(box, body) and text_len(box) > _MAX_BOX_SHARE * text_len(body):
            continue  # most of the story's own text: not a box beside it
        items: list[dict[str, str]] = []
        stories = 0
        for a in box.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            link = canonical_url(href, url)
            title = _anchor_title(a)
            if link == here or not is_story_title(title) or not host_matches(link, [site]) \
                    or not is_story_url(link):
                continue
            stories += 1
            if link not in seen:
                seen.add(link)
                items.append({"url": link, "title": title})
        if stories:  # a box repeating another's stories is still a box to leave out
            found.append((box, items))
            if heading is not None:
                found.append((heading, []))
    return found


def _is_story_link(a: Any, url: str, here: str, site: str) -> str | None:
    """The canonical URL of a link to another story of the site with a headline for text."""
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("javascript:", "#", "mailto:")):
        return None
    link = canonical_url(href, url)
    if link == here or not is_story_title(_anchor_title(a)) or not host_matches(link, [site]) \
            or not is_story_url(link):
        return None
    return link


_ADJACENT_LEVELS = 3
_ADJACENT_STEPS = 4
_END_OF_STORY = re.compile(r"comment|binh-?luan|footer|tags?\b|keywords?|tu-?khoa", re.I)


def _ends_story(el: Any) -> bool:
    """The element is, or holds, a tag box, the comments or the footer."""
    return any(_END_OF_STORY.search(f"{x.get('class') or ''} {x.get('id') or ''}")
               for x in el.iter() if isinstance(x.tag, str))


def _headline_cased(title: str) -> bool:
    """A headline opens with a capital, a digit or a quote; tag links are often lower case
    ("chụp ảnh khoe thân phản cảm")."""
    first = title.lstrip("\"'“‘«([ ")[:1]
    return first.isupper() or first.isdigit()


def adjacent_story_boxes(sel: Selector, container: Selector, url: str) -> list[Any]:
    """Unheaded boxes of other stories set right against the story: between the headline
    and the body, a list of two or more story links (baotintuc's ``ul.list-concern``); right
    after the body (past the byline and share bar, before tags and comments), a story card or
    list (``div.knc-rate-link``, a single ``div.widget`` card). A few elements on each side,
    up to three levels above the text block; a long text or the end of the story stops."""
    here, site = canonical_url(url), site_of(url)
    body = container.root
    order = {el: i for i, el in enumerate(sel.root.iter())}
    h1 = next(sel.root.iter("h1"), None)
    top = order.get(h1, -1) if h1 is not None else len(order)
    out: list[Any] = []
    for after in (False, True):
        steps = 0
        el = body
        stop = False
        for _ in range(_ADJACENT_LEVELS):
            siblings = el.itersiblings(preceding=not after)
            for sib in siblings:
                if not isinstance(sib.tag, str) or sib.tag in ("script", "style", "noscript"):
                    continue
                if not after and (order.get(sib, 0) <= top or within(h1, sib)):
                    stop = True  # the headline: nothing above it is beside the story
                    break
                if _ends_story(sib):
                    if after:
                        stop = True
                        break
                    continue
                links = {x for a in sib.iter("a") if _headline_cased(_anchor_title(a))
                         and (x := _is_story_link(a, url, here, site))}
                size = text_len(sib)
                if links and (len(links) >= 2 or after) and size <= _CARD_MAX_CHARS * len(links):
                    out.append(sib)
                elif size > _CARD_MAX_CHARS and (after or links):
                    # Text of its own after the story, or a wider block of stories (the sapo
                    # between headline and body is passed over).
                    stop = True
                    break
                if size or links:
                    steps += 1
                if steps >= _ADJACENT_STEPS:
                    stop = True
                    break
            parent = el.getparent()
            if stop or parent is None or parent.tag in ("body", "html", "form"):
                break
            el = parent
    return out


_MAX_BOX_SHARE = 0.5
_STORY_PATH = re.compile(r"\d{4}|(?:[^/-]+-){4}")


def is_story_url(url: str) -> bool:
    """A link to a story, not a section: its path carries an id (four digits or more) or a
    long slug.

    >>> is_story_url("https://x.vn/giai-tri/"), is_story_url("https://x.vn/a-b-post1874068.tpo")
    (False, True)
    >>> is_story_url("https://x.vn/suc-khoe/202507/trien-khai-chien-dich-tiem-chung-5f3a2c1/")
    True
    """
    return bool(_STORY_PATH.search(urlsplit(url).path))


def is_story_title(title: str) -> bool:
    """Long enough to be a headline: at least five words (section names are shorter).

    >>> is_story_title("Tài chính - Chứng khoán"), is_story_title("5 anh trai bị loại tàn nhẫn")
    (False, True)
    """
    return len(re.findall(r"\w+", title)) >= _MIN_TITLE_WORDS



SHORT_TEXTS = etree.XPath("//body//text()[string-length(normalize-space(.)) < 40]"
                           "[normalize-space(.)]", smart_strings=True)


_CARD_MAX_CHARS = 400
# Boxes of other stories that are not related ones: out of the body, not into ``related``.
_LIST_LABEL = re.compile(
    r"^(tin tức gần đây|tin gần đây|tin mới|tin mới nhất|tin mới cập nhật|đọc nhiều|xem nhiều"
    r"|tin đọc nhiều|tin xem nhiều|bài đọc nhiều|tin nổi bật|nổi bật|tin khác|tin hot"
    r"|tin cùng tác giả)$", re.I)


def list_boxes(container: Any) -> set[Any]:
    """Boxes inside the text block headed "Tin tức gần đây", "Đọc nhiều", "Tin mới"...:
    lists of other stories that some CMSs (old zing pages) place inside the article."""
    out: set[Any] = set()
    for node in _CONTAINER_TEXTS(container):
        if not _LIST_LABEL.match(normalize_text(str(node)).strip(" :»›>-")):
            continue
        label = node.getparent()
        if label is not None and node.is_tail:
            label = label.getparent()
        box = _box_of(label, stop=container) if label is not None else None
        if box is not None and box is not container:
            out.add(box)
    return out


_CONTAINER_TEXTS = etree.XPath(".//text()[string-length(normalize-space(.)) < 40]"
                               "[normalize-space(.)]", smart_strings=True)


def story_cards(container: Any) -> list[Any]:
    """Story cards embedded in the text block: a linked headline (an h2-h5 inside or around
    a link) with its thumbnail and teaser, as the widest element under the container that
    stays short (vov's ``article.inner-article``, "Đọc thêm" cards between paragraphs)."""
    cards: list[Any] = []
    for h in container.iter("h2", "h3", "h4", "h5"):
        linked = any(a.tag == "a" for a in h.iterancestors()) or next(h.iter("a"), None) \
            is not None
        if not linked or any(within(h, c) for c in cards):
            continue
        card = None
        el = h
        while el.getparent() is not None and el.getparent() is not container \
                and text_len(el.getparent()) <= _CARD_MAX_CHARS:
            el = el.getparent()
            card = el
        if card is not None and next(card.iter("a"), None) is not None:
            cards.append(card)
    return cards


def _related_candidates(sel: Selector, container: Any | None = None,
                        ) -> list[tuple[Any, Any | None]]:
    """(box, its heading when that is a separate element) for every likely related box."""
    out: list[tuple[Any, Any | None]] = [
        (card, None) for card in (story_cards(container) if container is not None else [])]
    for node in SHORT_TEXTS(sel.root):
        if not is_related_label(str(node)):
            continue
        label = node.getparent()
        if label is not None and node.is_tail:
            label = label.getparent()
        if label is None or label.tag in ("button", "option", "script") or (
                label.tag == "a" and _READ_MORE.match(normalize_text(str(node)))
                and not (label.get("href") or "javascript:").startswith(("javascript:", "#"))):
            continue  # a "read more" link of a teaser card, not a box heading
        heading, listing = _heading_and_list(label)
        if listing is not None:  # "<p><b>Xem thêm:</b></p><ul>...</ul>": two siblings
            out.append((listing, heading))
            continue
        box = _box_of(label)
        if box is not None:
            out.append((box, None))
    for el in sel.root.iter("div", "section", "ul", "aside", "article"):
        if _RELATED_CLASS.search(" ".join(el.get(a) or "" for a in _BOX_ATTRS)):
            out.append((el, None))
    if container is not None:
        out += [(line, None) for line in pointer_lines(container)]
    return out


# An arrow opening a line that points to another story ("-> Ung thư xương: ...", "» ...").
_POINTER = re.compile(r"^\s*(?:-+>|=+>|→|⇒|»|>>|►|▶|▸)\s*")
_POINTER_LABEL = re.compile(r"^\s*(?:xem thêm|đọc thêm|tin liên quan|bài liên quan)\s*:\s*", re.I)


def pointer_lines(container: Any) -> list[Any]:
    """Lines of the text block that are one link to another story, opened by an arrow or
    a "Xem thêm:" label (``<h3><a>-> Ung thư xương: ...</a></h3>`` between paragraphs):
    a related story, not a paragraph."""
    out: list[Any] = []
    for el in container.iter("p", "h2", "h3", "h4", "h5", "h6", "li"):
        anchors = [a for a in el.iter("a") if (a.get("href") or "").strip()]
        if len(anchors) != 1:
            continue
        text = normalize_text(" ".join(el.itertext()))
        linked = normalize_text(" ".join(anchors[0].itertext()))
        if not (_POINTER.match(text) or _POINTER_LABEL.match(text)):
            continue
        rest = _POINTER_LABEL.sub("", _POINTER.sub("", text))
        if linked and _POINTER_LABEL.sub("", _POINTER.sub("", linked)) == rest:
            out.append(el)
    return out


def _heading_and_list(label: Any) -> tuple[Any, Any | None]:
    """A heading line with no links of its own (the label, or its paragraph up to two levels
    up) and the element right after it, when that one holds story links."""
    el = label
    for _ in range(3):
        if next(el.iter("a"), None) is not None and el.tag != "a":
            break
        after = el.getnext()
        while after is not None and not isinstance(after.tag, str):
            after = after.getnext()
        if after is not None and any(is_story_title(_anchor_title(a)) for a in after.iter("a")):
            return el, after
        if text_len(el) > 40 or el.getparent() is None:
            break
        el = el.getparent()
    return label, None


def _box_of(label: Any, stop: Any | None = None) -> Any | None:
    """The smallest ancestor of a box heading (up to four levels up, below ``stop``) holding
    story links."""
    el = label
    for _ in range(4):
        parent = el.getparent()
        if parent is None or parent.tag in ("body", "html") or parent is stop:
            return None
        el = parent
        if any(is_story_title(_anchor_title(a)) for a in el.iter("a")):
            return el
    return None


# Link titles of the page being extracted: box detection asks for the same links many times
# (each heading's ancestors hold the same links); cleared once the page is done.
_TITLES: dict[Any, str] = {}


def forget_titles() -> None:
    """Drop the link titles remembered for the page just extracted (they hold its tree)."""
    _TITLES.clear()


def _anchor_title(a: Any) -> str:
    title = _TITLES.get(a)
    if title is None:
        heading = next(a.iter("h1", "h2", "h3", "h4", "h5"), None)
        text = normalize_text(" ".join((heading if heading is not None else a).itertext()))
        text = _POINTER.sub("", text)  # "-> Headline": the arrow is not part of it
        title = _TITLES[a] = text or normalize_text(a.get("title") or "")
    return title


