"""Dedupe pipeline: each article once, in this run and across runs.

In this run: by canonical URL, site article id and exact body fingerprint. Across runs, through
the state store: an article already delivered with the same body is dropped as already seen;
with a changed body it is emitted again as the next revision. A body that is an exact or near
copy of another article (another site's, or a light edit) is marked with ``duplicate_of`` (or
dropped, per DEDUPE_NEAR_ACTION).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawler.runstatus import fail_store
from crawler.state import StateManager
from crawler.store.errors import store_errors
from crawler.urls import site_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def dedupe_keys(item: Any, kinds: list[str]) -> list[tuple[str, str]]:
    """The (kind, key) pairs an article is known by; the article id is scoped by site.

    >>> dedupe_keys({"url": "https://a.vn/x", "site": "a.vn", "article_id": "12",
    ...              "fingerprint": "v1:ab"}, ["url", "article_id", "fingerprint"])
    [('url', 'https://a.vn/x'), ('article_id', 'a.vn:12'), ('fingerprint', 'v1:ab')]
    """
    adapter = ItemAdapter(item)
    out: list[tuple[str, str]] = []
    for kind in kinds:
        value = adapter.get(kind)
        if not value:
            continue
        if kind == "article_id":
            value = f"{adapter.get('site')}:{value}"
        out.append((kind, str(value)))
    return out


class DedupePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.kinds: list[str] = crawler.settings.getlist("DEDUPE_KEYS")
        self.state = StateManager.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        if not crawler.settings.getbool("DEDUPE_ENABLED", True):
            raise NotConfigured("DEDUPE_ENABLED is off")
        return cls(crawler)

    def _drop(self, reason: str, message: str) -> DropItem:
        self.stats.inc_value(f"dedupe/dropped_{reason}")
        self.stats.inc_value("dedupe/dropped")
        return DropItem(message)

    def process_item(self, item: Any) -> Any:
        try:
            return self._process(item)
        except store_errors() as exc:
            # Not delivered, so not lost: the next run fetches this article again.
            fail_store(self.crawler, exc)
            raise self._drop("store_unavailable", "state store unavailable") from None

    def _process(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        # Articles always carry both (str fields of crawler.items.Article, never None).
        url, site = cast(str, adapter.get("url")), cast(str, adapter.get("site"))
        keys = [f"{kind}\t{key}" for kind, key in dedupe_keys(item, self.kinds)]
        # Claims are per crawl and, in Redis mode, shared by all workers: the first article
        # to claim a URL or an id is the one emitted.
        found = self.state.claim([k for k in keys if not k.startswith("fingerprint")], site, url)
        if found is not None:
            kind = found[0].split("\t", 1)[0]
            raise self._drop(kind, f"duplicate article ({kind}): {url}")
        copy_of = None
        found = self.state.claim([k for k in keys if k.startswith("fingerprint")], site, url)
        if found is not None:
            if found[1] == site:
                raise self._drop("fingerprint", f"duplicate article (fingerprint): {url}")
            # The same body on another site: syndication, a near-duplicate, not a drop.
            copy_of = found[2]
        record = self.state.lookup(site, url, adapter.get("article_id"))
        if record is not None:
            if record.fingerprint == adapter.get("fingerprint"):
                raise self._drop("already_seen", f"already delivered, unchanged: {url}")
            adapter["revision"] = record.revision + 1
            self.stats.inc_value("dedupe/updated")
        elif copy_of is None:
            owner = self.state.store.fingerprint_owner(adapter.get("fingerprint") or "")
            if owner and owner != url and site_of(owner) == site:
                # The same body under another URL of the same site, delivered before.
                raise self._drop("fingerprint", f"duplicate article (fingerprint): {url}")
            copy_of = owner if owner and owner != url else None
        # Always index the body, so later copies of this article find it.
        near = self.state.near_duplicate_of(url, adapter.get("body") or "")
        near = copy_of or near
        if record is None and near:
            if self.state.near_action == "drop":
                raise self._drop("near", f"near-duplicate of {near}: {url}")
            adapter["duplicate_of"] = near
            self.stats.inc_value("dedupe/near_duplicates")
        return item
