"""Validate pipeline: drop articles missing what every consumer relies on, counted by reason."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawler.health import article_checked

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def missing_fields(item: Any, required: list[str], min_body_chars: int) -> list[str]:
    """Names of required fields that are empty; a too-short body counts as missing.

    >>> missing_fields({"url": "u", "title": "", "body": "x"}, ["url", "title", "body"], 0)
    ['title']
    >>> missing_fields({"url": "u", "title": "t", "body": "short"}, ["body"], 80)
    ['body']
    """
    adapter = ItemAdapter(item)
    out = [f for f in required if not adapter.get(f)]
    body = adapter.get("body") or ""
    if "body" in required and "body" not in out and len(body) < min_body_chars:
        out.append("body")
    return out


class ValidatePipeline:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.stats = crawler.stats
        self.signals = crawler.signals
        self.required: list[str] = settings.getlist("VALIDATE_REQUIRED_FIELDS")
        self.min_body_chars = settings.getint("VALIDATE_MIN_BODY_CHARS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        if not crawler.settings.getbool("VALIDATE_ENABLED", True):
            raise NotConfigured("VALIDATE_ENABLED is off")
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        missing = missing_fields(item, self.required, self.min_body_chars)
        adapter = ItemAdapter(item)
        # The layout health monitor watches the share of pages missing each field.
        self.signals.send_catch_log(article_checked, url=adapter.get("url"),
                                    site=adapter.get("site"), missing=missing)
        if missing:
            for name in missing:
                self.stats.inc_value(f"validate/missing_{name}")
            self.stats.inc_value("validate/dropped")
            url = ItemAdapter(item).get("url")
            raise DropItem(f"invalid article {url}: missing {', '.join(missing)}")
        self.stats.inc_value("validate/ok")
        return item
