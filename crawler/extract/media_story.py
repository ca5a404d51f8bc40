"""Video and photo stories: article pages whose story is a player or a gallery, not prose.

Such a page declares itself an article (og:type article, a JSON-LD NewsArticle, a published
time), prints its headline as the page's ``<h1>``, a sapo and a byline, and then a ``<video>``
(or an embedded player, or a gallery) where other articles have their text: the generic
extractor finds no text block and refuses it, although a reader sees one story with a title,
a date and a summary (a real laodong.vn ``/video-xa-hoi/…-<id>.ldo`` page, outside the shared
set, was refused this way by every layer).

This is the dispatch's last resort, reached only when every other layer refused the page. It
takes the page only when all of these hold, so that list, tag and home pages stay refused:

- it declares an article and has a publication time;
- its ``<h1>`` is the declared headline (JSON-LD headline or og:title; a list page's h1 and
  og:title name the section, and most list pages declare no article);
- it shows a story medium: a ``<video>``, a player ``<iframe>``, a JSON-LD VideoObject or
  ImageGallery.

The body is the sapo as its only paragraph (what a reader reads besides the player, as the
VietnamPlus video story's truth counts it), so that the feed's minimum body holds.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.base import NotAnArticle, jsonld_article, jsonld_objects, selector_for
from crawler.extract.generic import page_record, repair_document
from crawler.extract.generic.body import declares_article
from crawler.extract.generic.credits import generic_authors
from crawler.extract.generic.dates import generic_published
from crawler.extract.generic.fields import (
    generic_lead,
    generic_section,
    generic_title,
)
from crawler.extract.generic.related import forget_titles, related_boxes
from crawler.extract.meta import meta_content
from crawler.text import normalize_text

EXTRACTOR_VERSION = "media-story/2026.11"

_PLAYER = re.compile(r"youtube|vimeo|player|video|/watch|/embed", re.I)
_MEDIA_TYPES = {"VideoObject", "ImageGallery", "MediaGallery"}


def _fold(text: str) -> str:
    return " ".join(normalize_text(text).split()).casefold()


def headline_element(sel: Selector, title: str) -> Any | None:
    """The page's ``<h1>`` whose text is the headline, or None."""
    want = _fold(title)
    for h1 in sel.css("h1"):
        if _fold(" ".join(h1.xpath(".//text()[not(ancestor::script)]").getall())) == want:
            return h1.root
    return None


def _declared_headline(sel: Selector, ld: dict[str, Any], title: str) -> bool:
    """The headline the page declares (JSON-LD headline, og:title) is the h1's text, give or
    take a " - Site" suffix: a list page's h1 names a section, not its declared title."""
    want = _fold(title)
    declared = [ld.get("headline"), meta_content(sel, "og:title", "twitter:title")]
    return any(isinstance(d, str) and _fold(d).startswith(want) for d in declared)


def shows_media(sel: Selector, objs: list[dict[str, Any]], ld: dict[str, Any]) -> bool:
    """A story medium on the page: a video element, a player iframe, a JSON-LD VideoObject
    or gallery (on its own or as the article's ``video``)."""
    if sel.css("video"):
        return True
    if any(_PLAYER.search(src) for src in sel.css("iframe::attr(src)").getall()):
        return True
    if ld.get("video"):
        return True
    return any(str(o.get("@type")) in _MEDIA_TYPES for o in objs)


def _story_root(h1: Any) -> Selector:
    """The element holding the headline and what belongs to it: the nearest ``<article>``
    ancestor, else the headline's grandparent."""
    for anc in h1.iterancestors():
        if isinstance(anc.tag, str) and anc.tag.lower() == "article":
            return Selector(root=anc, type="html")
    parents = list(h1.iterancestors())
    return Selector(root=parents[min(1, len(parents) - 1)], type="html")


def _images(sel: Selector, url: str) -> list[dict[str, str | None]]:
    """The story's picture: the video poster, else og:image."""
    out: list[dict[str, str | None]] = []
    for src in [*sel.css("video::attr(poster)").getall(), meta_content(sel, "og:image") or ""]:
        if src.strip() and not any(i["url"] == urljoin(url, src.strip()) for i in out):
            out.append({"url": urljoin(url, src.strip()), "caption": None})
    return out[:1]


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """A video or photo story as a raw article (see the module docstring); NotAnArticle for
    any other page."""
    try:
        return _extract(html, url)
    finally:
        forget_titles()  # the related-box search remembers this page's link titles


def _extract(html: str | bytes, url: str) -> dict[str, Any]:
    sel = selector_for(repair_document(html), url)
    objs = jsonld_objects(sel)
    ld = jsonld_article(objs)
    title = generic_title(sel, ld)
    if not title or not declares_article(sel, ld):
        raise NotAnArticle("no declared article: not a media story")
    h1 = headline_element(sel, title)
    if h1 is None or not _declared_headline(sel, ld, title):
        raise NotAnArticle("the headline is not the page's h1: not a media story")
    published = generic_published(sel, ld)
    if not published or not shows_media(sel, objs, ld):
        raise NotAnArticle("no publication time or no video/gallery: not a media story")
    story = _story_root(h1)
    boxes = related_boxes(sel, url, story)
    lead = generic_lead(sel, [box for box, _ in boxes])
    return page_record(
        sel, url, ld, boxes,
        title=title,
        lead=lead,
        paragraphs=[lead] if lead else [],
        authors=generic_authors(sel, ld, None),
        published_at=published,
        section=generic_section(sel, objs),
        images=_images(sel, url),
    )
