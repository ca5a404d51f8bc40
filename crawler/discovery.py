"""What a list (topic, home) page leads to: its article links and its next page.

Pure functions of a parsed page and a site profile, shared by the spiders (which add requests,
stats and the crawl's memory on top) and by ``crawler.evaluate`` (which scores them against
ground truth), so both see the same links.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from parsel import Selector

from crawler.sites import SiteProfile
from crawler.urls import canonical_url, is_http_url


def list_links(sel: Selector, base: str, css: Iterable[str]) -> tuple[list[str], int]:
    """Canonical links the selectors pick, in page order, each once, and how many hrefs were
    not usable http(s) URLs (``javascript:``, ``mailto:``, broken markup).

    >>> sel = Selector(text='<a href="/a-1.html?utm_source=x">1</a><a href="javascript:go()">'
    ...                     '2</a><a href="/a-1.html">3</a>')
    >>> list_links(sel, "https://x.vn/", ["a::attr(href)"])
    (['https://x.vn/a-1.html'], 1)
    """
    out: list[str] = []
    seen: set[str] = set()
    malformed = 0
    for q in css:
        for href in sel.css(q).getall():
            url = canonical_url(href.strip(), base)
            if not is_http_url(url):
                malformed += 1
                continue
            if url not in seen:
                seen.add(url)
                out.append(url)
    return out, malformed


def next_page_href(sel: Selector, profile: SiteProfile, page: int,
                   state: dict[str, Any]) -> str | None:
    """The href of the page after ``page - 1``: the profile's next-page link, else the URL its
    ``next_page`` hook builds ("Xem thêm" / load-more endpoints). ``state`` is carried across
    a topic's pages and may be updated by the hook."""
    href = next((h for q in profile.next_page_css if (h := sel.css(q).get())), None)
    if not href and profile.next_page is not None:
        href = profile.next_page(sel, page, state)
    return href


def article_links(sel: Selector, base: str, profile: SiteProfile) -> list[str]:
    """The links of a list page that the crawl would request as articles: picked by the
    profile's list selectors, on the site, shaped like its article URLs."""
    links, _ = list_links(sel, base, profile.list_link_css)
    return [u for u in links if profile.on_site(u) and profile.is_article_url(u)]
