"""The OneCMS family (``POWERED BY ONECMS``; images and assets on ``<site>.1cdn.vn``).

Provincial and finance papers run it with one template: ad zones ``div.oneads#zone-NN``, a
``WebControl`` JS object, article URLs ``/<slug>-<id>.html`` (print twin ``/print/<id>.html``).
The article is a ``div.entry`` / ``article.entry`` (inside ``[itemprop=articleBody]`` on some
sites) whose first child is the "longform header" block even for a plain story:
``span.sc-longform-header-cate``, ``h1.sc-longform-header-title``,
``span.sc-longform-header-author`` (a credit such as "Tin và ảnh: Nam Giang"),
``span.sc-longform-header-date`` ("26/04/2022 11:05", "05/09/2026 - 22:17": day first) and the
sapo ``p.sc-longform-header-sapo`` (opening with a dateline: "ĐNO - ", "(HPĐT)- ").
The body is the bare children after it: ``<p>`` paragraphs, photos as ``figure``/
``figcaption``, as ``table.full-img`` with ``td.image_desc`` (wrapped in an invalid ``<p>``),
or as an image-only ``<p>`` followed by an all-italic ``<p>`` caption; empty spacer
paragraphs, a boxed fact panel (``div.sc-hightlight-box``), in-body ad boxes and a repeated
byline ``b.vtranslate-author-translate`` are not text.
Meta ``article:published_time`` is written month first with a 12-hour clock ("9/5/2026
10:17:01 PM" is 5 September) and ``WebControl`` marks local time as UTC: the visible date is
read first, then JSON-LD (which carries +07:00).
Tags: ``div.c-widget-tags`` / ``div.c-tags`` links to ``/<slug>-ptag.html``. Related: the
``c-box`` headed "Bài liên quan" (``.b-grid__title a``) and the "Đọc tiếp" ``div.c-news-topmore``
grid; "Đọc thêm <section>", "Đọc nhiều", "Nổi bật" are section feeds (often JS-filled).
"""

from __future__ import annotations

from typing import Any

from parsel import Selector

from crawler.extract.base import (
    BodyRules,
    NotAnArticle,
    jsonld_article,
    jsonld_objects,
    jsonld_person_names,
    meta_content,
    same_site_url,
    selector_for,
    with_class,
)
from crawler.sites._kit import (
    credit_names,
    first_text_x,
    fold,
    story_links,
    text_of,
    visible_date,
    walk_children,
)

FAMILY = "onecms"
EXTRACTOR_VERSION = "onecms/2026.10"
ARTICLE_URL_PATTERNS = (r"^/[a-z0-9-]+-\d{5,9}\.html$",)
OUTLETS = ("baohaiphong.vn", "baodanang.vn", "baonghean.vn", "nguoiquansat.vn")
VERIFIED_ON = (
    "TranVu2005__baohaiphong_457674.html",
    "TranVu2005__baohaiphong_472928.html",
    "TranVu2005__baodanang_3318952.html",
    "TranVu2005__baonghean_10230827.html",
    "twan507__nguoiquansat_314409.html",
)

BODY_RULES = BodyRules(
    skip_css=(
        ".sc-longform-header", ".oneads", ".c-box", ".sc-empty-layer", ".sc-hightlight-box",
        "b.vtranslate-author-translate", ".c-banner-item", ".c-article-reaction",
    ),
    image_box_css=("figure", "table.full-img", "table.image", "table.picture"),
    caption_css=("figcaption", "td.image_desc", ".image_desc", "td.caption", ".caption"),
)
# Children of the entry that are never body text (checked before walking them).
_SKIP_CLASSES = frozenset({"sc-longform-header", "oneads", "c-box", "sc-empty-layer",
                           "sc-hightlight-box", "vtranslate-author-translate", "c-banner-item"})
RELATED_HEADINGS = ("Bài liên quan", "Tin liên quan")


def detect(sel: Selector) -> bool:
    """The longform header title (or OneCMS ad zones) next to an ``.entry`` container."""
    if not with_class(sel, "entry"):
        return False
    return bool(with_class(sel, "sc-longform-header-title", tag="h1")
                or with_class(sel, "oneads", tag="div"))


def find_entry(sel: Selector) -> Any | None:
    """The article's ``.entry`` element: the one holding the longform title, else the first."""
    entries = with_class(sel, "entry")
    for box in entries:
        if box.root.xpath(".//h1[contains(@class, 'sc-longform-header-title')]"):
            return box.root
    return entries[0].root if entries else None


def _skip(el: Any) -> bool:
    return bool(_SKIP_CLASSES & set((el.get("class") or "").split()))


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one OneCMS article page into a raw article dict."""
    sel = selector_for(html, url)
    entry = find_entry(sel)
    scope = Selector(root=entry, type="html") if entry is not None else sel
    title = first_text_x(scope, ".//h1[contains(@class, 'sc-longform-header-title')]",
                         ".//h1") or first_text_x(sel, "//h1[contains(@class, 'title')]")
    if entry is None or not title:
        raise NotAnArticle(f"no {'title' if entry is not None else '.entry'}: "
                           f"not an article page of the {FAMILY} CMS")
    objs = jsonld_objects(sel)
    ld = jsonld_article(objs)
    parts = walk_children(entry, url, BODY_RULES, skip=_skip)
    if not parts.blocks:
        raise NotAnArticle(f"empty .entry: not an article page of the {FAMILY} CMS")
    credit = first_text_x(scope, ".//span[contains(@class, 'sc-longform-header-author')]")
    authors = credit_names(credit) if credit else []
    if not authors:
        authors = [n for raw in jsonld_person_names(ld.get("author"))
                   for n in credit_names(raw)]
    ld_pub = ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None
    ld_mod = ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None
    canonical = meta_content(sel, "canonical")
    page = same_site_url(sel, canonical or url) if canonical else same_site_url(sel, url)
    return {
        "url": page,
        "title": title,
        "lead": first_text_x(scope, ".//p[contains(@class, 'sc-longform-header-sapo')]")
        or meta_content(sel, "og:description", "description"),
        "paragraphs": [b.text for b in parts.blocks],
        "authors": authors,
        "published_at": visible_date(
            first_text_x(scope, ".//span[contains(@class, 'sc-longform-header-date')]"),
            ld_pub),
        "modified_at": visible_date(ld_mod),
        "section": section(sel),
        "topics": [],
        "tags": tags(sel),
        "images": parts.images,
        "related": related(sel, url, page),
    }


def section(sel: Selector) -> str | None:
    """The last breadcrumb item (``ol.breadcrumb``), else the header's category label."""
    links = sel.xpath("//ol[contains(@class, 'breadcrumb')]//li//a")
    crumbs = [t for t in (text_of(a.root) for a in links)
              if t and fold(t) not in ("trang chủ", "home")]
    if crumbs:
        return crumbs[-1]
    return first_text_x(sel, "//span[contains(@class, 'sc-longform-header-cate')]") or \
        meta_content(sel, "article:section")


def tags(sel: Selector) -> list[str]:
    out: list[str] = []
    for box in with_class(sel, "c-widget-tags", "c-tags"):
        for a in box.root.xpath(".//a"):
            text = text_of(a)
            if text and text not in out:
                out.append(text)
    return out


def related(sel: Selector, url: str, page: str) -> list[dict[str, str]]:
    """"Bài liên quan" boxes, then the "Đọc tiếp" grid (mobile and sidebar copies merged)."""
    wanted = {fold(h) for h in RELATED_HEADINGS}
    boxes = [box.root for box in with_class(sel, "c-box")
             if any(fold(text_of(t)) in wanted
                    for t in box.root.xpath(".//*[contains(@class, 'c-box__title__name')]"))]
    boxes += [box.root for box in with_class(sel, "c-news-topmore")]
    return story_links(boxes, url, ".//*[contains(@class, 'b-grid__title')]//a[@href]",
                       exclude=(page,))
