"""Metadata sites publish for machines: JSON-LD (NewsArticle, BreadcrumbList, persons and
keywords), OpenGraph and other ``<meta>`` tags, the canonical link; and dates read from them.

All of it is read from the document index (crawler.extract.dom), built once per page.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from parsel import Selector

from crawler.extract.dom import doc_index
from crawler.text import parse_vn_datetime, to_iso
from crawler.urls import canonical_url, host_matches, site_of

logger = logging.getLogger(__name__)

_JSONLD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def jsonld_objects(sel: Selector) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page, @graph flattened; broken blocks are skipped."""
    out: list[dict[str, Any]] = []
    for raw in doc_index(sel).ld_texts:
        data = _loads_lenient(raw)
        for obj in _flatten_jsonld(data):
            out.append(obj)
    return out


def _loads_lenient(raw: str) -> Any:
    raw = _JSONLD_CONTROL.sub(" ", raw.strip())
    try:
        # strict=False: CMS templates print descriptions with their line breaks unescaped
        # inside JSON strings ("description": "...\n"), which browsers and Google accept.
        return json.loads(raw, strict=False)
    except ValueError:
        # Some CMSs HTML-escape the JSON inside the script element.
        try:
            return json.loads(html_lib.unescape(raw), strict=False)
        except ValueError:
            logger.debug("unparsable JSON-LD block skipped")
            return None


def _flatten_jsonld(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for x in data:
            yield from _flatten_jsonld(x)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from _flatten_jsonld(data["@graph"])
        else:
            yield data


_ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
                  "BlogPosting", "OpinionNewsArticle", "LiveBlogPosting"}


def jsonld_article(objs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The first NewsArticle-like JSON-LD object, or {}."""
    for obj in objs:
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(t in _ARTICLE_TYPES for t in types):
            return obj
    return {}


def jsonld_names(value: Any) -> list[str]:
    """Names from a JSON-LD author/person value (dict, list of dicts, or plain strings)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for v in value for n in jsonld_names(v)]
    return []


def _meta_index(sel: Selector) -> dict[tuple[str, str], list[str]]:
    return doc_index(sel).metas


def meta_content(sel: Selector, *keys: str) -> str | None:
    """The first non-empty <meta property|name|itemprop=KEY content> among keys."""
    index = _meta_index(sel)
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            values = index.get((attr, key))
            if values:
                return values[0]
    return None


def meta_contents(sel: Selector, key: str) -> list[str]:
    return list(_meta_index(sel).get(("property", key), []))


def canonical_link(sel: Selector) -> str | None:
    return doc_index(sel).canonical


def first_date(*candidates: str | None) -> str | None:
    """The first candidate that parses as a date, as ISO 8601 with +07:00."""
    for c in candidates:
        if c:
            dt = parse_vn_datetime(c)
            if dt is not None:
                return to_iso(dt)
    return None


# "Theo Dân Việt", "Nguồn: VTV": a source credit some CMSs put in the author Person's name.
_SOURCE_NAME = re.compile(r"^\W*(?:theo|nguồn)\b", re.IGNORECASE)


def jsonld_person_names(value: Any) -> list[str]:
    """Author names from JSON-LD, leaving out Organization entries (a site name is no byline)
    and source credits written as a Person's name ("Theo Dân Việt": a reprint's source).

    >>> jsonld_person_names([{"@type": "Person", "name": "An"}, {"@type": "Organization",
    ...                      "name": "VnExpress"}, "Bình", {"@type": "Person",
    ...                      "name": "Theo Dân Việt"}])
    ['An', 'Bình']
    """
    if isinstance(value, list):
        return [n for v in value for n in jsonld_person_names(v)]
    if isinstance(value, dict) and value.get("@type") not in (None, "Person"):
        return []
    return [n for n in jsonld_names(value) if not _SOURCE_NAME.match(n)]


def jsonld_breadcrumb(objs: Iterable[dict[str, Any]]) -> list[str]:
    """Names of the BreadcrumbList items, home excluded; nested item lists are flattened. A
    last item naming the article itself (its headline: laodong.vn ends the trail with the
    page) is not a section.

    >>> jsonld_breadcrumb([{"@type": "BreadcrumbList", "itemListElement": [
    ...     {"position": 1, "name": "Video"}, {"position": 2, "name": "Xã hội"},
    ...     {"position": 3, "name": "Tin A"}]}, {"@type": "NewsArticle", "headline": "Tin A"}])
    ['Video', 'Xã hội']
    """
    objs = list(objs)
    headlines = {" ".join(str(o.get("headline") or "").split()).casefold() for o in objs
                 if o.get("@type") != "BreadcrumbList" and o.get("headline")}
    for obj in objs:
        if obj.get("@type") != "BreadcrumbList":
            continue
        items = list(_flatten_jsonld(obj.get("itemListElement") or []))
        items.sort(key=lambda i: p if isinstance(p := i.get("position"), int) else 0)
        names = [_crumb_name(i) for i in items]
        crumbs = [n.strip() for n in names
                  if n and n.strip() and n.strip().lower() not in ("trang chủ", "home")]
        if crumbs and " ".join(crumbs[-1].split()).casefold() in headlines:
            crumbs.pop()
        return crumbs
    return []


def _crumb_name(item: dict[str, Any]) -> str | None:
    name = item.get("name")
    inner = item.get("item")
    if not isinstance(name, str) and isinstance(inner, dict):
        name = inner.get("name")
    return name if isinstance(name, str) else None


def jsonld_keywords(ld: dict[str, Any]) -> list[str]:
    """JSON-LD keywords as a list (sites give a list or one comma-separated string)."""
    raw = ld.get("keywords")
    values = raw if isinstance(raw, list) else str(raw or "").split(",")
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def page_url(sel: Selector) -> str | None:
    """The URL a saved page declares for itself: rel=canonical, else og:url."""
    return canonical_link(sel) or meta_content(sel, "og:url")


def same_site_url(sel: Selector, url: str) -> str:
    """The canonical link when it is on the fetched URL's site, else the fetched URL."""

    link = canonical_link(sel)
    if link:
        absolute = canonical_url(link, url)
        if host_matches(absolute, [site_of(url)]):
            return absolute
    return canonical_url(url)
