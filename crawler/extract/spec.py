"""Declarative site specs. Most news CMSs differ only in where title, sapo, body, date and
byline sit: a PageSpec names those places and extract_by_spec() does the rest, one small
function per field, so a site module is a spec plus its SiteProfile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from parsel import Selector

from crawler.extract.base import Block, BodyRules, NotAnArticle, walk_body
from crawler.extract.dom import (
    all_texts,
    clean_label,
    css_values,
    first_text,
    link_items,
    select,
    selector_for,
)
from crawler.extract.meta import (
    first_date,
    jsonld_article,
    jsonld_breadcrumb,
    jsonld_keywords,
    jsonld_objects,
    jsonld_person_names,
    meta_content,
    meta_contents,
    same_site_url,
)
from crawler.text import split_authors


@dataclass(frozen=True)
class PageSpec:
    """Where one CMS keeps each field of an article page (CSS, evaluated by parsel).

    ``date_css`` may end in ``::attr(datetime)``; element matches are read as text.
    ``byline_last_line``: the CMS writes the author as the body's final right-aligned line.
    """

    family: str
    title_css: tuple[str, ...]
    body_css: tuple[str, ...]
    lead_css: tuple[str, ...] = ()
    date_css: tuple[str, ...] = ()
    author_css: tuple[str, ...] = ()
    section_css: tuple[str, ...] = ()
    tag_css: tuple[str, ...] = ()
    topic_css: tuple[str, ...] = ()
    related_css: tuple[str, ...] = ()
    rules: BodyRules = field(default_factory=BodyRules)
    byline_last_line: bool = False


def spec_title(sel: Selector, spec: PageSpec) -> str | None:
    return first_text(sel, spec.title_css)


def spec_lead(sel: Selector, spec: PageSpec) -> str | None:
    return first_text(sel, spec.lead_css) or meta_content(sel, "og:description", "description")


def spec_published(sel: Selector, spec: PageSpec, ld: dict[str, Any]) -> str | None:
    # Machine-readable values first: they carry seconds and an explicit offset, while the
    # visible line is minutes only ("07/03/2026 08:01 GMT+7").
    ld_date = ld.get("datePublished")
    return first_date(
        meta_content(sel, "article:published_time", "datePublished", "pubdate"),
        ld_date if isinstance(ld_date, str) else None,
        *css_values(sel, spec.date_css),
    )


def spec_modified(sel: Selector, ld: dict[str, Any]) -> str | None:
    ld_date = ld.get("dateModified")
    return first_date(
        meta_content(sel, "article:modified_time", "dateModified"),
        ld_date if isinstance(ld_date, str) else None,
    )


def spec_authors(sel: Selector, spec: PageSpec, blocks: list[Block],
                 ld: dict[str, Any]) -> list[str]:
    """Byline from the author elements, else the body's last right-aligned short line
    (popped from ``blocks``), else JSON-LD persons."""

    names = [a for t in css_values(sel, spec.author_css) for a in split_authors(t)]
    if not names and spec.byline_last_line and blocks and blocks[-1].right_aligned \
            and len(blocks[-1].text) <= 80:
        names = split_authors(blocks.pop().text)
    if not names:
        names = [a for n in jsonld_person_names(ld.get("author")) for a in split_authors(n)]
    out: list[str] = []
    for n in names:
        if n.casefold() not in {o.casefold() for o in out}:
            out.append(n)
    return out


def spec_section(sel: Selector, spec: PageSpec, objs: list[dict[str, Any]]) -> str | None:
    # The first query that matches wins, and its last item is the most specific crumb;
    # mixing queries would let a parent-zone link come after the child one.
    for q in spec.section_css:
        crumbs = [c for c in (clean_label(t) for t in css_values(sel, (q,))) if c]
        if crumbs:
            return crumbs[-1]
    crumbs = jsonld_breadcrumb(objs)
    return crumbs[-1] if crumbs else meta_content(sel, "article:section")


def spec_tags(sel: Selector, spec: PageSpec, ld: dict[str, Any]) -> list[str]:
    tags = [clean_label(t) for t in all_texts(sel, spec.tag_css)]
    if not any(tags):
        # One meta may hold the whole list comma-separated (vnexpress).
        tags = [clean_label(p) for t in meta_contents(sel, "article:tag") for p in t.split(",")]
    out: list[str] = []
    for t in tags or jsonld_keywords(ld):
        if t and t not in out:
            out.append(t)
    return out


def extract_by_spec(html: str | bytes, url: str, spec: PageSpec) -> dict[str, Any]:
    """The raw article dict of a page laid out as ``spec`` says; NotAnArticle when the page
    has no title or no body there (a list, video or error page)."""
    sel = selector_for(html, url)
    title = spec_title(sel, spec)
    body = next((n for q in spec.body_css for n in select(sel, q)), None)
    if body is None or not title:
        missing = "article body" if body is None else "title"
        raise NotAnArticle(f"no {missing}: not an article page of the {spec.family} layout")
    objs = jsonld_objects(sel)
    ld = jsonld_article(objs)
    parts = walk_body(body, url, spec.rules)
    blocks = list(parts.blocks)
    authors = spec_authors(sel, spec, blocks, ld)
    return {
        "url": same_site_url(sel, url),
        "title": title,
        "lead": spec_lead(sel, spec),
        "paragraphs": [b.text for b in blocks],
        "authors": authors,
        "published_at": spec_published(sel, spec, ld),
        "modified_at": spec_modified(sel, ld),
        "section": spec_section(sel, spec, objs),
        "topics": [clean_label(t) for t in all_texts(sel, spec.topic_css)],
        "tags": spec_tags(sel, spec, ld),
        "images": parts.images,
        "related": link_items(sel, url, spec.related_css),
    }
