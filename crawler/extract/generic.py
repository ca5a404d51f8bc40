"""The generic extractor, for pages no site profile or CMS family knows: metadata plus a
main-content heuristic tuned for Vietnamese news pages. It knows no site (the dispatch in
crawler.sites.dispatch decides when it runs).

Metadata comes from what sites publish for machines first (JSON-LD NewsArticle, OpenGraph,
``article:*`` metas), then from visible markup. The body is the container whose paragraphs
hold the most Vietnamese prose: each paragraph scores by length, diacritic ratio and how little
of it is link text, and passes its score to its parent (whole) and grandparent (half), as in
Readability; class/id words such as "content"/"detail" raise a candidate, "comment"/"related"
/"sidebar" lower it. The winner is split into paragraphs and captioned images by walk_body.

What the real web puts inside that block, and where it goes instead (each rule recognises a
thing by what it is, checked on the real pages of ``$SHARED_DIR/html`` and unit-tested on
hand-written snippets in tests/test_generic_rules.py):

- the article header (category, h1, byline, date line, sapo) when the CMS puts it in the body
  element; date/byline lines; a leading kicker; all-capitals labels -> out of the body;
- captions: figure/figcaption and caption classes, a table cell or an italic line right after
  an image, "Ảnh: ..." / "(Nguồn: ...)" lines -> ``images[].caption``; a photo story's captions
  (more caption text than prose) are its body;
- a closing credit: right-aligned or bold name-cased short line, "Tin và ảnh: X", ``.author``,
  ``div.t1 > span.t2`` -> ``authors``; a source or agency ("Theo X", "(TTXVN/Vietnam+)") and
  promos ("Mời bạn đọc...") -> dropped;
- related boxes, found by their heading ("Tin liên quan", "Xem thêm", "Đọc thêm", "Có thể bạn
  quan tâm", "Tin cùng chuyên mục", "Dòng sự kiện"...), by a class/data attribute saying
  "related", or as story cards between paragraphs -> ``related`` [{url, title}];
  "Tin tức gần đây"/"Đọc nhiều" lists -> dropped.

ASP.NET ``<form>`` wrappers are part of the page, not chrome; a CMS's empty ``<html></html>``
before ``<head>`` is repaired before parsing. Tags come from the page's tag box only, dates from
metas unless a month-first local-notation meta disagrees with the JSON-LD/visible date.
trafilatura was measured against this heuristic on the 16 real articles with truth (body
checks: 75/75 ours, 37/75 trafilatura) and is not used at run time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from typing import Any

from lxml import etree
from parsel import Selector

from crawler.extract.base import (
    Block,
    BodyRules,
    NotAnArticle,
    clean_label,
    decode_html,
    first_date,
    is_page_wrapper,
    jsonld_article,
    jsonld_breadcrumb,
    jsonld_objects,
    jsonld_person_names,
    meta_content,
    same_site_url,
    selector_for,
    walk_body,
)
from crawler.text import normalize_text, parse_vn_datetime, split_authors

EXTRACTOR_VERSION = "generic/2026.11"

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
    return sum(1 for h in headings if not any(_inside(h.root, box) for box in exclude))


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
        min_paragraphs, min_chars = _MIN_BODY_PARAGRAPHS, _MIN_BODY_CHARS
    else:
        min_paragraphs, min_chars = _MIN_BODY_PARAGRAPHS + 2, 2 * _MIN_BODY_CHARS
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


_LEAD_CSS = ("[data-role=sapo]", "[class*=sapo]", "p.description", ".the-article-summary",
             "[class*=summary]", "[class*=lead]")


def generic_lead(sel: Selector, outside: Collection[Any] = ()) -> str | None:
    """The sapo: the lead-marked element (class sapo/summary/lead...) that agrees with the
    page's description meta, else that meta, else the first lead-marked element. Elements
    inside ``outside`` (related boxes, whose teasers have summaries too) are not leads."""
    described = normalize_text(meta_content(sel, "og:description", "description") or "")
    candidates: list[str] = []
    for q in _LEAD_CSS:
        for node in sel.css(q):
            if any(_inside(node.root, box) for box in outside):
                continue
            text = normalize_text(" ".join(node.xpath(".//text()").getall()))
            if len(text) >= 40:
                candidates.append(text)
    if described:
        key = described[:30].lower()
        for text in candidates:
            if text.lower().startswith(key) or described.lower().startswith(text[:30].lower()):
                return text
        return described
    return candidates[0] if candidates else None


_DATE_CSS = ("time", "[data-role=publishdate]", "[class*=publish]", "[class*=post-time]",
             "[class*=date]", "[class*=time]")


def _date_scopes(sel: Selector, body: Selector | None) -> list[Any]:
    """Where the article's own date line is: around the headline and the body (up to three
    levels up) before the whole page, whose header shows today's date."""
    anchors = [n.root for n in sel.css("h1")[:1]] + ([body.root] if body is not None else [])
    scopes: list[Any] = []
    for anchor in anchors:
        for level, el in enumerate(anchor.iterancestors()):
            if level >= 3:
                break
            scopes.append(el)
    return [*scopes, sel.root]


def visible_dates(sel: Selector, body: Selector | None = None) -> Iterator[str]:
    """Date strings printed on the page, nearest the headline and body first; lazily, so a
    caller that stops at the first date that parses reads no more."""
    found: dict[str, list[Selector]] = {}  # each query runs once over the page
    for scope in _date_scopes(sel, body):
        for i, q in enumerate(("time", *_DATE_CSS)):
            if q not in found:
                found[q] = sel.css(q)
            inside = (n for n in found[q] if _inside(n.root, scope))
            if i == 0:  # machine-readable times first
                yield from (n.root.get("datetime") for n in inside if n.root.get("datetime"))
                continue
            for _, node in zip(range(5), inside, strict=False):
                yield _with_time(node)


_CLOCK = re.compile(r"(?<![\d:])\d{1,2}[:hg]\d{2}(?!\d)")


def _with_time(node: Selector) -> str:
    """A date element's text, and its parent's when the element holds a date but not the
    time (``<span class="date">03-08-2011</span> <span class="time">10:15</span>``)."""
    text = normalize_text(" ".join(node.xpath(".//text()[not(ancestor::script)]").getall()))
    if _CLOCK.search(text) or parse_vn_datetime(text) is None:
        return text
    parent = node.root.getparent()
    if parent is None:
        return text
    around = normalize_text(" ".join(t for t in parent.itertext()))
    return around if len(around) <= 120 and text in around else text


_ISO_START = re.compile(r"\s*\d{4}-\d{1,2}-\d{1,2}")


def generic_published(sel: Selector, ld: dict[str, Any],
                      body: Selector | None = None) -> str | None:
    """The publication time: a meta tag, else JSON-LD, else the date printed near the
    headline. A meta written in local notation rather than ISO may be month first (OneCMS
    writes ``article:published_time`` as "9/5/2026 10:17:01 PM" for 5 September): when it
    falls on another day than both the JSON-LD and the visible date, those win."""
    meta = meta_content(sel, "article:published_time", "datePublished", "pubdate",
                        "og:article:published_time")
    ld_raw = ld.get("datePublished")
    machine = first_date(meta)
    ld_date = first_date(ld_raw if isinstance(ld_raw, str) else None)
    shown = next((d for v in visible_dates(sel, body) if (d := first_date(v))), None)
    if machine and meta and not _ISO_START.match(meta):
        others = [d for d in (ld_date, shown) if d]
        if others and all(o[:10] != machine[:10] for o in others):
            return others[0]
    if machine:
        return _timed(machine, meta, shown)
    if ld_date:
        return _timed(ld_date, ld_raw, shown)
    return shown


_DATE_ONLY = re.compile(r"\s*\d{4}-\d{1,2}-\d{1,2}\s*$")


def _timed(date: str, raw: Any, shown: str | None) -> str:
    """A machine date written without a time ("2009-01-21") takes the time of the visible
    date when that falls on the same day ("21/01/2009 - 21:02").

    >>> _timed("2009-01-21T00:00:00+07:00", "2009-01-21", "2009-01-21T21:02:00+07:00")
    '2009-01-21T21:02:00+07:00'
    """
    if shown and isinstance(raw, str) and _DATE_ONLY.match(raw) and shown[:10] == date[:10]:
        return shown
    return date


def generic_modified(sel: Selector, ld: dict[str, Any]) -> str | None:
    ld_date = ld.get("dateModified")
    return first_date(
        meta_content(sel, "article:modified_time", "dateModified"),
        ld_date if isinstance(ld_date, str) else None,
    )


_SITE_LIKE = re.compile(r"\.(vn|com|net|org)\b|online|báo|news|corp", re.I)


# Labels a CMS prints where no name was filled in.
_PLACEHOLDERS = frozenset({"bút danh", "tác giả", "author", "phóng viên", "admin",
                           "administrator", "biên tập viên", "ban biên tập", "tổng hợp"})


def _plausible_name(name: str) -> bool:
    return 2 <= len(name) <= 40 and not _SITE_LIKE.search(name) and len(name.split()) <= 5 \
        and name.casefold() not in _PLACEHOLDERS


_AUTHOR_CSS = ("[data-role=author]", "[class*=author] .name", "p.author", "a.author",
               "[class*=author-name]", "[rel=author]", "[class*=author]", "[class*=byline]",
               "div.t1 > span.t2")


def _site_keys(sel: Selector, url: str) -> set[str]:
    """The site's own name in comparable forms ("vnexpress", "báo hà tĩnh"): a byline
    naming the site credits no person."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").removeprefix("www.")
    keys = {host.split(".")[0]} if host else set()
    name = meta_content(sel, "og:site_name")
    if name:
        keys.add(_key(name))
    return keys


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", normalize_text(name).casefold())


def generic_authors(sel: Selector, ld: dict[str, Any], credit: str | None,
                    source: str | None = None, site: Collection[str] = ()) -> list[str]:
    names = _generic_authors(sel, ld, credit, source)
    return [n for n in names if _key(n) not in site]


def _generic_authors(sel: Selector, ld: dict[str, Any], credit: str | None,
                     source: str | None = None) -> list[str]:
    """The people credited: the body's closing credit line, else author-marked elements
    (short ones: a byline, not an author box), else JSON-LD persons, else a meta author that
    is not the site's own name. A story closing on a source or agency ("Theo Vietnamnet",
    "TTXVN") credits nobody else unless the page names an author element."""
    if credit:
        names = credit_names(credit)
        if names:
            return names
    for q in _AUTHOR_CSS:
        texts = [_byline_text(n) for n in sel.css(q)]
        texts = [t for t in texts if t and len(t) <= 60 and not _SOURCE_CREDIT.match(t)]
        names = _names([n for t in texts for n in credit_names(t)])
        if names:
            return names
    if source:
        return []
    for candidates in ([n for n in jsonld_person_names(ld.get("author"))
                        if not _AGENCY_IN.search(n)], [meta_content(sel, "author") or ""]):
        names = _names(candidates)
        if names:
            return names
    return []


def _byline_text(node: Selector) -> str:
    """A byline's text; when it marks the person's name (``itemprop=name``), only that: the
    rest is often the source the story came from ("<name>, Đời sống Pháp luật")."""
    named = [normalize_text(" ".join(n.xpath(".//text()").getall()))
             for n in node.css("[itemprop=name]")]
    named = [t for t in named if t]
    if named:
        return ", ".join(named)
    return normalize_text(" ".join(node.xpath(".//text()[not(ancestor::script)]").getall()))


_SOURCE_CREDIT = re.compile(r"^\W*(theo|nguồn)\b", re.I)
_AGENCY_IN = re.compile(r"\b(TTXVN|VNA|Vietnam\+|TTO|AFP|Reuters)\b")


def _names(candidates: list[str]) -> list[str]:
    out: list[str] = []
    for c in candidates:
        for name in split_authors(c):
            if _plausible_name(name) and name.casefold() not in {o.casefold() for o in out}:
                out.append(name)
    return out


def generic_section(sel: Selector, objs: list[dict[str, Any]], title: str = "") -> str | None:
    """The most specific breadcrumb above the article: JSON-LD BreadcrumbList, else the
    article:section meta, else breadcrumb links; a last crumb naming the article itself
    (laodong's JSON-LD ends with the story) is left out."""
    crumbs = [c for c in jsonld_breadcrumb(objs) if not _names_title(c, title)]
    if crumbs:
        return crumbs[-1]
    section = meta_content(sel, "article:section")
    if section and not is_placeholder_section(section):
        return section
    links = [clean_label(" ".join(a.xpath(".//text()").getall()))
             for a in sel.css("[class*=breadcrumb] a")]
    links = [x for x in links if x and not is_placeholder_section(x)
             and not _names_title(x, title)]
    if links:
        return links[-1]
    crumbs = visible_crumbs(sel, title)
    return crumbs[-1] if crumbs else None


# Values a CMS fills in where no section was chosen ("article:section" = "News").
_PLACEHOLDER_SECTIONS = frozenset({"news", "tin tức", "tin", "home", "trang chủ", "article",
                                   "bài viết", "blog", "post", "posts"})


def is_placeholder_section(name: str) -> bool:
    """A section value that names no section.

    >>> is_placeholder_section("News"), is_placeholder_section("Y tế 360")
    (True, False)
    """
    return normalize_text(name).strip(" :»›>-").casefold() in _PLACEHOLDER_SECTIONS


# A class or id naming a crumb trail or the story's category line above the headline
# ("breadcrumb", "category-text", "titlecate", "chuyen-muc").
_CRUMB_ATTR = re.compile(r"crumb|titlecate|(?:^|[\s_-])(?:cate|category|categories|chuyen-?muc)"
                         r"(?:$|[\s_-])", re.I)
_CRUMB_MAX_LINKS = 4
_CRUMB_MAX_WORDS = 5


def visible_crumbs(sel: Selector, title: str = "") -> list[str]:
    """The section names of the crumb trail shown above the headline: the element nearest
    before the article's h1 whose class/id says crumbs or category, holding one to four
    short links to section pages (not stories) and little other text. Menus hold more links;
    boxes after the headline are other stories' categories."""
    order = {el: i for i, el in enumerate(sel.root.iter())}
    key = normalize_text(title).casefold()[:40]
    h1s = list(sel.root.iter("h1"))
    headline = next((h for h in h1s if key and normalize_text(
        " ".join(h.itertext())).casefold().startswith(key)), h1s[-1] if h1s else None)
    limit = order.get(headline, len(order))
    best: list[str] = []
    for el in sel.root.iter("div", "nav", "ul", "ol", "p", "span", "h1", "h2", "h3"):
        if order.get(el, 0) >= limit:
            break
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _CRUMB_ATTR.search(attrs):
            continue
        anchors = [a for a in el.iter("a") if (a.get("href") or "").strip()]
        names = [clean_label(normalize_text(" ".join(a.itertext()))) for a in anchors]
        pairs = [(a, n) for a, n in zip(anchors, names, strict=True)
                 if n and not is_placeholder_section(n)]
        if not pairs or len(anchors) > _CRUMB_MAX_LINKS + 1:
            continue
        if any(len(n.split()) > _CRUMB_MAX_WORDS or is_story_url(a.get("href")) for a, n in pairs):
            continue
        if _text_len(el) > sum(len(n) for _, n in pairs) + 20:
            continue  # a date or a byline beside the links: not a trail of its own
        best = [n for _, n in pairs]
    return best


def _names_title(crumb: str, title: str) -> bool:
    a, b = normalize_text(crumb).lower(), normalize_text(title).lower()
    return bool(a and b) and len(a) >= 20 and (a.startswith(b[:40]) or b.startswith(a[:40]))


# One class token naming a tag box: "tags", "tag_item", "tagdetail", "article__tags",
# "post-tag", "keywords", "tu-khoa" (not "tagline").
_TAG_TOKEN = re.compile(r"^(?!tagline)(tags?(?:[-_]?[a-z]*)?|[\w-]*[-_]tags?|[\w-]*keywords?"
                        r"|tu-?khoa|tukhoa)$", re.I)
_TAG_LABEL = re.compile(r"^\W*(từ khóa|từ khoá|tags?|keywords?)\W*$", re.I)
_TAG_MAX_CHARS = 60


def visible_tags(sel: Selector) -> list[str]:
    """The tag links of the page's "Từ khóa" box: a box whose class says tags/keywords (or
    headed "Từ khóa:"/"Tags"), or links marked itemprop=keywords. Meta keywords hold site
    boilerplate and separators; the box is what the page shows."""
    boxes: list[Any] = []
    for el in sel.root.iter("div", "ul", "p", "section", "span", "footer"):
        tokens = f"{el.get('class') or ''} {el.get('id') or ''}".split()
        if any(_TAG_TOKEN.match(t) for t in tokens) and not any(_inside(el, b) for b in boxes):
            boxes.append(el)
    for node in _SHORT_TEXTS(sel.root):
        if _TAG_LABEL.match(str(node)):
            label = node.getparent()
            box = label.getparent() if label is not None else None
            while box is not None and box.tag in ("span", "strong", "b", "h3", "h4", "i"):
                box = box.getparent()
            if box is not None and box.tag not in ("body", "html"):
                boxes.append(box)
    keyword_links = [a for a in sel.root.iter("a") if a.get("itemprop") == "keywords"
                     or "tag" in (a.get("data-content-name") or "")]
    if keyword_links:
        return _tag_texts(keyword_links)
    # The article's own box is the first one after the headline: trending-tag strips sit in
    # the page header and footer.
    order = {el: i for i, el in enumerate(sel.root.iter())}
    h1 = next(sel.root.iter("h1"), None)
    start = order.get(h1, -1)
    for box in sorted(boxes, key=lambda b: order.get(b, 0)):
        if order.get(box, 0) > start:
            # Links, and plain words some CMSs print unlinked (znews' <strong> tags).
            items = [el for el in box.iter("a", "span", "strong", "b")
                     if el.tag == "a" or (not len(el) and not any(
                         x.tag == "a" for x in el.iterancestors()))]
            tags = _tag_texts(items)
            if tags:
                return tags
    return []


def _tag_texts(items: list[Any]) -> list[str]:
    out: list[str] = []
    for a in items:
        raw = normalize_text(" ".join(a.itertext()))
        text = clean_label(raw)
        if text and len(text) <= _TAG_MAX_CHARS and not _TAG_LABEL.match(text) \
                and not raw.rstrip().endswith(":") and text not in out:
            out.append(text)
    return out


def generic_tags(sel: Selector, ld: dict[str, Any]) -> list[str]:
    """The tags the page shows. Keyword metas (article:tag, news_keywords, JSON-LD keywords)
    are not read: on the real pages they hold SEO phrases, the site's name and separators
    where the page shows no tags at all (vov: nine article:tag metas, no tag box)."""
    values = visible_tags(sel)
    out: list[str] = []
    for v in (clean_label(x) for x in values):
        if v and v not in out:
            out.append(v)
    return out


# --- the extractor ---------------------------------------------------------------------------

_EMPTY_HTML = re.compile(r"^(\s*(?:<!DOCTYPE[^>]*>\s*)?)<html\b([^>]*)>\s*</html\s*>", re.I)


def repair_document(html: str | bytes) -> str:
    """The page with breakage that empties the parsed tree undone: a CMS that writes an empty
    ``<html ...></html>`` before ``<head>`` (the parser then ends the document there and
    the whole page is lost).

    >>> repair_document("<!DOCTYPE html><html lang='vi'>\\n</html><head></head><body>x")
    "<!DOCTYPE html><html lang='vi'><head></head><body>x"
    """
    text = decode_html(html) if isinstance(html, bytes) else html
    return _EMPTY_HTML.sub(r"\1<html\2>", text, count=1)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract an article from a page of an unknown site; NotAnArticle when no container holds
    article-like prose (list and home pages, galleries, error pages)."""
    try:
        return _extract(html, url)
    finally:
        _TITLES.clear()


def _extract(html: str | bytes, url: str) -> dict[str, Any]:
    sel = selector_for(repair_document(html), url)
    objs = jsonld_objects(sel)
    ld = jsonld_article(objs)
    title = generic_title(sel, ld)
    container = best_container(sel)
    if container is None or not title:
        raise NotAnArticle("no title or no text container: not an article page")
    boxes = related_boxes(sel, url, container)
    skip = header_elements(container) | {box for box, _ in boxes} | lead_elements(container) \
        | list_boxes(container.root) | byline_elements(container)
    parts = walk_body(container, url, GENERIC_RULES, skip)
    # Date/byline lines belong to the header or the footer of the story, not its middle.
    blocks = [b for i, b in enumerate(parts.blocks)
              if not ((i < 3 or i >= len(parts.blocks) - 2) and _is_meta_line(b.text))]
    blocks = _captions_out(blocks, parts.images)
    blocks, credit, source = _trailing_credit(blocks)
    blocks = photo_story_text(blocks, parts.images)
    # Subheads stay in the body (they are part of what a reader reads) except a kicker
    # before the first paragraph and all-capitals labels ("PHÒNG NGỦ"), which are layout.
    while len(blocks) > 1 and _is_subhead(blocks[0]):
        blocks = blocks[1:]
    prose = [b for b in blocks if not (_is_subhead(b) and _is_capitals(b.text))]
    if len(prose) >= _MIN_BODY_PARAGRAPHS:
        blocks = prose
    paragraphs = [b.text for b in blocks]
    declared = declares_article(sel, ld)
    if not declared and not near_headline(sel, container):
        raise NotAnArticle("no article metadata and no headline next to the text block")
    if looks_like_list(container, [normalize_text(p) for p in paragraphs], declared=declared,
                       news_article=bool(ld), exclude=[box for box, _ in boxes]):
        raise NotAnArticle("the main text block reads like a list of teasers, not an article")
    return {
        "url": same_site_url(sel, url),
        "title": title,
        "lead": generic_lead(sel, [box for box, _ in boxes]),
        "paragraphs": _drop_title_repeats(paragraphs, title),
        "authors": generic_authors(sel, ld, credit, source, _site_keys(sel, url)),
        "published_at": generic_published(sel, ld, container),
        "modified_at": generic_modified(sel, ld),
        "section": generic_section(sel, objs, title),
        "topics": [],
        "tags": generic_tags(sel, ld),
        "images": hero_images(sel, container, url) + parts.images,
        "related": [item for _, items in boxes for item in items],
    }


# --- what sits in the text block but is not body text ----------------------------------------

def _inside(el: Any, ancestor: Any) -> bool:
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
        elif _text_len(top) < 0.5 * _text_len(root):
            out.add(top)
    return out


def _text_len(el: Any) -> int:
    return sum(len(t.strip()) for t in el.itertext())


def hero_images(sel: Selector, container: Selector, url: str) -> list[dict[str, str | None]]:
    """The story's main photo when it sits between the headline and the text block (a
    ``figure`` with its caption above the body, as many CMSs place it)."""
    h1 = next(sel.root.iter("h1"), None)
    if h1 is None or _inside(h1, container.root):
        return []
    out: list[dict[str, str | None]] = []
    after_h1 = False
    for el in sel.root.iter():
        if el is h1:
            after_h1 = True
        elif el is container.root or len(out) >= 2:
            break
        elif after_h1 and el.tag == "figure" and not _inside(container.root, el):
            caption = next((normalize_text(" ".join(c.itertext()))
                            for c in el.iter("figcaption")), None)
            out += [{"url": i, "caption": caption or None}
                    for i in (_img_url(img, url) for img in el.iter("img")) if i]
    return out


def _img_url(img: Any, url: str) -> str | None:
    from urllib.parse import urljoin

    for attr in ("data-src", "data-original", "src"):
        value: str = (img.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            return urljoin(url, value)
    return None


def byline_elements(container: Selector) -> set[Any]:
    """Short author-marked elements inside the text block (``div.t1 > span.t2``,
    ``p.author``): they go to ``authors``, not the body."""
    return {node.root for q in _AUTHOR_CSS for node in container.css(q)
            if node.root is not container.root
            and len(normalize_text(" ".join(node.xpath(".//text()").getall()))) <= 60}


def lead_elements(container: Selector) -> set[Any]:
    """Sapo elements inside the text block (the lead is a field of its own): marked as such
    by class and long enough to be one."""
    return {node.root for q in _LEAD_CSS for node in container.css(q)
            if node.root is not container.root
            and len(normalize_text(" ".join(node.xpath(".//text()").getall()))) >= 40}


_META_WORDS = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{1,2}[:h]\d{2}|GMT|[•|]")


def _is_meta_line(text: str) -> bool:
    """A date/byline line such as "MAI QUẾ • 08/01/2026 10:02" or "Thứ 4, 01/12/2021 |
    11:51": short, holding a date, little else.

    >>> _is_meta_line("MAI QUẾ • 08/01/2026 10:02"), _is_meta_line("Ngày 08/01/2026 là ngày"
    ...     " HĐND thành phố họp phiên bất thường để thông qua nghị quyết mới.")
    (True, False)
    >>> _is_meta_line("Chiều 20/10/2024, Quốc hội họp phiên bế mạc.")
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


_CAPTION_MARK = re.compile(r"(^|[\s.(])(Ảnh|Nguồn|Photo|Clip|Video)(\s+minh\s+họa)?\s*[:/]"
                           r"|^\(?Ảnh\b|Ảnh minh h[oọ]a", re.I)
_CAPTION_MAX = 300


def is_caption_line(text: str) -> bool:
    """A photo caption written as a line of text: a credit "Ảnh: ..." / "(Nguồn: ...)" or
    "Ảnh minh họa", and short; a story's own credit ("Tin và ảnh: ...") is a byline.

    >>> is_caption_line("Người dân xếp hàng chờ tiêm. Ảnh: Đức Anh")
    True
    >>> is_caption_line("Ảnh minh họa / Vietnam+"), is_caption_line("Người dân xếp hàng.")
    (True, False)
    >>> is_caption_line("Tin và ảnh: Nam Giang"), is_caption_line("Tin: Minh - Ảnh: Hiền")
    (False, False)
    """
    text = normalize_text(text)
    return len(text) <= _CAPTION_MAX and bool(_CAPTION_MARK.search(text)) \
        and not _ROLE_CREDIT.match(text)


# "Tin và ảnh: X", "Bài, ảnh: X", "Tin: X - Ảnh: Y", "Thực hiện: X": a story's credits.
_ROLE_LABEL = (r"(?:tin|bài|bài viết|ảnh|video|clip|đồ họa|thực hiện|nhóm phóng viên)"
               r"(?:\s*(?:và|,|&|\+|/)\s*(?:ảnh|bài|video|clip))?\s*:")
_ROLE_CREDIT = re.compile(r"^\W*(?:tin|bài|bài viết|thực hiện|nhóm phóng viên)"
                          r"(?:\s*(?:và|,|&|\+|/)\s*(?:ảnh|bài|video|clip))?\s*:", re.I)
_ROLE_LABELS = re.compile(_ROLE_LABEL, re.I)


_NAME_PREFIX = re.compile(r"^\W*(tác giả|người viết|phóng viên|by)\b\s*:?\s*", re.I)


def credit_names(credit: str) -> list[str]:
    """People named in a credit line, role labels left out.

    >>> credit_names("Tin: Tường Minh - Ảnh: Đỗ Hiền"), credit_names("Tin và ảnh: Nam Giang")
    (['Tường Minh', 'Đỗ Hiền'], ['Nam Giang'])
    >>> credit_names("Tạ Nguyên/Báo Tin tức"), credit_names("Tác giả Anh Hoa")
    (['Tạ Nguyên'], ['Anh Hoa'])
    """
    return _names([_ROLE_LABELS.sub(", ", _NAME_PREFIX.sub("", credit))])


def _captions_out(blocks: list[Block], images: list[dict[str, str | None]]) -> list[Block]:
    """Move caption lines written next to their image (the first line after it, or a short
    table cell right after it) into that image's caption."""
    out: list[Block] = []
    claimed: set[int] = set()
    for i, block in enumerate(blocks):
        n = block.images_before
        just_after = n > 0 and (i == 0 or blocks[i - 1].images_before < n)
        image = images[n - 1] if just_after else None
        if image is not None and n - 1 not in claimed and not _ROLE_CREDIT.match(block.text) \
                and (is_caption_line(block.text)
                     or ((block.tag in ("td", "figcaption") or block.italic)
                         and len(block.text) <= _CAPTION_MAX)):
            claimed.add(n - 1)
            image["caption"] = image.get("caption") or block.text
            continue
        if is_caption_line(block.text) and len(block.text) <= 120 and n > 0 \
                and images[n - 1].get("caption") is None:
            images[n - 1]["caption"] = block.text
            continue
        out.append(block)
    return out


# Lines closing a story that point elsewhere: "Mời bạn đọc...", a bare "Xem thêm", or
# "Xem thêm: <another story>" written without a link (a video pointer).
_PROMO = re.compile(r"^\W*(mời (quý )?(bạn đọc|độc giả)|bạn đọc có thể"
                    r"|(xem thêm|đọc thêm)(\W*$|\s*:)|tin liên quan\W*$)", re.I)
_AGENCY = re.compile(r"^(TTXVN|VNA|TTXVN/VNA|PV|CTV|BTV|PV-CTV|Vietnam\+|VietnamPlus|AFP"
                     r"|Reuters|AP|Xinhua|TTO|VOV|VTV|Tổng hợp|Nhóm PV)$", re.I)
_CREDIT_MAX = 60


def is_agency(credit: str) -> bool:
    """A credit naming news agencies only ("TTXVN", "(TTXVN/Vietnam+)", "Reuters, AFP").

    >>> is_agency("(TTXVN/Vietnam+)"), is_agency("Minh Tâm/TTXVN")
    (True, False)
    """
    parts = [p for p in re.split(r"\s*[/,;]\s*|\s+-\s+", credit.strip("()[] ")) if p]
    return bool(parts) and all(_AGENCY.match(p) for p in parts)


def _trailing_credit(blocks: list[Block]) -> tuple[list[Block], str | None, str | None]:
    """Drop the lines that close a story without being its text: promos ("Mời bạn đọc vào
    chuyên mục..."), then a short right-aligned or bold credit line ("Minh Tâm", "TTXVN",
    "Theo DTO") or a source line ("Theo Vietnamnet"). Returns the blocks, the credit when it
    names people and the credit when it names a source or agency."""
    blocks = list(blocks)
    while blocks and _PROMO.search(normalize_text(blocks[-1].text)):
        blocks.pop()
    if not blocks:
        return blocks, None, None
    text = normalize_text(blocks[-1].text)
    credit = text[1:-1].strip() if text[:1] + text[-1:] in ("()", "[]") else text
    source = (bool(_SOURCE_CREDIT.match(credit)) and len(credit) <= 40
              and not credit.endswith((".", "?", "!"))) or is_agency(credit)
    if source:
        blocks.pop()
        # "H.A<br>(Theo Readers Digest)": the writer's line right above the source line.
        person = _person_credit(blocks[-1]) if blocks else None
        if person:
            blocks.pop()
        return blocks, person, credit
    person = _person_credit(blocks[-1])
    if person is None:
        return blocks, None, None  # a closing sentence in bold, not a byline
    blocks.pop()
    return blocks, person, None


def _person_credit(block: Block) -> str | None:
    """The line's credit when it is a short right-aligned or bold line naming people."""
    text = normalize_text(block.text)
    credit = text[1:-1].strip() if text[:1] + text[-1:] in ("()", "[]") else text
    styled = (block.right_aligned or block.bold) and len(text) <= _CREDIT_MAX and (
        block.right_aligned or not text.endswith((".", ":", "?", "!")))
    names = credit_names(credit)
    if not styled or not names or not all(map(_name_cased, names)):
        return None
    return credit


def _name_cased(name: str) -> bool:
    """Every word of a Vietnamese name starts with a capital ("Minh Tâm", "MAI QUẾ").

    >>> _name_cased("Minh Tâm"), _name_cased("Chúc mừng năm mới")
    (True, False)
    """
    return all(w[:1].isupper() for w in name.split() if w[:1].isalpha())


def photo_story_text(blocks: list[Block], images: list[dict[str, str | None]]) -> list[Block]:
    """A photo story tells its story in captions: when they hold over twice as much text as
    the paragraphs around them, they are the body (taken out of the images, so that cleaning
    does not drop them from the body as caption repeats)."""
    captions = [c for i in images if (c := i.get("caption"))]
    prose = sum(len(b.text) for b in blocks)
    if len(captions) < 2 or sum(map(len, captions)) <= 2 * prose:
        return blocks
    out = list(blocks)
    seen: set[str] = set()
    for image in images:
        caption = image.get("caption")
        if caption and caption not in seen:
            seen.add(caption)
            out.append(Block(caption))
        image["caption"] = None
    return out


def _is_capitals(text: str) -> bool:
    return text.upper() == text and any(c.isalpha() for c in text)


def _is_subhead(block: Block) -> bool:
    """A subhead: a short line set in bold, as a heading or in capitals, with no sentence
    end ("Cần có phương án dự phòng", "PHÒNG NGỦ")."""
    text = normalize_text(block.text)
    if len(text) > 100 or text.endswith((".", ":", "?", "!", "…", ";", ",")):
        return False
    capitals = text.upper() == text and any(c.isalpha() for c in text)
    return block.bold or capitals or block.tag in ("h2", "h3", "h4", "h5", "h6")


# --- related boxes --------------------------------------------------------------------------

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
    from crawler.urls import canonical_url, host_matches, site_of

    here = canonical_url(url)
    site = site_of(url)
    body = container.root
    found: list[tuple[Any, list[dict[str, str]]]] = []
    seen: set[str] = set()
    candidates = [*_related_candidates(sel, body),
                  *((b, None) for b in adjacent_story_boxes(sel, container, url))]
    for box, heading in candidates:
        if any(_inside(box, b) for b, _ in found) or _inside(body, box):
            continue  # a box already read, or one that would swallow the article
        if _inside(box, body) and _text_len(box) > _MAX_BOX_SHARE * _text_len(body):
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
    from crawler.urls import canonical_url, host_matches

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
    from crawler.urls import canonical_url, site_of

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
                if not after and (order.get(sib, 0) <= top or _inside(h1, sib)):
                    stop = True  # the headline: nothing above it is beside the story
                    break
                if _ends_story(sib):
                    if after:
                        stop = True
                        break
                    continue
                links = {x for a in sib.iter("a") if _headline_cased(_anchor_title(a))
                         and (x := _is_story_link(a, url, here, site))}
                size = _text_len(sib)
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
    from urllib.parse import urlsplit

    return bool(_STORY_PATH.search(urlsplit(url).path))


def is_story_title(title: str) -> bool:
    """Long enough to be a headline: at least five words (section names are shorter).

    >>> is_story_title("Tài chính - Chứng khoán"), is_story_title("5 anh trai bị loại tàn nhẫn")
    (False, True)
    """
    return len(re.findall(r"\w+", title)) >= _MIN_TITLE_WORDS



_SHORT_TEXTS = etree.XPath("//body//text()[string-length(normalize-space(.)) < 40]"
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
        if not linked or any(_inside(h, c) for c in cards):
            continue
        card = None
        el = h
        while el.getparent() is not None and el.getparent() is not container \
                and _text_len(el.getparent()) <= _CARD_MAX_CHARS:
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
    for node in _SHORT_TEXTS(sel.root):
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
        if _text_len(el) > 40 or el.getparent() is None:
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


def _anchor_title(a: Any) -> str:
    title = _TITLES.get(a)
    if title is None:
        heading = next(a.iter("h1", "h2", "h3", "h4", "h5"), None)
        text = normalize_text(" ".join((heading if heading is not None else a).itertext()))
        text = _POINTER.sub("", text)  # "-> Headline": the arrow is not part of it
        title = _TITLES[a] = text or normalize_text(a.get("title") or "")
    return title


def _drop_title_repeats(paragraphs: list[str], title: str) -> list[str]:
    # A container chosen one level too high starts with the headline itself.
    key = normalize_text(title)
    return [p for p in paragraphs if normalize_text(p) != key]
