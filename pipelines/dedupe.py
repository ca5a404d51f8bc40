"""Dedupe pipeline: one article once, by canonical URL, site article id and body fingerprint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

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
    """Drops an article whose URL, id or fingerprint was already emitted in this run."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats
        self.kinds: list[str] = crawler.settings.getlist("DEDUPE_KEYS")
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        if not crawler.settings.getbool("DEDUPE_ENABLED", True):
            raise NotConfigured("DEDUPE_ENABLED is off")
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        keys = dedupe_keys(item, self.kinds)
        for kind, key in keys:
            if (kind, key) in self.seen:
                self.stats.inc_value(f"dedupe/dropped_{kind}")
                self.stats.inc_value("dedupe/dropped")
                raise DropItem(f"duplicate article ({kind}): {ItemAdapter(item).get('url')}")
        self.seen.update(keys)
        return item
