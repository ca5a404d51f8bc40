"""Báo An Giang's own PHP CMS (the ``-a<id>.html`` family; not OneCMS).

Signs: article URLs ``/<slug>-a<id>.html``; ``<base href>`` on the asset host
(``images.<site>/static/templates/version1/homepage/``: relative image paths resolve there,
not to the article's host); ``body[data="cate/detail/..."]``; FCKeditor classes
(``content-fck``) around both sapo and body. No ``rel=canonical``: og:url names the page.
Article: ``ul.breadcrumb`` (h4 links), ``div.detail-title > h1``, the visible date as plain
text ``div.pubdate`` ("30/06/2023 - 14:50", no ``<time>``, no published_time meta), the sapo
``div.detail-desc .content-fck p``, the body ``#newscontents .content-fck`` ending in a
``p.author.ignore`` credit ("Theo Vietnamnet": a source, not a person). Tags
``div.detail-tag a.tag_item`` (the site appends its own boilerplate tags). Related: the
``div.detail-related`` boxes ("Bạn có thể quan tâm", "Đọc thêm"), ``li.related-item`` cards
whose title is ``h3.b-title``; the hidden "Xem thêm" extension (``div#viewest_more.an``) is
never closed in the served HTML, so parsers nest the next box inside it: hidden items are told
apart from the next box's by the nearest enclosing box.

Báo Cần Thơ (baocantho.com.vn) runs an older template of the same CMS (same ``-a<id>.html``
URLs, ``<base href>`` on ``/static/templates/version1/homepage/``, ``#newscontents
.content-fck`` body, ``div.detail-related`` "Đọc thêm" cards): no ``div.detail-title`` (the
headline is the ``h1`` just before ``#newscontents``; a category ``h1`` in ``div.titlecate``
above it holds the breadcrumb), the date in ``span.pubdate``, no sapo (the meta description is
an excerpt of the body, sometimes only its first words), and the byline a right-aligned last
paragraph ("H.A<br>(Theo Readers Digest)"). Checked on a real 2009 article in the 2026 chrome
(outside the shared set); other sister sites are unverified.
"""

from __future__ import annotations

from typing import Any

from parsel import Selector

from crawler.extract.base import (
    BodyRules,
    NotAnArticle,
    canonical_link,
    jsonld_article,
    jsonld_objects,
    meta_content,
    selector_for,
    walk_body,
    with_class,
)
from crawler.sites._kit import (
    credit_names,
    first_text_x,
    fold,
    link_title,
    right_aligned,
    text_of,
    visible_date,
)
from crawler.urls import canonical_url, host_matches, site_of

FAMILY = "anphp"
EXTRACTOR_VERSION = "anphp/2026.10"
ARTICLE_URL_PATTERNS = (r"^/[a-z0-9-]+-a\d{4,8}\.html$",)
OUTLETS = ("baoangiang.com.vn", "baocantho.com.vn")
VERIFIED_ON = ("TranVu2005__baoangiang_367201.html",)

BODY_RULES = BodyRules(
    skip_css=(".author", ".ignore", ".boxpayk", ".detail-date-share", ".adsbygoogle"),
    image_box_css=("figure", "table.image", "table"),
    caption_css=("figcaption", ".image_caption", "td.caption", ".caption", "em"),
)
_HIDDEN = frozenset({"an", "hidden"})


def detect(sel: Selector) -> bool:
    """A ``content-fck`` body in ``#newscontents`` under a headline (``div.detail-title > h1``
    or, in the older template, an ``h1`` just before ``#newscontents``)."""
    if find_body(sel) is None:
        return False
    return bool(with_class(sel, "detail-title", tag="div")) or headline(sel) is not None


# The older template's headline: the last h1 before the body (the category h1 comes first).
_HEADLINE_BEFORE_BODY = "(//*[@id='newscontents']/preceding::h1)[last()]"


def headline(sel: Selector) -> str | None:
    return first_text_x(sel, "//div[contains(@class, 'detail-title')]//h1",
                        _HEADLINE_BEFORE_BODY)


def find_body(sel: Selector) -> Any | None:
    for el in with_class(sel, "content-fck", tag="div"):
        if el.root.xpath("ancestor::*[@id='newscontents']"):
            return el.root
    return None


def page_url(sel: Selector, url: str) -> str:
    """rel=canonical, else og:url, when on the fetched URL's site; else the fetched URL."""
    for link in (canonical_link(sel), meta_content(sel, "og:url")):
        if link:
            absolute = canonical_url(link, url)
            if host_matches(absolute, [site_of(url)]):
                return absolute
    return canonical_url(url)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one article page of the An Giang PHP CMS into a raw article dict."""
    sel = selector_for(html, url)
    body = find_body(sel)
    title = headline(sel)
    if body is None or not title:
        missing = "body (#newscontents .content-fck)" if body is None else "title"
        raise NotAnArticle(f"no {missing}: not an article page of the {FAMILY} CMS")
    # Relative image paths resolve against <base href> (the asset host), as a browser does.
    base = sel.xpath("//base/@href").get() or url
    parts = walk_body(Selector(root=body, type="html"), canonical_url(base, url), BODY_RULES)
    if not parts.blocks:
        raise NotAnArticle(f"empty body: not an article page of the {FAMILY} CMS")
    credit = first_text_x(Selector(root=body, type="html"), ".//p[contains(@class, 'author')]")
    blocks = [b.text for b in parts.blocks]
    if not credit:
        signed = closing_byline(body)
        if signed:
            # The older template signs with a right-aligned last paragraph, not p.author;
            # its <br> lines ("H.A", "(Theo ...)") came out as blocks of their own.
            kept = drop_signature(blocks, signed)
            if kept is not None:
                blocks, credit = kept, signed
    ld = jsonld_article(jsonld_objects(sel))
    ld_pub = ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None
    ld_mod = ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None
    page = page_url(sel, url)
    return {
        "url": page,
        "title": title,
        "lead": first_text_x(sel, "//div[contains(@class, 'detail-desc')]//p",
                             "//div[contains(@class, 'detail-desc')]")
        or not_an_excerpt(meta_content(sel, "og:description", "description"), blocks),
        "paragraphs": blocks,
        "authors": credit_names(credit) if credit else [],
        "published_at": visible_date(
            first_text_x(sel, "//div[contains(@class, 'pubdate')]",
                         "//span[contains(@class, 'pubdate')]"), ld_pub),
        "modified_at": visible_date(ld_mod),
        "section": section(sel),
        "topics": [],
        "tags": tags(sel),
        "images": parts.images,
        "related": related(sel, url, page),
    }


def closing_byline(body: Any) -> str | None:
    """The text of a right-aligned last paragraph short enough to be a signature (the older
    template's "H.A<br>(Theo Readers Digest)"), else None."""
    paragraphs = [p for p in body.iter("p") if text_of(p)]
    if not paragraphs or not right_aligned(paragraphs[-1]):
        return None
    text = text_of(paragraphs[-1])
    return text if len(text) <= 80 else None


def drop_signature(blocks: list[str], signed: str) -> list[str] | None:
    """``blocks`` without the trailing blocks that make up ``signed``, or None when the
    body does not end with it.

    >>> drop_signature(["Body.", "H.A", "(Theo X)"], "H.A (Theo X)")
    ['Body.']
    >>> drop_signature(["Body."], "H.A") is None
    True
    """
    end = len(blocks)
    while end > 0 and blocks[end - 1] in signed:
        end -= 1
        if " ".join(blocks[end:]) == signed:
            return blocks[:end]
    return None


def not_an_excerpt(description: str | None, blocks: list[str]) -> str | None:
    """The meta description as a lead, unless it only repeats the start of a body paragraph
    (a CMS without a sapo fills the description with the body's first words)."""
    if not description:
        return None
    folded = fold(description).rstrip(" .…:")
    if any(fold(b).startswith(folded) for b in blocks):
        return None
    return description


def section(sel: Selector) -> str | None:
    """The last breadcrumb (``ul.breadcrumb`` or the older template's ``div.titlecate``
    heading, "Y tế > Sức khỏe"), else article:section."""
    crumbs = [t for t in (text_of(a.root) for a in sel.xpath(
        "//ul[contains(@class, 'breadcrumb')]//li//a"
        " | //div[contains(@class, 'titlecate')]//a"))
        if t and fold(t) not in ("trang chủ", "home")]
    return crumbs[-1] if crumbs else meta_content(sel, "article:section")


def tags(sel: Selector) -> list[str]:
    out: list[str] = []
    for box in with_class(sel, "detail-tag", tag="div"):
        for a in box.root.xpath(".//a[contains(@class, 'tag_item')]"):
            text = text_of(a)
            if text and text not in out:
                out.append(text)
    return out


def _visible_in(a: Any, box: Any) -> bool:
    """Is the link inside ``box`` itself (not a box nested in it) and not hidden there?"""
    for anc in a.iterancestors():
        if anc is box:
            return True
        classes = set((anc.get("class") or "").split())
        if "detail-related" in classes or classes & _HIDDEN:
            return False
    return False


def related(sel: Selector, url: str, page: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen = {page}
    for box in with_class(sel, "detail-related", tag="div"):
        for a in box.root.xpath(".//li[contains(@class, 'related-item')]"
                                "//div[contains(@class, 'b-content')]//a[@href]"):
            if not _visible_in(a, box.root):
                continue
            link = canonical_url(a.get("href").strip(), url)
            title = link_title(a)
            if title and link not in seen:
                seen.add(link)
                out.append({"url": link, "title": title})
    return out
