"""Báo Hà Tĩnh (baohatinh.vn) and its CMS family.

The CMS is shared by nhandan.vn, sggp.org.vn, tienphong.vn, baolaocai.vn and others: article
URLs end in ``-post<id>.html``; list items are ``article.story`` with ``.story__heading
a.cms-link`` and ``time.time[datetime]``; an article page has ``h1.article__title``,
``div.article__sapo``, ``div.article__body[itemprop=articleBody]`` (paragraphs may be bare
``<div>``s, ad slots such as ``div.sda_middle`` sit inside it), the author as a final
right-aligned line, "Từ khóa" tags, a "Chủ đề" topic box and related boxes ("Đọc thêm", "Tin
cùng chuyên mục") built from the same ``article.story`` items.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from parsel import Selector

from crawler.extract.base import (
    BodyRules,
    NotAnArticle,
    all_texts,
    first_date,
    first_text,
    jsonld_article,
    jsonld_names,
    jsonld_objects,
    meta_content,
    meta_contents,
    same_site_url,
    selector_for,
    walk_body,
    with_class,
)
from crawler.sites import SiteProfile
from crawler.text import split_authors
from crawler.urls import canonical_url

FAMILY = "cms-post"
EXTRACTOR_VERSION = "cms-post/2025.09"

BODY_CSS = (
    "div.article__body[itemprop=articleBody]",
    "div.article__body",
    "div.cms-body",
    "[itemprop=articleBody]",
)
TITLE_CSS = ("h1.article__title", "h1.cms-title", ".article h1")
SAPO_CSS = ("div.article__sapo", ".cms-desc", "h2.article__sapo")
TIME_CSS = ".article__meta time::attr(datetime)"
TAG_CSS = (".article__tag .box-content a", ".article__tag a.item")
TOPIC_CSS = (".article__topic .box-content a", ".box-topic .box-content a")
RELATED_BOX_CSS = (
    ".article__related",
    ".box-related",
    ".box-same-zone",
)
RELATED_BOX_CLASSES = tuple(q.lstrip(".") for q in RELATED_BOX_CSS)
RELATED_ITEM_CSS = "article.story .story__heading a"
RELATED_ITEM_LINK_CSS = tuple(f"{box} {RELATED_ITEM_CSS}" for box in RELATED_BOX_CSS)
BODY_RULES = BodyRules(
    skip_css=(
        ".sda_middle", ".rennab", "[id^=sdaWeb]", ".adsbygoogle", ".banner", ".ads",
        ".article__related", ".box-related", ".box-same-zone", ".article__tag",
        ".article__topic", ".social", ".share", ".box-relate-inline",
    ),
    image_box_css=("table.picture", "figure", "table.image", "div.picture"),
    caption_css=("td.caption", "figcaption", ".caption", ".image-caption"),
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
    ld = jsonld_article(jsonld_objects(sel))
    parts = walk_body(body, url, BODY_RULES)

    blocks = list(parts.blocks)
    authors: list[str] = []
    # The CMS puts the author as the body's last, right-aligned line.
    if blocks and blocks[-1].right_aligned and len(blocks[-1].text) <= 80:
        authors = split_authors(blocks.pop().text)
    if not authors:
        authors = [a for n in jsonld_names(ld.get("author")) for a in split_authors(n)]

    crumbs = [t for box in with_class(sel, "breadcrumb") for t in all_texts(box, ("a",))]
    section = (crumbs or [None])[-1] or meta_content(sel, "article:section")
    return {
        "url": same_site_url(sel, url),
        "title": title,
        "lead": first_text(scope, SAPO_CSS) or meta_content(sel, "og:description",
                                                              "description"),
        "paragraphs": [b.text for b in blocks],
        "authors": authors,
        "published_at": first_date(
            scope.css(TIME_CSS).get(),
            meta_content(sel, "article:published_time"),
            ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None,
        ),
        "modified_at": first_date(
            meta_content(sel, "article:modified_time"),
            ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None,
        ),
        "section": section,
        "topics": all_texts(scope, TOPIC_CSS),
        "tags": all_texts(scope, TAG_CSS) or meta_contents(sel, "article:tag"),
        "images": parts.images,
        "related": related_links(sel, url),  # "Tin cùng chuyên mục" sits after div.article
    }


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


def related_links(sel: Any, url: str) -> list[dict[str, str]]:
    """Related items as {url, title}: the title is the item's heading, never the image alt."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    # The boxes come from the document index in page order; only their items are searched.
    for box in with_class(sel, *RELATED_BOX_CLASSES):
        for a in box.css(RELATED_ITEM_CSS):
            href = a.attrib.get("href")
            title = " ".join(a.root.itertext()).strip() or a.attrib.get("title", "")
            if not href or not title.strip():
                continue
            link = canonical_url(href, url)
            if link not in seen:
                seen.add(link)
                out.append({"url": link, "title": title})
    return out


PROFILES = [
    SiteProfile(
        slug="baohatinh",
        name="Báo Hà Tĩnh",
        domains=("baohatinh.vn",),
        # The home page first: it carries the freshest stories and links (legacy .htm, m.
        # host) that topic pages do not.
        start_urls=(
            "https://baohatinh.vn/",
            "https://baohatinh.vn/chinh-tri/",
            "https://baohatinh.vn/kinh-te/",
            "https://baohatinh.vn/xa-hoi/",
        ),
        article_url_patterns=(r"-post\d+\.html$", r"/\d{5,}\.htm$"),
        id_patterns=(r"-post(\d+)\.html$", r"/(\d{5,})\.htm$"),
        list_link_css=(
            "article.story .story__heading a::attr(href)",
            "article.story .story__thumb a::attr(href)",
        ),
        next_page_css=(
            ".pagination a[rel=next]::attr(href)",
            ".pagination a.next::attr(href)",
        ),
        related_link_css=tuple(f"{q}::attr(href)" for q in RELATED_ITEM_LINK_CSS),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem/", r"^/api/", r"^/tu-khoa/", r"^/dang-nhap"),
        family=FAMILY,
        rss_feeds=("https://baohatinh.vn/rss/home.rss",),
        sitemaps=("https://baohatinh.vn/sitemaps/newsindex.xml",),
    )
]

# Sibling sites of the CMS, written from what is known of their public pages: same markup,
# same extractor and link selectors as baohatinh, only hosts, topics and URL endings differ.
# No real page of theirs is at hand to pin the markup, hence extra["unverified"].
def sibling(slug: str, name: str, domain: str, topics: tuple[str, ...], *,
            host: str | None = None, ending: str = "html") -> SiteProfile:
    """A profile for another site of this CMS family (``host``: where it answers, e.g. www.)."""
    base = PROFILES[0]
    return replace(
        base,
        slug=slug,
        name=name,
        domains=(domain,),
        start_urls=tuple(f"https://{host or domain}/{t}/" for t in topics),
        article_url_patterns=(rf"-post\d+\.{ending}$",),
        id_patterns=(rf"-post(\d+)\.{ending}$",),
        rss_feeds=(),
        sitemaps=(),
        extra={"unverified": True},
    )


PROFILES += [
    sibling("nhandan", "Báo Nhân Dân", "nhandan.vn", ("chinhtri", "kinhte", "xahoi")),
    # The site answers on www.; items name the bare domain like every other site.
    sibling("sggp", "Sài Gòn Giải Phóng", "sggp.org.vn", ("xahoi", "kinhte", "thegioi"),
            host="www.sggp.org.vn"),
    # Tiền Phong ends its article URLs in .tpo instead of .html.
    sibling("tienphong", "Tiền Phong", "tienphong.vn", ("xa-hoi", "kinh-te", "the-gioi"),
            ending="tpo"),
]


def detect(sel: Selector) -> bool:
    """The page's markup is this CMS's article layout: its title and body classes, or a
    ``-post<id>.html`` canonical URL with the family's ``story__`` / ``article__`` classes
    (pages whose body box carries another class)."""
    import re

    from crawler.extract.base import canonical_link

    if sel.css("h1.article__title") and sel.css("div.article__body"):
        return True
    link = canonical_link(sel) or ""
    return bool(re.search(r"-post\d+\.html$", link)) and bool(
        sel.xpath('//*[contains(@class, "story__")]')) and bool(sel.css("[class*=article__]"))
