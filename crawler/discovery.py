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


# Page chrome of a list page: navigation, header, footer, sidebars ("Tin đọc nhiều", sub-section
# teasers, print-issue boxes). Its links are the site's stories too, but not this list's items:
# taking them makes every page of a topic look alike (the same "most read" box on each).
# (A <header>/<footer> inside an <article> is a story item's own; "has-sidebar" names the
# main section that has one.)
_CHROME = ("self::aside or self::nav"
           " or ((self::header or self::footer) and not(ancestor::article))"
           " or (contains(@class, 'sidebar') and not(contains(@class, 'has-sidebar')))"
           " or contains(@class, 'sub-column') or contains(@class, 'footer')"
           " or contains(@class, 'menu')")
_CONTENT_HREFS = f"//a[not(ancestor-or-self::*[{_CHROME}])]/@href"
# Fewer list items than this outside the chrome: the layout hides its list in a "menu"-like
# wrapper; keep every link rather than none.
_MIN_CONTENT_LINKS = 5


def article_links(sel: Selector, base: str, profile: SiteProfile) -> list[str]:
    """The links of a list page that the crawl would request as articles: picked by the
    profile's list selectors, on the site, shaped like its article URLs. For a site with no
    profile (every link is a candidate), links that only sit in page chrome are left out."""
    links, _ = list_links(sel, base, profile.list_link_css)
    links = [u for u in links if profile.on_site(u) and profile.is_article_url(u)]
    if profile.family == "auto" and len(links) > _MIN_CONTENT_LINKS:
        content = {canonical_url(h.strip(), base) for h in sel.xpath(_CONTENT_HREFS).getall()}
        kept = [u for u in links if u in content]
        if len(kept) >= _MIN_CONTENT_LINKS:
            return kept
    return links
