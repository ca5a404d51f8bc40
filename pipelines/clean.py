"""Clean pipeline: normalise an article exactly as ``python -m crawler extract`` does."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

from crawler.extract.clean import clean_article
from crawler.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class CleanPipeline:
    """NFC, whitespace, entities, zero-width characters, datelines, image file-name lines."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        if not crawler.settings.getbool("CLEAN_ENABLED", True):
            raise NotConfigured("CLEAN_ENABLED is off")
        return cls(crawler)

    def process_item(self, item: Article) -> Article:
        if not isinstance(item, Article):
            return item
        self.stats.inc_value("clean/articles")
        cleaned = clean_article(item)
        # In place: the spider's ledger and other components follow the item by identity.
        for f in fields(Article):
            setattr(item, f.name, getattr(cleaned, f.name))
        return item
