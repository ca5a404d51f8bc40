"""The spider's callbacks, fed recorded responses in-process (no reactor, no network).

Each test builds the spider the way Scrapy does (``get_crawler`` + ``from_crawler``), hands
``HtmlResponse``s of the fixture site's pages (fixtures/site/baohatinh.vn, with the request
the spider made for them) to ``parse_list`` / ``parse_article`` / ``parse_feed`` and checks
the requests and items they yield and what they count. The subprocess crawls
(test_crawl.py and others) check the same behaviour end to end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from parsel import Selector
from scrapy import Request, signals
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler, get_reactor_settings
from twisted.python.failure import Failure

from crawler import settings as project
from crawler.health import article_checked, topic_empty
from crawler.items import Article
from crawler.urls import canonical_url
from spiders.baohatinh import BaohatinhSpider
from spiders.base import ARTICLE_PRIORITY, SiteSpider
from spiders.depth import DepthBook, Follow
from spiders.discovery import pagination_stop, read_list_page
from spiders.ledger import Ledger

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site" / "baohatinh.vn"
BASE = "https://baohatinh.vn/"
TOPIC = BASE + "chinh-tri/"
# An article of the fixture site with a related ("Đọc thêm") box of three stories.
ARTICLE = "ha-tinh-hoan-thanh-xoa-nha-tam-nha-dot-nat-cho-hon-3-700-ho-post294866.html"
ARTICLE_RE = re.compile(r"^https://baohatinh\.vn/(?:[a-z0-9-]+/)?[a-z0-9-]+-post\d+\.html$")


def make_spider(cls: type[SiteSpider] = BaohatinhSpider, settings: dict[str, Any] | None = None,
                **args: str) -> SiteSpider:
    """The spider with the project's settings, minus the components that would open a state
    store or write files (extensions, pipelines, add-ons)."""
    values = {k: getattr(project, k) for k in dir(project) if k.isupper()}
    values.update({"STATE_URI": "none", "EXTENSIONS": {}, "ITEM_PIPELINES": {}, "ADDONS": {},
                   "LOG_LEVEL": "WARNING", **(settings or {}), **get_reactor_settings()})
    crawler = get_crawler(cls, values)
    spider = cls.from_crawler(crawler, **args)
    crawler.spider = spider
    return spider


def page(path: str) -> bytes:
    return (SITE / path).read_bytes()


def respond(request: Request, body: bytes, status: int = 200,
            headers: dict[str, str] | None = None) -> HtmlResponse:
    """The response Scrapy would hand the callback: the request's URL and meta."""
    return HtmlResponse(request.url, status=status, body=body, request=request,
                        headers=headers or {}, encoding="utf-8")


def article_request(spider: SiteSpider, url: str, depth: int = 0) -> Request:
    (request,) = [r for r in spider.request_article(url, depth, referer=TOPIC)
                  if r.url == url]
    return request


def stat(spider: SiteSpider, name: str) -> int:
    return int(spider.crawler.stats.get_value(name, 0))


def requests(out: Iterable[Any]) -> list[Request]:
    return [r for r in out if isinstance(r, Request)]


def story_links(body: bytes) -> tuple[set[str], set[str]]:
    """Independent of the spider: the links of the page's story items (``article.story``),
    canonical (tracking parameters dropped), as (on baohatinh.vn, elsewhere)."""
    sel = Selector(text=body.decode("utf-8"))
    links = {canonical_url(h.strip(), TOPIC) for h in sel.css("article.story a::attr(href)")
             .getall()}
    here = {u for u in links if urlsplit(u).hostname == "baohatinh.vn"}
    return here, links - here


# --- list pages ---------------------------------------------------------------------------------


def test_first_list_page_requests_its_articles_then_the_next_page() -> None:
    spider = make_spider()
    topic = spider.topic_request(TOPIC)
    assert topic.callback == spider.parse_list and topic.meta["page"] == 1
    body = page("chinh-tri/index.html")
    out = requests(spider.parse_list(respond(topic, body)))
    articles, lists = out[:-1], out[-1:]
    here, _ = story_links(body)
    assert len(here) == 12 and {r.url for r in articles} == here
    assert len(articles) == len(here)  # each once
    for request in articles:
        assert ARTICLE_RE.match(request.url), request.url
        assert request.callback == spider.parse_article
        assert request.priority == ARTICLE_PRIORITY > lists[0].priority
        assert request.meta["related_depth"] == 0
        assert request.meta["discovered_url"] == request.url
        article_id = request.url.rsplit("post", 1)[1].removesuffix(".html")
        assert request.meta["article_key"] == f"baohatinh.vn:{article_id}"
        assert request.headers["Referer"] == TOPIC.encode()
        assert spider.ledger[request.url] == ("pending", "")
    (next_page,) = lists
    assert next_page.url == TOPIC + "?page=2" and next_page.callback == spider.parse_list
    assert next_page.meta["page"] == 2 and next_page.meta["topic"] == TOPIC
    assert stat(spider, "discovery/article_requests") == 12
    assert stat(spider, "discovery/start_pages_fetched") == 1
    assert spider.ledger[TOPIC] == ("list_page", "")


def test_off_site_links_of_a_list_page_are_dropped_and_counted() -> None:
    spider = make_spider()
    body = page("chinh-tri/index.html")
    out = requests(spider.parse_list(respond(spider.topic_request(TOPIC), body)))
    here, elsewhere = story_links(body)
    assert elsewhere  # the topic page does list stories of other sites
    assert {r.url for r in out if r.callback == spider.parse_article} == here
    assert not {urlsplit(r.url).hostname for r in out} - {"baohatinh.vn"}
    assert stat(spider, "discovery/offsite_links") == len(elsewhere)


def test_pagination_stops_at_the_page_limit() -> None:
    spider = make_spider(max_pages="2")
    request = Request(TOPIC + "?page=2", meta={"page": 2, "topic": TOPIC, "list_state": {}})
    out = requests(spider.parse_list(respond(request, page("chinh-tri/index.html@page=2"))))
    assert out and all(r.callback == spider.parse_article for r in out)
    assert stat(spider, "discovery/pagination_stopped_limit") == 1
    assert stat(spider, "discovery/start_pages_fetched") == 0  # not a first page


def test_the_last_list_page_has_no_next_page() -> None:
    spider = make_spider()
    request = Request(TOPIC + "?page=3", meta={"page": 3, "topic": TOPIC, "list_state": {}})
    out = requests(spider.parse_list(respond(request, page("chinh-tri/index.html@page=3"))))
    assert out and all(r.callback == spider.parse_article for r in out)
    assert not any(k.startswith("discovery/pagination_stopped")
                   for k in spider.crawler.stats.get_stats())


def test_a_list_page_already_requested_articles_are_not_asked_again() -> None:
    spider = make_spider()
    body = page("chinh-tri/index.html")
    first = requests(spider.parse_list(respond(spider.topic_request(TOPIC), body)))
    again = requests(spider.parse_list(respond(spider.topic_request(TOPIC), body)))
    assert [r.url for r in again] == [TOPIC + "?page=2"]
    assert stat(spider, "discovery/already_requested") == len(first) - 1


def test_not_modified_list_page_yields_nothing_and_is_recorded() -> None:
    spider = make_spider()
    topic = spider.topic_request(TOPIC)
    assert 304 in topic.meta["handle_httpstatus_list"]
    out = list(spider.parse_list(respond(topic, b"", status=304)))
    assert out == []
    assert stat(spider, "discovery/topic_not_modified") == 1
    assert spider.ledger[TOPIC] == ("list_page", "not modified (304)")


def test_a_first_page_without_article_links_is_a_layout_alarm() -> None:
    spider = make_spider()
    heard: list[dict[str, Any]] = []

    def hear(**kw: Any) -> None:  # kept here: signal receivers are weakly referenced
        heard.append(kw)

    spider.crawler.signals.connect(hear, signal=topic_empty)
    body = b"<html><body><div class='menu'><a href='/chinh-tri/'>x</a></div></body></html>"
    assert list(spider.parse_list(respond(spider.topic_request(TOPIC), body))) == []
    assert stat(spider, "discovery/empty_first_page") == 1
    assert heard and heard[0]["url"] == TOPIC and heard[0]["site"] == "baohatinh.vn"


def test_list_page_reading_is_a_plain_function() -> None:
    spider = make_spider()
    state: dict[str, Any] = {}
    response = respond(Request(TOPIC), page("chinh-tri/index.html"))
    listing = read_list_page(response, spider.profile, 1, state, since=None)
    assert listing.next_href and "page=2" in listing.next_href and not listing.too_old
    assert pagination_stop(listing, 1, 5, nothing_new=False) is None
    assert pagination_stop(listing, 1, 5, nothing_new=True) == "discovery/pagination_stopped_known"
    # Every entry of the page is from 2025: a `since` after them stops the topic here.
    old = read_list_page(response, spider.profile, 1, state,
                         since=spider.check_arguments({"since": "2030-01-01"})["since"])
    assert old.too_old
    assert pagination_stop(old, 1, 5, False) == "discovery/pagination_stopped_since"


# --- article pages ------------------------------------------------------------------------------


def test_article_page_yields_its_item_then_its_related_links_one_level_deeper() -> None:
    spider = make_spider()
    request = article_request(spider, BASE + ARTICLE)
    out = list(spider.parse_article(respond(request, page(ARTICLE))))
    (item,) = [o for o in out if isinstance(o, Article)]
    assert item.url == BASE + ARTICLE
    assert item.title and item.body and item.article_id == "294866" and\
         item.published_at == "2025-08-28T09:00:00+07:00"
    related = requests(out)
    assert len(related) == 3 and [r.url for r in related] == [rel["url"] for rel in item.related]
    for r in related:
        assert r.meta["related_depth"] == 1 and r.callback == spider.parse_article
        assert r.headers["Referer"] == (BASE + ARTICLE).encode()
    assert stat(spider, "extract/articles") == 1
    assert stat(spider, "extract/layer/profile") == 1
    # Left on the response (its request's meta) for the run summary.
    assert request.meta["extraction_layer"] == "profile:baohatinh"


def test_related_links_stop_at_the_depth_limit_and_resume_when_found_closer() -> None:
    spider = make_spider(related_depth="1")
    # Found first through a related box (depth 1 = the limit): its own box is not followed.
    deep = article_request(spider, BASE + ARTICLE, depth=1)
    assert requests(spider.parse_article(respond(deep, page(ARTICLE)))) == []
    # Then found on a list page (depth 0): its related links are followed after all, at 1,
    # without fetching the article again.
    closer = list(spider.request_article(BASE + ARTICLE, 0, referer=TOPIC))
    assert closer and BASE + ARTICLE not in {r.url for r in closer}
    assert {r.meta["related_depth"] for r in closer} == {1}
    assert stat(spider, "discovery/already_requested") == 1


def test_items_are_settled_in_the_ledger_by_the_pipelines_outcome() -> None:
    spider = make_spider(related_depth="0")
    request = article_request(spider, BASE + ARTICLE)
    (item,) = list(spider.parse_article(respond(request, page(ARTICLE))))
    assert spider.ledger[BASE + ARTICLE] == ("pending", "")
    spider.crawler.signals.send_catch_log(signals.item_scraped, item=item, response=None,
                                          spider=spider)
    assert BASE + ARTICLE not in spider.ledger and spider.ledger_emitted == 1


def test_a_page_that_is_not_an_article_yields_no_item_but_is_counted() -> None:
    spider = make_spider()
    heard: list[dict[str, Any]] = []

    def hear(**kw: Any) -> None:  # kept here: signal receivers are weakly referenced
        heard.append(kw)

    spider.crawler.signals.connect(hear, signal=article_checked)
    url = BASE + "tin-ve-chinh-tri-post999999.html"
    request = article_request(spider, url)
    assert list(spider.parse_article(respond(request, page("chinh-tri/index.html")))) == []
    assert stat(spider, "extract/not_article") == 1 and stat(spider, "extract/articles") == 0
    assert spider.ledger[url][0] == "not_article"
    assert heard and heard[0]["missing"] == ["article"]


def test_an_empty_article_response_is_a_failure_not_an_item() -> None:
    spider = make_spider()
    request = article_request(spider, BASE + ARTICLE)
    assert list(spider.parse_article(respond(request, b"  \n"))) == []
    assert stat(spider, "fetch/empty_body") == 1
    assert spider.ledger[BASE + ARTICLE] == ("failed", "empty response body")


def test_an_article_outside_since_is_not_emitted() -> None:
    spider = make_spider(since="2025-09-01", related_depth="0")
    request = article_request(spider, BASE + ARTICLE)
    assert list(spider.parse_article(respond(request, page(ARTICLE)))) == []
    assert stat(spider, "discovery/outside_since_until") == 1
    assert spider.ledger[BASE + ARTICLE][0] == "outside_since_until"


def test_a_taken_down_article_is_recorded_as_gone() -> None:
    spider = make_spider()
    request = article_request(spider, BASE + ARTICLE)
    request.meta["known_revision"] = 2
    response: Response = respond(request, b"", status=404)
    failure = Failure(HttpError(response))  # type: ignore[no-untyped-call]
    failure.request = request  # type: ignore[attr-defined]
    spider.on_error(failure)
    assert stat(spider, "fetch/gone") == 1 and stat(spider, "fetch/failed") == 1
    assert spider.ledger[BASE + ARTICLE] == ("failed", "gone (HTTP 404) since revision 2")


# --- feeds and sitemaps -------------------------------------------------------------------------


def test_rss_feed_entries_become_article_requests() -> None:
    spider = make_spider()
    request = Request(BASE + "rss/home.rss", meta={"feed_depth": 0})
    body = page("rss/home.rss")
    out = requests(spider.parse_feed(TextResponse(request.url, body=body, request=request)))
    assert len(out) == body.count(b"<item>") == 6
    assert all(r.callback == spider.parse_article and r.meta["related_depth"] == 0 for r in out)
    assert spider.ledger[request.url] == ("feed", "")


def test_a_sitemap_index_is_followed_one_level_deep() -> None:
    spider = make_spider()
    index = Request(BASE + "sitemaps/newsindex.xml", meta={"feed_depth": 0})
    body = page("sitemaps/newsindex.xml")
    (child,) = requests(spider.parse_feed(TextResponse(index.url, body=body, request=index)))
    assert child.url == BASE + "sitemaps/news-2025-08.xml"
    assert child.callback == spider.parse_feed and child.meta["feed_depth"] == 1
    # An index found at depth 1 is not followed further.
    deeper = Request(index.url, meta={"feed_depth": 1})
    assert requests(spider.parse_feed(TextResponse(index.url, body=body, request=deeper))) == []
    # Not a feed at all: counted, nothing requested.
    junk = Request(BASE + "rss/broken.rss", meta={"feed_depth": 0})
    assert list(spider.parse_feed(TextResponse(junk.url, body=b"<html/>", request=junk))) == []
    assert stat(spider, "discovery/feed_unreadable") == 1


# --- the pieces, without a crawler --------------------------------------------------------------


class FakeShared:
    """Redis mode's shared depths: another worker parked the links of ``a`` at depth 2."""

    def __init__(self) -> None:
        self.depths: dict[str, int] = {"a": 2}
        self.parked = {"a": (["https://x.vn/r1", "https://x.vn/r2"], "https://x.vn/a")}

    def lower(self, key: str, depth: int, limit: int) -> tuple[int | None, Any]:
        prev = self.depths.get(key)
        if prev is None or depth < prev:
            self.depths[key] = depth
        parked = self.parked.pop(key) if depth < limit and key in self.parked else None
        return prev, parked

    def parsed(self, key: str, links: list[str], referer: str, depth: int,
               limit: int) -> int | None:
        return depth if depth < limit else None


def test_depth_book_local_mode_follows_again_only_when_closer() -> None:
    book = DepthBook()
    assert book.found("a", 2, limit=3) == (False, None)
    assert book.parsed("a", ["u1"], "https://x.vn/a", 2, limit=3) == \
        Follow(["u1"], "https://x.vn/a", 3)
    assert book.found("a", 2, limit=3) == (True, None)  # same depth: nothing new
    assert book.found("a", 1, limit=3) == (True, Follow(["u1"], "https://x.vn/a", 2))
    assert book.found("a", 1, limit=3) == (True, None)
    # At the limit the links wait; found closer, they are followed.
    assert book.found("b", 3, limit=3) == (False, None)
    assert book.parsed("b", ["u2"], "https://x.vn/b", 3, limit=3) is None
    assert book.found("b", 0, limit=3) == (True, Follow(["u2"], "https://x.vn/b", 1))


def test_depth_book_redis_mode_follows_links_another_worker_parked() -> None:
    shared = FakeShared()
    book = DepthBook(lambda: shared)
    requested, follow = book.found("a", 0, limit=3)
    assert requested  # another worker asked for it already
    assert follow == Follow(["https://x.vn/r1", "https://x.vn/r2"], "https://x.vn/a", 1,
                            parked=True)
    assert book.found("c", 0, limit=3) == (False, None)
    assert book.parsed("c", ["u"], "https://x.vn/c", 0, limit=3) == Follow(["u"],
                                                                           "https://x.vn/c", 1)
    assert book.parsed("c", ["u"], "https://x.vn/c", 0, limit=0) is None


def test_ledger_accounts_for_off_site_redirects_and_redirect_loops() -> None:
    class Stats(dict[str, int]):
        def inc_value(self, key: str, count: int = 1) -> None:
            self[key] = self.get(key, 0) + count

    stats = Stats()
    ledger = Ledger(on_site=lambda url: "baohatinh.vn" in url, stats=lambda: stats)
    ledger.urls["https://baohatinh.vn/a-post1.html"] = ("pending", "")
    ledger.urls["https://baohatinh.vn/b-post2.html"] = ("pending", "")
    away = Request("https://elsewhere.example/a", meta={
        "discovered_url": "https://baohatinh.vn/a-post1.html",
        "redirect_urls": ["https://baohatinh.vn/a-post1.html"]})
    ledger.on_scheduled(away, None)
    assert ledger.urls["https://baohatinh.vn/a-post1.html"] == \
        ("failed", "off-site redirect to elsewhere.example")
    loop = Request("https://baohatinh.vn/b-post2.html", meta={
        "discovered_url": "https://baohatinh.vn/b-post2.html",
        "redirect_urls": ["https://baohatinh.vn/b", "https://baohatinh.vn/c"]})
    ledger.on_dropped_request(loop, None)
    assert ledger.urls["https://baohatinh.vn/b-post2.html"] == ("failed", "redirect loop (2 hops)")
    assert stats == {"fetch/offsite_redirect": 1, "fetch/redirect_loop": 1}
    assert ledger.settle_unfinished("run ended") == 0


@pytest.mark.parametrize("kind", ["emitted", "dropped"])
def test_ledger_keeps_only_what_was_not_emitted(kind: str) -> None:
    ledger = Ledger()
    item = object()
    ledger.urls["u"] = ("pending", "")
    ledger.expect(item, "u")
    ledger.settle(item, kind, "duplicate" if kind == "dropped" else "")
    assert (ledger.emitted, ledger.urls.get("u")) == \
        ((1, None) if kind == "emitted" else (0, ("dropped", "duplicate")))
