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

This module assembles the article (:func:`extract`); each concern has a module of its own:
``body`` (choosing the text block, telling its prose from its layout), ``related`` (related
boxes, story cards, lists of other stories), ``captions`` (hero image, caption lines, photo
stories), ``credits`` (bylines, closing credit, source lines), ``dates`` (published/modified)
and ``fields`` (title, lead, section, tags).
"""

from __future__ import annotations

import re
from typing import Any

from parsel import Selector

from crawler.extract.base import (
    NotAnArticle,
    decode_html,
    jsonld_article,
    jsonld_objects,
    same_site_url,
    selector_for,
    walk_body,
)
from crawler.extract.generic.body import (
    GENERIC_RULES,
    MIN_BODY_PARAGRAPHS,
    best_container,
    declares_article,
    header_elements,
    is_capitals,
    is_meta_line,
    is_subhead,
    looks_like_list,
    near_headline,
)
from crawler.extract.generic.captions import captions_out, hero_images, photo_story_text
from crawler.extract.generic.credits import (
    byline_elements,
    generic_authors,
    site_keys,
    trailing_credit,
)
from crawler.extract.generic.dates import generic_modified, generic_published
from crawler.extract.generic.fields import (
    generic_lead,
    generic_section,
    generic_tags,
    generic_title,
    lead_elements,
)
from crawler.extract.generic.related import forget_titles, list_boxes, related_boxes
from crawler.text import normalize_text

EXTRACTOR_VERSION = "generic/2026.11"

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
        forget_titles()


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
              if not ((i < 3 or i >= len(parts.blocks) - 2) and is_meta_line(b.text))]
    blocks = captions_out(blocks, parts.images)
    blocks, credit, source = trailing_credit(blocks)
    blocks = photo_story_text(blocks, parts.images)
    # Subheads stay in the body (they are part of what a reader reads) except a kicker
    # before the first paragraph and all-capitals labels ("PHÒNG NGỦ"), which are layout.
    while len(blocks) > 1 and is_subhead(blocks[0]):
        blocks = blocks[1:]
    prose = [b for b in blocks if not (is_subhead(b) and is_capitals(b.text))]
    if len(prose) >= MIN_BODY_PARAGRAPHS:
        blocks = prose
    paragraphs = [b.text for b in blocks]
    declared = declares_article(sel, ld)
    if not declared and not near_headline(sel, container):
        raise NotAnArticle("no article metadata and no headline next to the text block")
    if looks_like_list(container, [normalize_text(p) for p in paragraphs], declared=declared,
                       news_article=bool(ld), exclude=[box for box, _ in boxes]):
        raise NotAnArticle("the main text block reads like a list of teasers, not an article")
    return page_record(
        sel, url, ld, boxes,
        title=title,
        lead=generic_lead(sel, [box for box, _ in boxes]),
        paragraphs=_drop_title_repeats(paragraphs, title),
        authors=generic_authors(sel, ld, credit, source, site_keys(sel, url)),
        published_at=generic_published(sel, ld, container),
        section=generic_section(sel, objs, title),
        images=hero_images(sel, container, url) + parts.images,
    )


def page_record(sel: Selector, url: str, ld: dict[str, Any],
                boxes: list[tuple[Any, list[dict[str, str]]]], **fields: Any) -> dict[str, Any]:
    """The raw article of a page the generic layer read (an article or a media story): the
    fields every such page gets the same way (its canonical URL, modified date, tags, its
    related boxes' stories, no topics) and ``fields``."""
    return {
        "url": same_site_url(sel, url),
        "modified_at": generic_modified(sel, ld),
        "topics": [],
        "tags": generic_tags(sel, ld),
        "related": [item for _, items in boxes for item in items],
        **fields,
    }


def _drop_title_repeats(paragraphs: list[str], title: str) -> list[str]:
    # A container chosen one level too high starts with the headline itself.
    key = normalize_text(title)
    return [p for p in paragraphs if normalize_text(p) != key]
