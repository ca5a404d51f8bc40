"""Discovery: where article URLs come from. Topic (list) pages with their pagination and
"Xem thêm" (load-more) endpoints, RSS/Atom feeds and sitemaps.

Plain functions of a response, a site profile and the crawl's memory; the spider
(spiders/base.py) turns what they return into requests. The markup side (which links a list
page holds, its next page) is crawler.discovery, shared with ``crawler.evaluate``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parsel import Selector
from scrapy.http import Response

from crawler.discovery import list_links, next_page_href
from crawler.extract.base import selector_for
from crawler.extract.encoding import decode_page
from crawler.sites import SiteProfile
from crawler.state import StateManager
from crawler.text import parse_vn_datetime
from crawler.urls import canonical_url

# Article pages go before list pages (Scrapy serves higher priorities first): the next page of
# a topic is opened only once the articles found so far are fetched. The frontier then holds
# about one list page's worth of articles per topic, whatever the site's size, instead of
# pagination running ahead and queueing (in memory, or in Redis) a growing share of the site.
ARTICLE_PRIORITY = 10


# --- list pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPage:
    """What one list page leads to."""

    links: list[str]  # canonical article candidates, in page order
    malformed: int  # hrefs that were no usable http(s) URL
    next_href: str | None  # the next page (or load-more endpoint), as found
    too_old: bool  # every dated entry is older than ``since``


def read_list_page(response: Response, profile: SiteProfile, page: int,
                   state: dict[str, Any], since: datetime | None) -> ListPage:
    """Article links, next page and "all older than since" of a list page, read at once.

    The page is parsed here, not through ``response.selector``: that one is cached on the
    response, which lives as long as the spider callback's generator, so a few list pages in
    flight would each hold a parsed 300 KB page (megabytes) while their requests are
    scheduled. This tree is gone before the first request is yielded. ``state`` is carried
    across a topic's pages; the profile's load-more hook may update it.
    """
    text, _ = decode_page(response.body, response.headers.get(b"Content-Type"))
    sel = selector_for(text, response.url)
    links, malformed = list_links(sel, response.url, profile.list_link_css)
    next_href = next_page_href(sel, profile, page + 1, state)
    return ListPage(links, malformed, next_href, all_older_than(sel, since))


def all_older_than(sel: Selector, since: datetime | None) -> bool:
    """Whether every ``<time datetime>`` of a list page is before ``since`` (none: False)."""
    if since is None:
        return False
    stamps = [parse_vn_datetime(t) for t in sel.css("time::attr(datetime)").getall()]
    dated = [t for t in stamps if t is not None]
    return bool(dated) and all(t < since for t in dated)


def pagination_stop(listing: ListPage, page: int, max_pages: int,
                    nothing_new: bool) -> str | None:
    """Why a topic's pagination stops after this page: the stat to count ("" on the last
    page, which has no next page: nothing to count), None to go on to the next page.

    ``nothing_new``: the page listed only articles delivered by earlier runs, so the rest
    of the topic is older still.

    >>> page = ListPage(["https://x.vn/a"], 0, "?page=3", False)
    >>> pagination_stop(page, 2, 10, False) is None
    True
    >>> pagination_stop(page, 10, 10, False)
    'discovery/pagination_stopped_limit'
    >>> pagination_stop(page, 2, 10, True)
    'discovery/pagination_stopped_known'
    """
    if not listing.next_href:
        return ""
    if listing.too_old:
        return "discovery/pagination_stopped_since"
    if nothing_new:
        return "discovery/pagination_stopped_known"
    if page >= max_pages:
        return "discovery/pagination_stopped_limit"
    return None


def conditional_headers(state: StateManager, url: str) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the last finished run. Not when resuming, nor
    when known articles are re-fetched for edits (an edit leaves the topic page as it was)."""
    if state.resuming or state.refetch_days > 0:
        return {}
    etag, last_modified = state.validators(url)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


# --- RSS feeds and sitemaps -----------------------------------------------------------------


def feed_urls(profiles: list[SiteProfile]) -> Iterator[str]:
    """The RSS feeds and sitemaps of the crawled sites, extra routes to their articles."""
    for profile in profiles:
        yield from (*profile.rss_feeds, *profile.sitemaps)


def feed_links(body: bytes, base: str, depth: int, since: datetime | None,
               on_site: Callable[[str], bool],
               stats: Any) -> tuple[list[str], list[str]] | None:
    """(child sitemaps to follow, article URLs) of a feed or sitemap fetched at ``depth``;
    None when the body is neither. Entries older than ``since`` are counted, not returned."""
    entries = feed_entries(body)
    if entries is None:
        return None
    children: list[str] = []
    articles: list[str] = []
    for url, published, is_index in entries:
        url = canonical_url(url, base)
        if is_index:
            # A sitemap index: follow child sitemaps on the site, one level deep.
            if depth < 1 and on_site(url):
                children.append(url)
            continue
        when = parse_vn_datetime(published) if published else None
        if since is not None and when is not None and when < since:
            stats.inc_value("discovery/feed_older_than_since")
            continue
        articles.append(url)
    return children, articles


def feed_entries(body: bytes) -> list[tuple[str, str | None, bool]] | None:
    """(url, publication date, is a child sitemap) for each entry of an RSS 2.0 / Atom feed,
    a sitemap (news sitemaps included) or a sitemap index; None when it is none of them.

    >>> feed_entries(b"<rss><channel><item><link>https://a.vn/x-post1.html</link>"
    ...              b"<pubDate>Sat, 30 Aug 2025 01:07:33 +0700</pubDate></item></channel></rss>")
    [('https://a.vn/x-post1.html', 'Sat, 30 Aug 2025 01:07:33 +0700', False)]
    >>> feed_entries(b"<html><body>not a feed</body></html>") is None
    True
    """
    try:
        sel = Selector(body=body, type="xml")
    except ValueError:
        return None
    sel.remove_namespaces()
    root = sel.xpath("name(/*)").get() or ""
    out: list[tuple[str, str | None, bool]] = []
    if root == "rss":
        for item in sel.xpath("//item"):
            link = (item.xpath("link/text()").get() or item.xpath("guid/text()").get() or "")
            out.append((link.strip(), item.xpath("pubDate/text()").get(), False))
    elif root == "feed":
        for entry in sel.xpath("//entry"):
            link = entry.xpath("link[not(@rel) or @rel='alternate']/@href").get() or ""
            date = entry.xpath("published/text()").get() or entry.xpath("updated/text()").get()
            out.append((link.strip(), date, False))
    elif root in ("urlset", "sitemapindex"):
        for node in sel.xpath("//url | //sitemap"):
            loc = (node.xpath("loc/text()").get() or "").strip()
            date = (node.xpath("news/publication_date/text()").get()
                    or node.xpath("lastmod/text()").get())
            out.append((loc, date, root == "sitemapindex"))
    else:
        return None
    return [row for row in out if row[0]]
