"""The text block of a page no profile knows: which container holds the article's prose
(paragraphs score by length, Vietnamese diacritics and how little of them is link text, and
pass their score to parent and grandparent, weighed by class/id words), whether it reads like
an article or a list of teasers, and which lines inside it are layout rather than text (the
article header a CMS puts in the body element, date/byline lines, kickers, capitals labels).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from typing import Any

from parsel import Selector

from crawler.extract.base import (
    Block,
    BodyRules,
    is_page_wrapper,
    meta_content,
)
from crawler.text import normalize_text, parse_vn_datetime

_POSITIVE = re.compile(r"content|detail|body|article|main|post|entry|story|text|fck|chitiet",
                       re.I)
_NEGATIVE = re.compile(
    r"comment|relat|footer|sidebar|banner|\bads?\b|advert|social|share|menu|\bnav|popup|widget"
    r"|recommend|most-?view|lien-?quan|same-?cate|cungmuc|sponsor|promo|breadcrumb|header"
    r"|tindnd|author|tag|topic|box-category|timeline|list",
    re.I,
)
# Inside the chosen container: boxes that are never body text on Vietnamese news sites.
# Class words of boxes that are never body text. Only block elements are matched: an inline
# link or span inside a paragraph is text whatever its class (nhandan marks in-text links
# ``a.cms-relate``).
_BOX_WORDS = ("relate", "comment", "banner", "share", "social", "tindnd", "ads-", "tag_", "tags",
              # Fact panels beside the story ("sc-hightlight-box" as OneCMS spells it).
              "highlight", "hightlight", "factbox")
_BOX_TAGS = ("div", "section", "ul", "ol", "table", "p", "figure", "article", "header",
             "footer", "nav", "center", "dl", "blockquote")
GENERIC_RULES = BodyRules(
    skip_css=(
        "aside", "[type=RelatedNewsBox]", "[type=RelatedOneNews]",
        *(f"{tag}[class*={word}]" for word in _BOX_WORDS for tag in _BOX_TAGS),
        "[id*=adzone]", "[id^=ads]", "table.article",
        ".notebox", ".readmore-body-box", "zone",
    ),
    image_box_css=(
        "figure", "table.picture", "table.image", "table.MASTERCMS_TPL_TABLE",
        "[type=Photo]", "div.picture",
    ),
    caption_css=(
        "figcaption", ".PhotoCMS_Caption", "td.pCaption", "td.caption", "td.media-caption",
        ".caption", ".image-caption", "p.Image",
    ),
)
# figcaption: photo stories carry their whole text in captions.
_PARAGRAPH_TAGS = ("p", "div", "td", "li", "blockquote", "pre", "figcaption")
_MIN_PARAGRAPH_CHARS = 25
# An article has at least this much prose in its container; a list page's teasers don't
# reach it once link text is discounted.
_MIN_BODY_CHARS = 300
MIN_BODY_PARAGRAPHS = 3
_VI_LETTERS = frozenset(
    "ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)


# --- pure scoring helpers -----------------------------------------------------------------

def vietnamese_ratio(text: str) -> float:
    """Share of letters that carry Vietnamese diacritics (about 0.2-0.4 for Vietnamese prose,
    0 for English or code).

    >>> vietnamese_ratio("Giá vàng thế giới tăng mạnh") > 0.2, vietnamese_ratio("Hello world")
    (True, 0.0)
    """
    letters = [c for c in unicodedata.normalize("NFC", text.lower()) if c.isalpha()]
    if not letters:
        return 0.0
    return sum(c in _VI_LETTERS for c in letters) / len(letters)


def class_weight(class_id: str) -> float:
    """Multiplier from an element's class and id words: content-like up, chrome-like down.

    >>> class_weight("detail-content afcbc-body"), class_weight("box-comment"), class_weight("")
    (1.5, 0.3, 1.0)
    """
    if _NEGATIVE.search(class_id) and not re.search(r"content|body", class_id, re.I):
        return 0.3
    if _POSITIVE.search(class_id):
        return 1.5
    return 1.0


def paragraph_score(text: str, link_chars: int) -> float:
    """Score of one paragraph: longer, more Vietnamese, less linked text scores higher.

    >>> paragraph_score("Người dân đổ xô đi mua vàng trong sáng nay tại Hà Nội.", 0) > 1
    True
    >>> paragraph_score("Người dân đổ xô đi mua vàng trong sáng nay tại Hà Nội.", 60)
    0.0
    """
    length = len(text)
    if length < _MIN_PARAGRAPH_CHARS:
        return 0.0
    link_density = min(link_chars / length, 1.0)
    vi = min(vietnamese_ratio(text) / 0.2, 1.0)
    return (1 + min(length / 100, 5)) * (0.3 + 0.7 * vi) * (1 - link_density)


# --- element helpers ----------------------------------------------------------------------

_CHROME_TAGS = frozenset({"script", "style", "noscript", "nav", "header", "footer", "aside"})


def _skippable(el: Any) -> bool:
    if el.tag == "form":
        return not is_page_wrapper(el)
    return el.tag in _CHROME_TAGS


def _own_text(el: Any) -> str:
    """Text of a paragraph-like element: the whole subtree for <p>, but for a <div> only its
    own text and inline children (nested blocks are paragraphs of their own)."""
    if el.tag == "p":
        return normalize_text(" ".join(el.xpath(".//text()[not(ancestor::script)]")))
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag in ("a", "b", "strong", "i", "em", "span",
                                                        "u", "br", "sup", "sub", "font"):
            parts.append(" ".join(child.itertext()))
        parts.append(child.tail or "")
    return normalize_text(" ".join(parts))


def _link_chars(el: Any) -> int:
    """Link text in a paragraph: all links of a <p>, the direct-child links of a block (its
    nested blocks count as paragraphs of their own)."""
    links = el.iter("a") if el.tag == "p" else (c for c in el if c.tag == "a")
    return sum(len(normalize_text(" ".join(a.itertext()))) for a in links)


def _class_id(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''} {el.get('type') or ''}"


_OVERLAY = re.compile(r"popup|modal|lightbox", re.I)


def _skipped_subtrees(root: Any) -> set[Any]:
    """Elements inside page chrome (scripts, nav, header, footer, aside, small forms) or an
    overlay: one pass in document order (a parent before its children), so the cost does not
    grow with nesting depth as an ancestor walk per element would."""
    inside: set[Any] = set()
    for el in root.iter():
        parent = el.getparent()
        if parent is not None and (parent in inside or _blocks_text(parent)):
            inside.add(el)
    return inside


def _blocks_text(el: Any) -> bool:
    # Popups and modals hold site promos ("Đăng ký Tuổi Trẻ Sao"), never the article.
    return isinstance(el.tag, str) and (_skippable(el) or bool(_OVERLAY.search(el.get("class")
                                                                                or "")))


def score_containers(root: Any) -> dict[Any, float]:
    """Candidate containers and their scores (lxml elements as keys)."""
    scores: dict[Any, float] = {}
    skipped = _skipped_subtrees(root)
    for el in root.iter(*_PARAGRAPH_TAGS):
        if el in skipped:
            continue
        text = _own_text(el)
        score = paragraph_score(text, _link_chars(el))
        if score <= 0:
            continue
        parent = el.getparent()
        if el.tag == "figcaption" and parent is not None and parent.tag == "figure":
            parent = parent.getparent()  # a caption scores the block its figure sits in
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + score
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0.0) + score / 2
    return {el: s * class_weight(_class_id(el)) for el, s in scores.items()}


def best_container(sel: Selector) -> Selector | None:
    scores = score_containers(sel.root)
    if not scores:
        return None
    best = max(scores, key=lambda el: scores[el])
    return Selector(root=best, type="html") if scores[best] > 0 else None


def _linked_headings(container: Selector, exclude: Collection[Any] = ()) -> int:
    headings = container.xpath(".//*[self::h2 or self::h3 or self::h4][.//a[@href]]")
    return sum(1 for h in headings if not any(within(h.root, box) for box in exclude))


def link_density(container: Selector) -> float:
    text = normalize_text(" ".join(container.xpath(".//text()[not(ancestor::script)]").getall()))
    linked = normalize_text(" ".join(container.xpath(".//a//text()").getall()))
    return len(linked) / len(text) if text else 1.0


def looks_like_list(container: Selector, paragraphs: list[str], *, declared: bool,
                    news_article: bool = False, exclude: Collection[Any] = ()) -> bool:
    """Teaser lists: mostly link text, many linked headings, or too little prose for an
    article. A page that declares itself an article (og:type, JSON-LD, published time) gets
    the benefit of the doubt on length, a JSON-LD NewsArticle (short news items, briefs)
    most of all; an undeclared one must show real prose."""
    sentences = [p for p in paragraphs if len(p) >= 60]
    if news_article:
        min_paragraphs, min_chars = 1, 100
    elif declared:
        min_paragraphs, min_chars = MIN_BODY_PARAGRAPHS, _MIN_BODY_CHARS
    else:
        min_paragraphs, min_chars = MIN_BODY_PARAGRAPHS + 2, 2 * _MIN_BODY_CHARS
    if len(sentences) < min_paragraphs or sum(map(len, sentences)) < min_chars:
        return True
    if link_density(container) > 0.4:
        return True
    # Story links in boxes left out of the body (related boxes) do not make it a list.
    return _linked_headings(container, exclude) >= max(4, len(sentences) // 2)


def near_headline(sel: Selector, container: Selector, levels: int = 2) -> bool:
    """An <h1> sits within ``levels`` ancestors of the container: an article's body is next to
    its headline, while a promo box or teaser strip of a list page is not."""
    ancestors = [container.root, *list(container.root.iterancestors())[:levels]]
    return any(a in ancestors for h1 in sel.css("h1") for a in h1.root.iterancestors())


def declares_article(sel: Selector, ld: dict[str, Any]) -> bool:
    """The page says it is an article: og:type article, a JSON-LD NewsArticle or a
    published time meta."""
    return (meta_content(sel, "og:type") or "").lower() == "article" or bool(ld) or bool(
        meta_content(sel, "article:published_time"))



# --- what sits in the text block but is not body text ----------------------------------------

def within(el: Any, ancestor: Any) -> bool:
    """``el`` is ``ancestor`` or inside it (lxml elements)."""
    return el is ancestor or any(a is ancestor for a in el.iterancestors())


def header_elements(container: Selector) -> set[Any]:
    """The article's header when the text block holds it (OneCMS-style pages put category,
    headline, byline, date and sapo inside the body element): the child of the container
    that holds the h1, or, when the h1 is a direct child, the h1 and what precedes it."""
    root = container.root
    out: set[Any] = set()
    for h1 in root.iter("h1"):
        top = h1
        while top.getparent() is not None and top.getparent() is not root:
            top = top.getparent()
        if top.getparent() is None:
            continue
        if top is h1:
            out.add(h1)
            out.update(x for x in h1.itersiblings(preceding=True) if isinstance(x.tag, str))
        elif text_len(top) < 0.5 * text_len(root):
            out.add(top)
    return out


def text_len(el: Any) -> int:
    """Characters of an element's text, each text node stripped."""
    return sum(len(t.strip()) for t in el.itertext())


_META_WORDS = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{1,2}[:h]\d{2}|GMT|[•|]")


def is_meta_line(text: str) -> bool:
    """A date/byline line such as "MAI QUẾ • 08/01/2026 10:02" or "Thứ 4, 01/12/2021 |
    11:51": short, holding a date, little else.

    >>> is_meta_line("MAI QUẾ • 08/01/2026 10:02"), is_meta_line("Ngày 08/01/2026 là ngày"
    ...     " HĐND thành phố họp phiên bất thường để thông qua nghị quyết mới.")
    (True, False)
    >>> is_meta_line("Chiều 20/10/2024, Quốc hội họp phiên bế mạc.")
    False
    """
    text = normalize_text(text)
    if len(text) > 80 or parse_vn_datetime(text) is None:
        return False
    words = len(_META_WORDS.sub(" ", text).split())
    # A time, a "•"/"|" separator or almost nothing else: "Chiều 20/10/2024, Quốc hội họp."
    # is a sentence.
    return words <= 3 or (words <= 6 and bool(_META_MARK.search(text)))


_META_MARK = re.compile(r"\d{1,2}[:h]\d{2}|GMT|[•|]")


def is_capitals(text: str) -> bool:
    return text.upper() == text and any(c.isalpha() for c in text)


def is_subhead(block: Block) -> bool:
    """A subhead: a short line set in bold, as a heading or in capitals, with no sentence
    end ("Cần có phương án dự phòng", "PHÒNG NGỦ")."""
    text = normalize_text(block.text)
    if len(text) > 100 or text.endswith((".", ":", "?", "!", "…", ";", ",")):
        return False
    capitals = text.upper() == text and any(c.isalpha() for c in text)
    return block.bold or capitals or block.tag in ("h2", "h3", "h4", "h5", "h6")


