"""The publication and modification times: metas, then JSON-LD, then the date printed
near the headline and the body; a month-first local-notation meta that disagrees with both
other sources loses to them, a date-only machine value takes the visible time of that day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector

from crawler.extract.base import (
    first_date,
    meta_content,
)
from crawler.extract.generic.body import within
from crawler.text import normalize_text, parse_vn_datetime

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
            inside = (n for n in found[q] if within(n.root, scope))
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


