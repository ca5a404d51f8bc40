"""The site spider: discovery only. Selectors and URL rules come from the site's profile in
crawler/sites; extraction is delegated to the profile's extractor.

Path of a crawl: topic pages (with pagination, up to a page limit or a ``since`` date) →
article pages → their related ("Đọc thêm") links, up to a depth limit, on the site's domains.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar, Self

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.compact import DepthMap
from crawler.discovery import list_links, next_page_href
from crawler.extract import NotAnArticle
from crawler.extract.base import selector_for
from crawler.extract.clean import raw_to_article
from crawler.extract.encoding import decode_page
from crawler.feeds import new_run_id
from crawler.health import article_checked, fields_filled, topic_empty
from crawler.items import Article
from crawler.redis.mode import PREFIX, apply_redis_mode, redis_url
from crawler.sites import SiteProfile, get_profile
from crawler.sites.dispatch import Extraction, extract_layered
from crawler.state import StateManager
from crawler.text import VN_TZ, parse_vn_datetime, utc_now_iso
from crawler.urls import canonical_url, is_http_url

logger = logging.getLogger(__name__)

RELATED_MEMORY = 2_000
# Article pages go before list pages (Scrapy serves higher priorities first): the next page of
# a topic is opened only once the articles found so far are fetched. The frontier then holds
# about one list page's worth of articles per topic, whatever the site's size, instead of
# pagination running ahead and queueing (in memory, or in Redis) a growing share of the site.
ARTICLE_PRIORITY = 10
KNOWN_ARGS = ("start", "max_pages", "since", "until", "related_depth", "run_id")


class SpiderArgumentError(ValueError):
    """A spider argument is unknown or malformed (raised before any request is made)."""


def parse_bound(name: str, value: str | None) -> datetime | None:
    """A ``since``/``until`` argument as an aware datetime (dates are midnight, +07:00)."""
    if not value:
        return None
    dt = parse_vn_datetime(value)
    if dt is None:
        raise SpiderArgumentError(f"-a {name}={value!r} is not a date (use YYYY-MM-DD)")
    return dt.astimezone(VN_TZ)


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
        # Article key (site id, else URL) -> shallowest related-link depth it was found at:
        # one entry per article of the run, so kept compact (crawler.compact).
        self._best_depth = DepthMap()
        # Related links of parsed articles: key -> (urls, page, depth they were followed at,
        # None while the depth limit stops them), to follow them again at a shorter depth.
        self._related_of: dict[str, tuple[list[str], str, int | None]] = {}
        # Every article URL requested, with its outcome: emitted, dropped (why), not_article,
        # failed (why)... so that nothing discovered is silently lost (see the manifest).
        self.ledger: dict[str, tuple[str, str]] = {}
        self.ledger_emitted = 0
        self._item_origin: dict[int, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._on_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider._on_error, signal=signals.item_error)
        crawler.signals.connect(spider._on_dropped_request, signal=signals.request_dropped)
        crawler.signals.connect(spider._on_scheduled, signal=signals.request_scheduled)
        return spider

    def _on_scheduled(self, request: scrapy.Request, spider: Any) -> None:
        """Scrapy's offsite filter drops a redirect that leaves the site at scheduling time,
        silently (no errback, no signal): account for its article here."""
        url = request.meta.get("discovered_url")
        if not url or not request.meta.get("redirect_urls") or request.dont_filter:
            return
        if any(p.on_site(request.url) for p in self.profiles):
            return
        if self.ledger.get(url, ("", ""))[0] != "pending":
            return
        from urllib.parse import urlsplit

        self.crawler.stats.inc_value("fetch/offsite_redirect")
        host = urlsplit(request.url).hostname or request.url
        logger.warning("redirected off the site to %s: %s", host, url)
        self.ledger[url] = ("failed", f"off-site redirect to {host}")

    def settle_unfinished(self, why: str) -> int:
        """At the end of a run, give every URL still pending an outcome (nothing stays
        pending in a manifest); returns how many there were."""
        unfinished = [u for u, (outcome, _) in self.ledger.items() if outcome == "pending"]
        for url in unfinished:
            self.ledger[url] = ("not_fetched", why)
        return len(unfinished)

    def _on_dropped_request(self, request: scrapy.Request, spider: Any) -> None:
        """The scheduler refused a request (already seen): a redirect that comes back to a
        page already asked for is a redirect loop; it must not leave its article pending."""
        url = request.meta.get("discovered_url")
        if not url or self.ledger.get(url, ("", ""))[0] != "pending":
            return
        hops = request.meta.get("redirect_urls", [])
        reason = f"redirect loop ({len(hops)} hops)" if hops else "duplicate request"
        self.crawler.stats.inc_value("fetch/redirect_loop" if hops else "fetch/duplicate")
        logger.warning("%s: %s", reason, url)
        self.ledger[url] = ("failed", reason)

    def account(self, response: Response | None, outcome: str, reason: str = "",
                url: str | None = None) -> None:
        key = url or (response.meta.get("discovered_url", response.url) if response else "")
        if key:
            self.ledger[key] = (outcome, reason)

    def _settle(self, item: Any, outcome: str, reason: str) -> None:
        origin = self._item_origin.pop(id(item), None)
        if not origin:
            return
        if outcome == "emitted":
            # Emitted articles are in the feed: only their number is kept, so the ledger
            # holds what was not emitted and stays small however long the run.
            self.ledger.pop(origin, None)
            self.ledger_emitted += 1
        else:
            self.ledger[origin] = (outcome, reason)

    def account_undelivered(self, urls: list[str], reason: str) -> None:
        """Articles whose feed file failed: counted as emitted when handed to the exporter,
        they are not delivered (the next run fetches them again)."""
        for url in urls:
            self.ledger[url] = ("undelivered", reason)
        self.ledger_emitted = max(0, self.ledger_emitted - len(urls))

    def _on_scraped(self, item: Any, response: Any, spider: Any) -> None:
        self._settle(item, "emitted", "")

    def _on_dropped(self, item: Any, response: Any, exception: BaseException,
                    spider: Any) -> None:
        self._settle(item, "dropped", str(exception))

    def _on_error(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        self._settle(item, "failed", f"pipeline error: {failure.getErrorMessage()}")

    def select_profiles(self, args: dict[str, Any], start: list[str]) -> list[SiteProfile]:
        """The profiles this spider crawls: its own one (site spiders)."""
        return [get_profile(self.profile_slug or self.name)]

    def profile_for(self, url: str) -> SiteProfile:
        """The profile whose domains hold url (the first one when none does)."""
        for profile in self.profiles:
            if profile.on_site(url):
                return profile
        return self.profiles[0]

    @classmethod
    def check_arguments(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Parse and check ``-a`` arguments; raises SpiderArgumentError with a one-line reason.

        Called by the crawl command before anything starts, and again by __init__.
        """
        unknown = sorted(k for k in kwargs if k not in cls.known_args and k != "_job")
        if unknown:
            raise SpiderArgumentError(
                f"unknown spider argument(s): {', '.join(unknown)} "
                f"(known: {', '.join(cls.known_args)})"
            )
        out: dict[str, Any] = {k: kwargs[k] for k in ("start", "run_id", "sites")
                               if kwargs.get(k)}
        if out.get("run_id"):
            from crawler.settings_check import SettingError, check_run_id

            try:
                check_run_id(str(out["run_id"]))
            except SettingError as exc:
                raise SpiderArgumentError(str(exc)) from None
        for url in (out.get("start") or "").split(","):
            if url.strip() and not is_http_url(url.strip()):
                raise SpiderArgumentError(f"-a start: {url.strip()!r} is not an http(s) URL")
        out["since"] = parse_bound("since", kwargs.get("since"))
        out["until"] = parse_bound("until", kwargs.get("until"))
        if out["since"] and out["until"] and out["since"] > out["until"]:
            raise SpiderArgumentError("-a since=... is after -a until=...")
        out["max_pages"] = _opt_int("max_pages", kwargs.get("max_pages"))
        out["related_depth"] = _opt_int("related_depth", kwargs.get("related_depth"))
        return out

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        _apply_feed_options(settings)
        apply_redis_mode(settings)
        # The mirror is our own local server: politeness meant for real sites is relaxed for
        # it only (and a REPLAY fetches nothing at all). The command line still wins.
        if settings.get("MIRROR") or settings.get("REPLAY"):
            settings.set("DOWNLOAD_DELAY", settings.getfloat("MIRROR_DOWNLOAD_DELAY"), "spider")
            settings.set("AUTOTHROTTLE_ENABLED", False, "spider")
            settings.set(
                "CONCURRENT_REQUESTS_PER_DOMAIN",
                settings.getint("MIRROR_CONCURRENT_REQUESTS_PER_DOMAIN"),
                "spider",
            )

    @property
    def max_pages(self) -> int:
        return self._max_pages_arg or self.settings.getint("DISCOVERY_MAX_PAGES")

    @property
    def related_depth(self) -> int:
        if self._related_depth_arg is not None:
            return self._related_depth_arg
        if not self.settings.getbool("DISCOVERY_FOLLOW_RELATED"):
            return 0
        return self.settings.getint("DISCOVERY_RELATED_DEPTH")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # In Redis mode the crawl's shared dupefilter lets one worker fetch each topic page.
        shared = bool(redis_url(self.settings))
        for url in self.topic_urls:
            yield self.topic_request(url, dont_filter=not shared)
        for request in self.pushed_requests():
            yield request
        # RSS feeds and sitemaps are extra routes to the same articles (explicit start URLs
        # mean the operator wants those pages only).
        if self.settings.getbool("DISCOVERY_FEEDS") and not self._explicit_start:
            for profile in self.profiles:
                for url in (*profile.rss_feeds, *profile.sitemaps):
                    yield scrapy.Request(url, callback=self.parse_feed, errback=self.on_error,
                                         meta={"feed_depth": 0}, dont_filter=True)
        # Articles a dead run had written to a feed file it never completed: asked for again
        # directly, since one reached through a delivered article's related box would not be
        # found again from the list pages.
        for url in list(getattr(self.state, "resume_urls", ())):
            if self.profile_for(url).on_site(url):
                self.crawler.stats.inc_value("discovery/resumed_articles")
                for request in self._article_request(url, depth=0, referer=""):
                    yield request

    def topic_request(self, url: str, dont_filter: bool = True) -> scrapy.Request:
        url = self.profile_for(url).canonical(url)
        return scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.on_error,
            meta={"page": 1, "topic": url, "handle_httpstatus_list": [304]},
            headers=self._conditional_headers(url),
            dont_filter=dont_filter,
        )

    def pushed_requests(self, limit: int = 100) -> list[scrapy.Request]:
        """Topic pages pushed to Redis (``python -m crawler push``), in Redis mode."""
        if not redis_url(self.settings):
            return []
        from crawler.redis.workers import Workers

        server = Workers.of(self.crawler).server
        urls = server.lpop(f"{PREFIX}{self.name}:start_urls", limit) or []
        return [self.topic_request(u, dont_filter=True) for u in urls if is_http_url(u)]

    def _conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from the last finished run. Not when resuming, nor
        when known articles are re-fetched for edits (an edit leaves the topic page as it was)."""
        if self.state.resuming or self.state.refetch_days > 0:
            return {}
        etag, last_modified = self.state.validators(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    @property
    def state(self) -> StateManager:
        return StateManager.of(self.crawler)

    # --- RSS feeds and sitemaps -------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """Article links from an RSS/Atom feed, a (news) sitemap or a sitemap index."""
        stats = self.crawler.stats
        stats.inc_value("discovery/feeds")
        if response.meta.get("feed_depth", 0) == 0:
            stats.inc_value("discovery/start_pages_fetched")
        self.ledger[response.request.url if response.request else response.url] = ("feed", "")
        entries = feed_entries(response.body)
        if entries is None:
            stats.inc_value("discovery/feed_unreadable")
            logger.warning("not an RSS feed or sitemap: %s", response.url)
            return
        depth = response.meta.get("feed_depth", 0)
        for url, published, is_index in entries:
            url = canonical_url(url, response.url)
            if is_index:
                # A sitemap index: follow child sitemaps on the site, one level deep.
                if depth < 1 and self.profile_for(url).on_site(url):
                    yield scrapy.Request(url, callback=self.parse_feed, errback=self.on_error,
                                         meta={"feed_depth": depth + 1})
                continue
            when = parse_vn_datetime(published) if published else None
            if self.since is not None and when is not None and when < self.since:
                stats.inc_value("discovery/feed_older_than_since")
                continue
            yield from self._article_request(url, depth=0, referer=response.url)

    # --- list pages -------------------------------------------------------------------------

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
            self.state.remember_validators(
                request_url, _header(response, b"ETag"), _header(response, b"Last-Modified"))
        profile = self.profile_for(response.url)
        state: dict[str, Any] = dict(response.meta.get("list_state", {}))
        links, next_href, too_old = self._read_list_page(response, profile, page, state)
        if page == 1 and not links:
            self.crawler.stats.inc_value("discovery/empty_first_page")
            logger.warning("topic page %s yields no article links: layout changed?", topic)
            self.crawler.signals.send_catch_log(topic_empty, url=topic, site=profile.site)
        requested = stats.get_value("discovery/article_requests", 0)
        seen = stats.get_value("discovery/already_seen", 0)
        for url in links:
            yield from self._article_request(url, depth=0, referer=response.url)
        # A page with nothing new, listing articles delivered by earlier runs: the rest of the
        # topic is older still. Not on a resumed run, whose predecessor may have died before
        # reaching the next pages.
        all_known = (stats.get_value("discovery/article_requests", 0) == requested
                     and stats.get_value("discovery/already_seen", 0) > seen)
        stop_known = all_known and not self.state.resuming and self.state.enabled
        if not next_href:
            return
        if too_old:
            self.crawler.stats.inc_value("discovery/pagination_stopped_since")
            return
        if stop_known:
            stats.inc_value("discovery/pagination_stopped_known")
            return
        if page >= self.max_pages:
            self.crawler.stats.inc_value("discovery/pagination_stopped_limit")
            return
        next_url = profile.canonical(next_href, response.url)
        if profile.on_site(next_url):
            yield scrapy.Request(next_url, callback=self.parse_list, errback=self.on_error,
                                 meta={"page": page + 1, "topic": topic, "list_state": state})

    def _read_list_page(self, response: Response, profile: SiteProfile, page: int,
                        state: dict[str, Any]) -> tuple[list[str], str | None, bool]:
        """Article links, next page and "all older than since" of a list page, read at once.

        The page is parsed here, not through ``response.selector``: that one is cached on the
        response, which lives as long as this callback's generator, so a few list pages in
        flight would each hold a parsed 300 KB page (megabytes) while their requests are
        scheduled. This tree is gone before the first request is yielded.
        """
        text, _ = decode_page(response.body, response.headers.get(b"Content-Type"))
        sel = selector_for(text, response.url)
        links = self._article_links(sel, response.url, profile.list_link_css)
        # "Xem thêm" (load more) endpoints: the profile's hook builds the next URL.
        next_href = next_page_href(sel, profile, page + 1, state)
        return links, next_href, self._all_older_than_since(sel)

    def _all_older_than_since(self, sel: Selector) -> bool:
        if self.since is None:
            return False
        stamps = [parse_vn_datetime(t) for t in sel.css("time::attr(datetime)").getall()]
        dated = [t for t in stamps if t is not None]
        return bool(dated) and all(t < self.since for t in dated)

    def _article_links(self, sel: Selector, base: str, css: Iterable[str]) -> list[str]:
        links, malformed = list_links(sel, base, css)
        if malformed:
            self.crawler.stats.inc_value("discovery/malformed_links", malformed)
        return links

    def _article_request(self, url: str, depth: int, referer: str) -> Iterator[scrapy.Request]:
        stats = self.crawler.stats
        if not is_http_url(url):
            stats.inc_value("discovery/malformed_links")
            return
        profile = self.profile_for(url)
        if not profile.on_site(url):
            stats.inc_value("discovery/offsite_links")
            return
        if not profile.is_article_url(url):
            stats.inc_value("discovery/non_article_links")
            return
        # The same article under two URLs (legacy .htm, mobile host) is fetched once.
        key = f"{profile.site}:{profile.article_id(url) or url}"
        shared = self._shared_depths()
        if key in self._best_depth:
            stats.inc_value("discovery/already_requested")
            if depth < self._best_depth[key]:
                # Found again closer to a list page: its related links get the shallower depth,
                # even if it was already parsed when the depth limit stopped them.
                self._best_depth[key] = depth
                if shared is not None:
                    yield from self._follow_parked(shared, key, depth)
                else:
                    yield from self._expand_related(key)
            return
        self._best_depth[key] = depth
        if shared is not None:
            prev = yield from self._follow_parked(shared, key, depth)
            if prev is not None:
                # Another worker asked for it: fetched once per crawl. If the depth limit had
                # stopped its related links there, they were parked in Redis and have just
                # been followed from here.
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
            url,
            callback=self.parse_article,
            errback=self.on_error,
            priority=ARTICLE_PRIORITY,
            meta={"related_depth": depth, "discovered_url": url, "article_key": key,
                  "known_revision": record.revision if record else None},
            headers={"Referer": referer},
        )

    def _follow_parked(self, shared: Any, key: str,
                       depth: int) -> Generator[scrapy.Request, None, int | None]:
        """Record the depth in Redis; follow the links another worker parked for this
        article if the depth now allows it. Returns the depth recorded before (None: new)."""
        prev: int | None
        prev, parked = shared.lower(key, depth, self.related_depth)
        if parked is not None:
            links, referer = parked
            self.crawler.stats.inc_value("discovery/related_from_parked")
            for url in links:
                yield from self._article_request(url, depth=depth + 1, referer=referer)
        return prev

    def _shared_depths(self) -> Any:
        if not redis_url(self.settings):
            return None
        from crawler.redis.workers import Workers

        return Workers.of(self.crawler).depths

    # --- article pages ----------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Article | scrapy.Request]:
        stats = self.crawler.stats
        if not response.body.strip():
            # A 200 with nothing in it: permanent for this run, recorded, never an empty item.
            stats.inc_value("fetch/empty_body")
            logger.warning("empty response for %s", response.url)
            self.account(response, "failed", "empty response body")
            return
        text, encoding = decode_page(response.body, response.headers.get(b"Content-Type"))
        if encoding not in ("utf-8",):
            stats.inc_value(f"fetch/encoding_{encoding}")
        profile = self.profile_for(response.url)
        try:
            extraction = extract_layered(text, response.url, profile)
        except NotAnArticle as exc:
            stats.inc_value("extract/not_article")
            logger.info("not an article: %s (%s)", response.url, exc)
            self.account(response, "not_article", str(exc))
            self.crawler.signals.send_catch_log(article_checked, url=response.url,
                                                site=profile.site, missing=["article"])
            return
        raw = extraction.raw
        self._count_layers(extraction, response.url, profile.site)
        # For signal handlers (run summaries): which layer found the article, no re-parsing.
        response.meta["extraction_layer"] = extraction.used
        response.meta["extraction_sources"] = extraction.sources
        item = raw_to_article(raw, crawled_at=utc_now_iso())
        stats.inc_value("extract/articles")
        if self._outside_bounds(item):
            stats.inc_value("discovery/outside_since_until")
            self.account(response, "outside_since_until", item.published_at or "")
        else:
            # The ledger entry is settled by the pipelines' outcome (scraped or dropped).
            self._item_origin[id(item)] = response.meta.get("discovered_url", response.url)
            yield item
        key = response.meta.get("article_key", response.url)
        links = [rel["url"] for rel in raw["related"]]
        shared = self._shared_depths()
        if shared is not None:
            if self.related_depth <= 0:
                return  # related links are never followed: nothing to park
            # Workers share depths: the links are followed here at the shallowest depth any
            # worker found the article at, or parked for the worker that finds it closer.
            best = shared.parsed(key, links, response.url,
                                 response.meta.get("related_depth", 0), self.related_depth)
            if best is not None:
                for url in links:
                    yield from self._article_request(url, depth=best + 1, referer=response.url)
            return
        self._related_of[key] = (links, response.url, None)
        if len(self._related_of) > RELATED_MEMORY:
            # Kept only in case an article is found again closer to a list page; the oldest
            # go first, so memory stays bounded on long runs.
            self._related_of.pop(next(iter(self._related_of)))
        yield from self._expand_related(key)

    def _count_layers(self, extraction: Extraction, url: str, site: str) -> None:
        """Stats of which layer found the article and which filled in for the profile; the
        health monitor hears of every profiled page, with the fields the profile missed and a
        fallback filled (layout drift), so that it can tell a share."""
        stats = self.crawler.stats
        stats.inc_value(f"extract/layer/{extraction.used.partition(':')[0]}")
        if extraction.profile_layer is None:
            return
        drift = extraction.drift
        for name in drift:
            stats.inc_value(f"extract/fallback_filled/{name}")
        self.crawler.signals.send_catch_log(fields_filled, url=url, site=site, fields=drift)

    def _expand_related(self, key: str) -> Iterator[scrapy.Request]:
        """Follow a parsed article's related links at its best depth, and again whenever that
        depth improves: articles are fetched before list pages, so an article is often first
        reached through a chain of related links and only later on a list page, and the
        shorter depth must reach its related articles (and theirs) too."""
        entry = self._related_of.get(key)
        if entry is None:
            return
        depth = self._best_depth.get(key, 0)
        links, referer, followed_at = entry
        if depth >= self.related_depth or (followed_at is not None and depth >= followed_at):
            return
        self._related_of[key] = (links, referer, depth)
        for url in links:
            yield from self._article_request(url, depth=depth + 1, referer=referer)

    def _outside_bounds(self, item: Article) -> bool:
        if not item.published_at or (self.since is None and self.until is None):
            return False
        published = datetime.fromisoformat(item.published_at)
        return bool(
            (self.since and published < self.since) or (self.until and published > self.until)
        )

    # --- failures ---------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        stats = self.crawler.stats
        request = failure.request  # type: ignore[attr-defined]
        reason = failure_reason(failure)
        stats.inc_value(f"fetch/{reason.split(':', 1)[0].replace(' ', '_').lower()}")
        if reason in ("HTTP 404", "HTTP 410") and request.meta.get("known_revision"):
            # An article delivered before has been taken down.
            stats.inc_value("fetch/gone")
            reason = f"gone ({reason}) since revision {request.meta['known_revision']}"
        logger.warning("fetch failed for %s: %s", request.url, reason)
        stats.inc_value("fetch/failed")
        self.account(None, "failed", reason,
                     url=request.meta.get("discovered_url", request.url))


def _apply_feed_options(settings: BaseSettings) -> None:
    """FEED_ROLLOVER_ITEMS and FEED_GZIP applied to the project's FEEDS (not to -o/-O)."""
    from scrapy.settings import SETTINGS_PRIORITIES

    from crawler.feeds import PROJECT_FEED_PREFIX

    rollover = settings.getint("FEED_ROLLOVER_ITEMS")
    gzip_on = settings.getbool("FEED_GZIP")
    if not (rollover or gzip_on):
        return
    feeds: dict[str, Any] = {}
    for uri, options in settings.getdict("FEEDS").items():
        options = dict(options)
        # Only the project's own feed (a FEEDS the user gave, or -o/-O, is left as given).
        if uri.startswith(PROJECT_FEED_PREFIX):
            if rollover:
                uri = uri.replace("%(run_id)s", "%(run_id)s-%(batch_id)04d")
                options["batch_item_count"] = rollover
            if gzip_on:
                uri += ".gz"
                options["postprocessing"] = ["scrapy.extensions.postprocessing.GzipPlugin"]
        feeds[uri] = options
    # -O/-o raise FEEDS to command-line priority; Scrapy then merges the runner's settings
    # into the crawler's at equal priority, which would undo this: set it one level above.
    given = settings.getpriority("FEEDS") or 0
    spider = SETTINGS_PRIORITIES["spider"]
    settings.set("FEEDS", feeds, spider if given < spider else given + 1)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


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


def failure_reason(failure: Failure) -> str:
    """A short, stable reason for a failed fetch: 'HTTP 404', 'oversize: ...', 'timeout'..."""
    if isinstance(failure.value, HttpError):
        return f"HTTP {failure.value.response.status}"
    message = failure.getErrorMessage()
    kind = failure.type.__name__ if failure.type else "Error"
    if "max size" in message or "maxsize" in message.lower():
        return f"oversize: {message}"
    if "Timeout" in kind or "timed out" in message.lower():
        return f"timeout: {message}"
    if kind == "IgnoreRequest":
        return f"ignored: {message}"
    if kind == "NotInArchive":  # REPLAY (crawler.replay): never fetched
        return message
    return f"{kind}: {message}"


def _opt_int(name: str, value: str | None) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise SpiderArgumentError(f"-a {name}={value!r} is not a whole number") from None
    if number < 0:
        raise SpiderArgumentError(f"-a {name}={value!r} must be 0 or more")
    return number
