"""The site spider: the crawl's table of contents. Selectors and URL rules come from the
site's profile (crawler/sites); each step's work is in this package's modules.

Path of a crawl: ``start`` (topic pages, feeds, sitemaps) → ``parse_list`` (article links,
then the next page: spiders/discovery.py) → ``request_article`` (the gate of every article
link: on the site, not requested yet (spiders/depth.py), not delivered by an earlier run) →
``parse_article`` (text → extraction → item → related "Đọc thêm" links, up to a depth limit:
spiders/articles.py). Every article URL requested gets an outcome in the ledger
(spiders/ledger.py) that the run's manifest reads.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar, Self

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.extract import NotAnArticle
from crawler.feeds import new_run_id
from crawler.health import topic_empty
from crawler.items import Article
from crawler.sites import SiteProfile, get_profile
from crawler.sites.dispatch import extract_layered
from crawler.state import StateManager
from crawler.urls import is_http_url
from spiders import articles, discovery
from spiders.args import KNOWN_ARGS, SpiderArgumentError, check_arguments
from spiders.depth import DepthBook, Follow, article_key
from spiders.discovery import ARTICLE_PRIORITY
from spiders.ledger import Ledger, fetch_failed
from spiders.redis_mode import pushed_urls, redis_mode, shared_depths

__all__ = ["ARTICLE_PRIORITY", "KNOWN_ARGS", "SiteSpider", "SpiderArgumentError"]

logger = logging.getLogger(__name__)


class SiteSpider(scrapy.Spider):
    """A spider for one site profile; subclasses only name the profile."""

    profile_slug: ClassVar[str] = ""
    known_args: ClassVar[tuple[str, ...]] = KNOWN_ARGS

    def __init__(self, *args: Any, **kwargs: Any):
        args_in = self.check_arguments(kwargs)
        for key in args_in:
            kwargs.pop(key, None)
        super().__init__(*args, **kwargs)
        start = [u.strip() for u in (args_in.get("start") or "").split(",") if u.strip()]
        self.profiles: list[SiteProfile] = self.select_profiles(args_in, start)
        self.profile = self.profiles[0]
        self.allowed_domains = sorted({d for p in self.profiles for d in p.domains})
        self.topic_urls = start or [u for p in self.profiles for u in p.start_urls]
        self._explicit_start = bool(start)
        self.since = args_in.get("since")
        self.until = args_in.get("until")
        self._max_pages_arg: int | None = args_in.get("max_pages")
        self._related_depth_arg: int | None = args_in.get("related_depth")
        self.run_id: str = args_in.get("run_id") or new_run_id()
        self.depths = DepthBook(lambda: shared_depths(self.crawler))
        # What became of every URL requested, under the names the manifest etc. use.
        self.outcomes = Ledger(on_site=lambda url: any(p.on_site(url) for p in self.profiles))
        self.ledger = self.outcomes.urls
        self._item_origin = self.outcomes.origin
        self.account = self.outcomes.account
        self.account_undelivered = self.outcomes.undelivered
        self.settle_unfinished = self.outcomes.settle_unfinished

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.outcomes.connect(crawler)
        return spider

    @classmethod
    def check_arguments(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        """``-a`` arguments parsed (spiders/args.py); the crawl command calls it first."""
        return check_arguments(kwargs, cls.known_args)

    def select_profiles(self, args: dict[str, Any], start: list[str]) -> list[SiteProfile]:
        """The profiles this spider crawls: its own one (site spiders)."""
        return [get_profile(self.profile_slug or self.name)]

    def profile_for(self, url: str) -> SiteProfile:
        """The profile whose domains hold url (the first one when none does)."""
        return next((p for p in self.profiles if p.on_site(url)), self.profiles[0])

    @property
    def max_pages(self) -> int:
        return self._max_pages_arg or self.settings.getint("DISCOVERY_MAX_PAGES")

    @property
    def related_depth(self) -> int:
        if self._related_depth_arg is not None:
            return self._related_depth_arg
        follow = self.settings.getbool("DISCOVERY_FOLLOW_RELATED")
        return self.settings.getint("DISCOVERY_RELATED_DEPTH") if follow else 0

    @property
    def state(self) -> StateManager:
        return StateManager.of(self.crawler)

    @property
    def ledger_emitted(self) -> int:
        return self.outcomes.emitted

    # --- where the crawl starts -------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # In Redis mode the crawl's shared dupefilter lets one worker fetch each topic page.
        shared = redis_mode(self.settings)
        for url in self.topic_urls:
            yield self.topic_request(url, dont_filter=not shared)
        for request in self.pushed_requests():
            yield request
        # RSS feeds and sitemaps are extra routes to the same articles (explicit start URLs
        # mean the operator wants those pages only).
        if self.settings.getbool("DISCOVERY_FEEDS") and not self._explicit_start:
            for url in discovery.feed_urls(self.profiles):
                yield scrapy.Request(url, callback=self.parse_feed, errback=self.on_error,
                                     meta={"feed_depth": 0}, dont_filter=True)
        # Articles a dead run had written to a feed file it never completed: asked for again
        # directly, since one reached through a delivered article's related box would not be
        # found again from the list pages.
        for url in list(getattr(self.state, "resume_urls", ())):
            if self.profile_for(url).on_site(url):
                self.crawler.stats.inc_value("discovery/resumed_articles")
                for request in self.request_article(url, depth=0, referer=""):
                    yield request

    def topic_request(self, url: str, dont_filter: bool = True) -> scrapy.Request:
        url = self.profile_for(url).canonical(url)
        return scrapy.Request(
            url, callback=self.parse_list, errback=self.on_error,
            meta={"page": 1, "topic": url, "handle_httpstatus_list": [304]},
            headers=discovery.conditional_headers(self.state, url), dont_filter=dont_filter)

    def pushed_requests(self, limit: int = 100) -> list[scrapy.Request]:
        """Topic pages pushed to Redis (``python -m crawler push``), in Redis mode."""
        if not redis_mode(self.settings):
            return []
        urls = pushed_urls(self.crawler, self.name, limit)
        return [self.topic_request(u, dont_filter=True) for u in urls if is_http_url(u)]

    # --- discovery: feeds, sitemaps, list pages ---------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """Article links from an RSS/Atom feed, a (news) sitemap or a sitemap index."""
        stats = self.crawler.stats
        stats.inc_value("discovery/feeds")
        depth = response.meta.get("feed_depth", 0)
        if depth == 0:
            stats.inc_value("discovery/start_pages_fetched")
        self.ledger[response.request.url if response.request else response.url] = ("feed", "")
        found = discovery.feed_links(response.body, response.url, depth, self.since,
                                     lambda u: self.profile_for(u).on_site(u), stats)
        if found is None:
            stats.inc_value("discovery/feed_unreadable")
            logger.warning("not an RSS feed or sitemap: %s", response.url)
            return
        children, links = found
        for url in children:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.on_error,
                                 meta={"feed_depth": depth + 1})
        for url in links:
            yield from self.request_article(url, depth=0, referer=response.url)

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        page: int = response.meta.get("page", 1)
        topic: str = response.meta.get("topic", response.url)
        stats = self.crawler.stats
        stats.inc_value("discovery/list_pages")
        if page == 1:
            stats.inc_value("discovery/start_pages_fetched")
        request_url = response.request.url if response.request else response.url
        if response.status == 304:
            # Unchanged since the last finished run: nothing new on it or after it.
            stats.inc_value("discovery/topic_not_modified")
            self.ledger[request_url] = ("list_page", "not modified (304)")
            self.state.remember_validators(request_url, *self.state.validators(request_url))
            return
        self.ledger[request_url] = ("list_page", "")
        if page == 1:
            self.state.remember_validators(request_url, discovery.header(response, b"ETag"),
                                           discovery.header(response, b"Last-Modified"))
        profile = self.profile_for(response.url)
        state: dict[str, Any] = dict(response.meta.get("list_state", {}))
        listing = discovery.read_list_page(response, profile, page, state, self.since)
        if listing.malformed:
            stats.inc_value("discovery/malformed_links", listing.malformed)
        if page == 1 and not listing.links:
            stats.inc_value("discovery/empty_first_page")
            logger.warning("topic page %s yields no article links: layout changed?", topic)
            self.crawler.signals.send_catch_log(topic_empty, url=topic, site=profile.site)
        requested = stats.get_value("discovery/article_requests", 0)
        seen = stats.get_value("discovery/already_seen", 0)
        for url in listing.links:
            yield from self.request_article(url, depth=0, referer=response.url)
        # A page with nothing new, listing articles delivered by earlier runs: the rest of the
        # topic is older still. Not on a resumed run, whose predecessor may have died before
        # reaching the next pages.
        nothing_new = (stats.get_value("discovery/article_requests", 0) == requested
                       and stats.get_value("discovery/already_seen", 0) > seen
                       and not self.state.resuming and self.state.enabled)
        stop = discovery.pagination_stop(listing, page, self.max_pages, nothing_new)
        if stop is not None:
            if stop:
                stats.inc_value(stop)
            return
        next_url = profile.canonical(listing.next_href or "", response.url)
        if profile.on_site(next_url):
            yield scrapy.Request(next_url, callback=self.parse_list, errback=self.on_error,
                                 meta={"page": page + 1, "topic": topic, "list_state": state})

    # --- the gate of every article link -----------------------------------------------------

    def request_article(self, url: str, depth: int, referer: str) -> Iterator[scrapy.Request]:
        """The request of an article link found at ``depth``, unless it is off the site, not
        an article URL, already requested, or delivered by an earlier run (each counted)."""
        stats = self.crawler.stats
        profile = self.profile_for(url)
        refused = ("discovery/malformed_links" if not is_http_url(url)
                   else "discovery/offsite_links" if not profile.on_site(url)
                   else "discovery/non_article_links" if not profile.is_article_url(url)
                   else None)
        if refused:
            stats.inc_value(refused)
            return
        key = article_key(profile.site, profile.article_id(url), url)
        requested, follow = self.depths.found(key, depth, self.related_depth)
        yield from self.follow(follow)
        if requested:  # fetched once per crawl (by this worker or another)
            stats.inc_value("discovery/already_requested")
            return
        record = self.state.lookup(profile.site, url, profile.article_id(url))
        if record is not None and not self.state.should_refetch(record):
            if not self.state.resuming:
                # Delivered by an earlier run: not fetched again (nor its related links).
                stats.inc_value("discovery/already_seen")
                self.ledger[url] = ("already_seen", f"delivered as revision {record.revision}")
                return
            # Resuming a run that died or failed: it may have delivered this article and died
            # before the ones only its related box leads to. Fetched again to follow them; the
            # dedupe pipeline drops it unchanged (or emits a changed body as a revision).
            stats.inc_value("discovery/refetched_on_resume")
        stats.inc_value("discovery/article_requests")
        self.ledger[url] = ("pending", "")
        yield scrapy.Request(
            url, callback=self.parse_article, errback=self.on_error, priority=ARTICLE_PRIORITY,
            meta={"related_depth": depth, "discovered_url": url, "article_key": key,
                  "known_revision": record.revision if record else None},
            headers={"Referer": referer})

    def follow(self, follow: Follow | None) -> Iterator[scrapy.Request]:
        """Requests of related links the depth bookkeeping says to follow now."""
        if follow is None:
            return
        if follow.parked:
            self.crawler.stats.inc_value("discovery/related_from_parked")
        for url in follow.links:
            yield from self.request_article(url, depth=follow.depth, referer=follow.referer)

    # --- article pages ----------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]:
        text = articles.page_text(response, self.crawler.stats)
        if text is None:
            self.account(response, "failed", "empty response body")
            return
        profile = self.profile_for(response.url)
        try:
            extraction = extract_layered(text, response.url, profile)
        except NotAnArticle as exc:
            articles.not_an_article(self.crawler, response.url, profile.site, exc)
            self.account(response, "not_article", str(exc))
            return
        item = articles.article_item(self.crawler, extraction, response, profile.site)
        if articles.outside_bounds(item.published_at, self.since, self.until):
            self.crawler.stats.inc_value("discovery/outside_since_until")
            self.account(response, "outside_since_until", item.published_at or "")
        else:
            # The ledger entry is settled by the pipelines' outcome (scraped or dropped).
            self.outcomes.expect(item, response.meta.get("discovered_url", response.url))
            yield item
        yield from self.follow(self.depths.parsed(
            response.meta.get("article_key", response.url),
            articles.related_links(extraction.raw), response.url,
            response.meta.get("related_depth", 0), self.related_depth))

    # --- failures ---------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        url, reason = fetch_failed(failure, self.crawler.stats)
        self.account(None, "failed", reason, url=url)
