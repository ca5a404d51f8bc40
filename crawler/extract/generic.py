"""The generic extractor, for pages no site profile or CMS family knows: metadata plus a
main-content heuristic tuned for Vietnamese news pages. It knows no site (the dispatch in
crawler.sites.dispatch decides when it runs).

Metadata comes from what sites publish for machines first (JSON-LD NewsArticle, OpenGraph,
``article:*`` metas), then from visible markup. The body is the container whose paragraphs
hold the most Vietnamese prose: each paragraph scores by length, diacritic ratio and how little
of it is link text, and passes its score to its parent (whole) and grandparent (half), as in
Readability; class/id words such as "content"/"detail" raise a candidate, "comment"/"related"
/"sidebar" lower it. The winner is split into paragraphs and captioned images by walk_body.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from parsel import Selector

from crawler.extract.base import (
    BodyRules,
    NotAnArticle,
    clean_label,
    first_date,
    jsonld_article,
    jsonld_breadcrumb,
    jsonld_keywords,
    jsonld_objects,
    jsonld_person_names,
    meta_content,
    meta_contents,
    same_site_url,
    selector_for,
    walk_body,
)
from crawler.text import normalize_text, split_authors

EXTRACTOR_VERSION = "generic/2026.03"

_POSITIVE = re.compile(r"content|detail|body|article|main|post|entry|story|text|fck|chitiet",
                       re.I)
_NEGATIVE = re.compile(
    r"comment|relat|footer|sidebar|banner|\bads?\b|advert|social|share|menu|\bnav|popup|widget"
    r"|recommend|most-?view|lien-?quan|same-?cate|cungmuc|sponsor|promo|breadcrumb|header"
    r"|tindnd|author|tag|topic|box-category|timeline|list",
    re.I,
)
# Inside the chosen container: boxes that are never body text on Vietnamese news sites.
GENERIC_RULES = BodyRules(
    skip_css=(
        "aside", "[type=RelatedNewsBox]", "[type=RelatedOneNews]", "[class*=relate]",
        "[class*=comment]", "[class*=banner]", "[class*=share]", "[class*=social]",
        "[class*=tindnd]", "[id*=adzone]", "[id^=ads]", "[class*=ads-]", "table.article",
        ".notebox", ".readmore-body-box", "zone", "[class*=tag_]", "[class*=tags]",
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
_PARAGRAPH_TAGS = ("p", "div", "td", "li", "blockquote", "pre")
_MIN_PARAGRAPH_CHARS = 25
# An article has at least this much prose in its container; a list page's teasers don't
# reach it once link text is discounted.
_MIN_BODY_CHARS = 300
_MIN_BODY_PARAGRAPHS = 3
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

def _skippable(el: Any) -> bool:
    return el.tag in ("script", "style", "noscript", "nav", "header", "footer", "aside", "form")


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


def _linked_headings(container: Selector) -> int:
    return len(container.xpath(".//*[self::h2 or self::h3 or self::h4][.//a[@href]]"))


def link_density(container: Selector) -> float:
    text = normalize_text(" ".join(container.xpath(".//text()[not(ancestor::script)]").getall()))
    linked = normalize_text(" ".join(container.xpath(".//a//text()").getall()))
    return len(linked) / len(text) if text else 1.0


def looks_like_list(container: Selector, paragraphs: list[str], *, declared: bool,
                    news_article: bool = False) -> bool:
    """Teaser lists: mostly link text, many linked headings, or too little prose for an
    article. A page that declares itself an article (og:type, JSON-LD, published time) gets
    the benefit of the doubt on length, a JSON-LD NewsArticle (short news items, briefs)
    most of all; an undeclared one must show real prose."""
    sentences = [p for p in paragraphs if len(p) >= 60]
    if news_article:
        min_paragraphs, min_chars = 1, 100
    elif declared:
        min_paragraphs, min_chars = _MIN_BODY_PARAGRAPHS, _MIN_BODY_CHARS
    else:
        min_paragraphs, min_chars = _MIN_BODY_PARAGRAPHS + 2, 2 * _MIN_BODY_CHARS
    if len(sentences) < min_paragraphs or sum(map(len, sentences)) < min_chars:
        return True
    if link_density(container) > 0.4:
        return True
    return _linked_headings(container) >= max(4, len(sentences) // 2)


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


# --- metadata, one function per field ------------------------------------------------------

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


def generic_lead(sel: Selector) -> str | None:
    for q in ("[data-role=sapo]", "[class*=sapo]", "p.description", ".the-article-summary",
              "[class*=summary]", "[class*=lead]"):
        for node in sel.css(q):
            text = normalize_text(" ".join(node.xpath(".//text()").getall()))
            if len(text) >= 40:
                return text
    return meta_content(sel, "og:description", "description")


_DATE_CSS = ("time", "[data-role=publishdate]", "[class*=publish]", "[class*=post-time]",
             "[class*=date]", "[class*=time]")


def _date_scopes(sel: Selector, body: Selector | None) -> list[Selector]:
    """Where the article's own date line is: around the headline and the body (up to three
    levels up) before the whole page, whose header shows today's date."""
    anchors = [n.root for n in sel.css("h1")[:1]] + ([body.root] if body is not None else [])
    scopes: list[Selector] = []
    for anchor in anchors:
        for level, el in enumerate(anchor.iterancestors()):
            if level >= 3:
                break
            scopes.append(Selector(root=el, type="html"))
    return [*scopes, sel]


def visible_dates(sel: Selector, body: Selector | None = None) -> list[str]:
    values: list[str] = []
    for scope in _date_scopes(sel, body):
        values += scope.css("time::attr(datetime)").getall()
        for q in _DATE_CSS:
            values += [" ".join(n.xpath(".//text()[not(ancestor::script)]").getall())
                       for n in scope.css(q)[:5]]
    return values


def generic_published(sel: Selector, ld: dict[str, Any],
                      body: Selector | None = None) -> str | None:
    ld_date = ld.get("datePublished")
    return first_date(
        meta_content(sel, "article:published_time", "datePublished", "pubdate",
                     "og:article:published_time"),
        ld_date if isinstance(ld_date, str) else None,
        *visible_dates(sel, body),
    )


def generic_modified(sel: Selector, ld: dict[str, Any]) -> str | None:
    ld_date = ld.get("dateModified")
    return first_date(
        meta_content(sel, "article:modified_time", "dateModified"),
        ld_date if isinstance(ld_date, str) else None,
    )


_SITE_LIKE = re.compile(r"\.(vn|com|net|org)\b|online|báo|news|corp", re.I)


def _plausible_name(name: str) -> bool:
    return 2 <= len(name) <= 40 and not _SITE_LIKE.search(name) and len(name.split()) <= 5


def generic_authors(sel: Selector, ld: dict[str, Any], last_line: str | None) -> list[str]:
    """JSON-LD persons, else author-marked elements, else the body's right-aligned last line,
    else a meta author that is not the site's own name."""
    sources: list[list[str]] = [jsonld_person_names(ld.get("author"))]
    for q in ("[data-role=author]", "[class*=author] .name", "p.author", "a.author",
              "[class*=author-name]", "[rel=author]"):
        sources.append([" ".join(n.xpath(".//text()").getall()) for n in sel.css(q)])
    sources += [[last_line or ""], [meta_content(sel, "author") or ""]]
    for candidates in sources:
        names = _names(candidates)
        if names:
            return names
    return []


def _names(candidates: list[str]) -> list[str]:
    out: list[str] = []
    for c in candidates:
        for name in split_authors(c):
            if _plausible_name(name) and name.casefold() not in {o.casefold() for o in out}:
                out.append(name)
    return out


def generic_section(sel: Selector, objs: list[dict[str, Any]]) -> str | None:
    crumbs = jsonld_breadcrumb(objs)
    if crumbs:
        return crumbs[-1]
    section = meta_content(sel, "article:section")
    if section:
        return section
    links = [clean_label(" ".join(a.xpath(".//text()").getall()))
             for a in sel.css("[class*=breadcrumb] a")]
    links = [x for x in links if x and x.lower() != "trang chủ"]
    return links[-1] if links else None


def generic_tags(sel: Selector, ld: dict[str, Any]) -> list[str]:
    values = [p for t in meta_contents(sel, "article:tag") for p in t.split(",")]
    values = values or jsonld_keywords(ld)
    values = values or (meta_content(sel, "news_keywords") or "").split(",")
    out: list[str] = []
    for v in (clean_label(x) for x in values):
        if v and v not in out:
            out.append(v)
    return out


# --- the extractor ---------------------------------------------------------------------------

def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract an article from a page of an unknown site; NotAnArticle when no container holds
    article-like prose (list and home pages, galleries, error pages)."""
    sel = selector_for(html, url)
    objs = jsonld_objects(sel)
    ld = jsonld_article(objs)
    title = generic_title(sel, ld)
    container = best_container(sel)
    if container is None or not title:
        raise NotAnArticle("no title or no text container: not an article page")
    parts = walk_body(container, url, GENERIC_RULES)
    blocks = list(parts.blocks)
    last_line = None
    if blocks and blocks[-1].right_aligned and len(blocks[-1].text) <= 80:
        last_line = blocks.pop().text  # the byline, as vnexpress and many CMSs write it
    paragraphs = [b.text for b in blocks]
    declared = declares_article(sel, ld)
    if not declared and not near_headline(sel, container):
        raise NotAnArticle("no article metadata and no headline next to the text block")
    if looks_like_list(container, [normalize_text(p) for p in paragraphs], declared=declared,
                       news_article=bool(ld)):
        raise NotAnArticle("the main text block reads like a list of teasers, not an article")
    return {
        "url": same_site_url(sel, url),
        "title": title,
        "lead": generic_lead(sel),
        "paragraphs": _drop_title_repeats(paragraphs, title),
        "authors": generic_authors(sel, ld, last_line),
        "published_at": generic_published(sel, ld, container),
        "modified_at": generic_modified(sel, ld),
        "section": generic_section(sel, objs),
        "topics": [],
        "tags": generic_tags(sel, ld),
        "images": parts.images,
        "related": [],
    }


def _drop_title_repeats(paragraphs: list[str], title: str) -> list[str]:
    # A container chosen one level too high starts with the headline itself.
    key = normalize_text(title)
    return [p for p in paragraphs if normalize_text(p) != key]
