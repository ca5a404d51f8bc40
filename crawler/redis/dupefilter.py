"""The dupefilter of Redis mode (``DUPEFILTER_CLASS``): scrapy-redis's, shared by the workers
and scoped to the current crawl."""

from __future__ import annotations

from typing import TYPE_CHECKING

# Only Redis mode loads this module (settings name it): the optional scrapy-redis is there.
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.redis import PREFIX
from crawler.redis.workers import Workers

if TYPE_CHECKING:
    from scrapy import Spider


class CrawlDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared dupefilter, scoped to the current crawl. Fingerprints are taken
    over the request URL, which the spiders have already canonicalised (tracking parameters
    gone, m./AMP hosts mapped), so two spellings of one page are one request."""

    @classmethod
    def from_spider(cls, spider: Spider) -> CrawlDupeFilter:
        server = get_redis_from_settings(spider.settings)
        # The scheduler opens before the first request: the moment to join the crawl.
        crawl_id = Workers.of(spider.crawler).join(spider)
        return cls(server, key=f"{PREFIX}{spider.name}:seen:{crawl_id}",
                   debug=spider.settings.getbool("DUPEFILTER_DEBUG"))

    def clear(self) -> None:
        # The crawl's end (crawler.redis.membership.Crawl.leave) clears it, not each worker.
        return None
