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

from typing import Any

from crawler.extract.base import (
    BodyRules,
    NotAnArticle,
    all_texts,
    canonical_link,
    first_date,
    first_text,
    jsonld_article,
    jsonld_names,
    jsonld_objects,
    meta_content,
    meta_contents,
    selector_for,
    walk_body,
)
from crawler.sites import SiteProfile
from crawler.text import split_authors
from crawler.urls import canonical_url, host_matches

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
SECTION_CSS = (".breadcrumb a",)
TAG_CSS = (".article__tag .box-content a", ".article__tag a.item")
TOPIC_CSS = (".article__topic .box-content a", ".box-topic .box-content a")
RELATED_BOX_CSS = (
    ".article__related",
    ".box-related",
    ".box-same-zone",
)
RELATED_ITEM_LINK_CSS = tuple(f"{box} article.story .story__heading a" for box in RELATED_BOX_CSS)
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
    body_nodes = [n for q in BODY_CSS for n in sel.css(q)][:1]
    title = first_text(sel, TITLE_CSS)
    if not body_nodes or not title:
        missing = "article body (div.article__body)" if not body_nodes else "title (h1)"
        raise NotAnArticle(f"no {missing}: not an article page of the {FAMILY} CMS")
    ld = jsonld_article(jsonld_objects(sel))
    parts = walk_body(body_nodes[0], url, BODY_RULES)

    blocks = list(parts.blocks)
    authors: list[str] = []
    # The CMS puts the author as the body's last, right-aligned line.
    if blocks and blocks[-1].right_aligned and len(blocks[-1].text) <= 80:
        authors = split_authors(blocks.pop().text)
    if not authors:
        authors = [a for n in jsonld_names(ld.get("author")) for a in split_authors(n)]

    section = (all_texts(sel, SECTION_CSS) or [None])[-1] or meta_content(sel, "article:section")
    return {
        "url": _article_url(sel, url),
        "title": title,
        "lead": first_text(sel, SAPO_CSS) or meta_content(sel, "og:description", "description"),
        "paragraphs": [b.text for b in blocks],
        "authors": authors,
        "published_at": first_date(
            sel.css(TIME_CSS).get(),
            meta_content(sel, "article:published_time"),
            ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None,
        ),
        "modified_at": first_date(
            meta_content(sel, "article:modified_time"),
            ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None,
        ),
        "section": section,
        "topics": all_texts(sel, TOPIC_CSS),
        "tags": all_texts(sel, TAG_CSS) or meta_contents(sel, "article:tag"),
        "images": parts.images,
        "related": related_links(sel, url),
    }


def _article_url(sel: Any, url: str) -> str:
    """The page's canonical link when it is on the same site, else the fetched URL."""
    link = canonical_link(sel)
    if link:
        absolute = canonical_url(link, url)
        if host_matches(absolute, [_site_domain(url)]):
            return absolute
    return canonical_url(url)


def _site_domain(url: str) -> str:
    from crawler.urls import site_of

    return site_of(url)


def related_links(sel: Any, url: str) -> list[dict[str, str]]:
    """Related items as {url, title}: the title is the item's heading, never the image alt."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for q in RELATED_ITEM_LINK_CSS:
        for a in sel.css(q):
            href = a.attrib.get("href")
            title = " ".join(a.xpath(".//text()").getall()).strip() or a.attrib.get("title", "")
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
_FAMILY_BASE = PROFILES[0]
PROFILES += [
    SiteProfile(
        slug="nhandan",
        name="Báo Nhân Dân",
        domains=("nhandan.vn",),
        start_urls=(
            "https://nhandan.vn/chinhtri/",
            "https://nhandan.vn/kinhte/",
            "https://nhandan.vn/xahoi/",
        ),
        article_url_patterns=(r"-post\d+\.html$",),
        id_patterns=(r"-post(\d+)\.html$",),
        list_link_css=_FAMILY_BASE.list_link_css,
        next_page_css=_FAMILY_BASE.next_page_css,
        related_link_css=_FAMILY_BASE.related_link_css,
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=_FAMILY_BASE.deny_url_patterns,
        family=FAMILY,
        extra={"unverified": True},
    ),
    SiteProfile(
        slug="sggp",
        name="Sài Gòn Giải Phóng",
        # The site answers on www.; items name the bare domain like every other site.
        domains=("sggp.org.vn",),
        start_urls=(
            "https://www.sggp.org.vn/xahoi/",
            "https://www.sggp.org.vn/kinhte/",
            "https://www.sggp.org.vn/thegioi/",
        ),
        article_url_patterns=(r"-post\d+\.html$",),
        id_patterns=(r"-post(\d+)\.html$",),
        list_link_css=_FAMILY_BASE.list_link_css,
        next_page_css=_FAMILY_BASE.next_page_css,
        related_link_css=_FAMILY_BASE.related_link_css,
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=_FAMILY_BASE.deny_url_patterns,
        family=FAMILY,
        extra={"unverified": True},
    ),
    SiteProfile(
        slug="tienphong",
        name="Tiền Phong",
        domains=("tienphong.vn",),
        start_urls=(
            "https://tienphong.vn/xa-hoi/",
            "https://tienphong.vn/kinh-te/",
            "https://tienphong.vn/the-gioi/",
        ),
        # Tiền Phong ends its article URLs in .tpo instead of .html.
        article_url_patterns=(r"-post\d+\.tpo$",),
        id_patterns=(r"-post(\d+)\.tpo$",),
        list_link_css=_FAMILY_BASE.list_link_css,
        next_page_css=_FAMILY_BASE.next_page_css,
        related_link_css=_FAMILY_BASE.related_link_css,
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=_FAMILY_BASE.deny_url_patterns,
        family=FAMILY,
        extra={"unverified": True},
    ),
]
