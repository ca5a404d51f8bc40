"""The baseline of the crawl benchmark: Scrapy alone fetching the same pages as our spider.

A plain ``scrapy.Spider``: it follows list pages (``?page=N``) and article links
(``-post<id>.html``) found with a trivial ``css("a::attr(href)")``, and does nothing else (no
extraction, no items, no pipelines, no extensions of ours). Only the download handler is
ours, the MIRROR one, because that is how the pages reach any crawler here. Politeness
settings are the ones our spider gets for the mirror (no delay, 16 per domain), so the two
runs differ only in what the project adds.

Run from a folder without scrapy.cfg, so that the project's settings do not apply:

    cd /tmp && scrapy runspider /work/main/bench/noop_spider.py -s MIRROR=http://127.0.0.1:PORT \
        -a start=https://baohatinh.vn/chinh-tri/,... -a stats_out=/tmp/noop-stats.json
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from crawler import settings as project

# Article pages and topic pagination; menus, tags and sub-sections are not followed (our
# spider does not follow them either), so both crawls fetch the same set of pages.
FOLLOW = re.compile(r"^https://baohatinh\.vn/(?:[a-z0-9-]+-post\d+\.html|[a-z-]+/\?page=\d+)$")


class NoopSpider(scrapy.Spider):
    name = "noop"
    allowed_domains: ClassVar[list[str]] = ["baohatinh.vn"]
    custom_settings: ClassVar[dict[str, Any]] = {
        "DOWNLOAD_HANDLERS": project.DOWNLOAD_HANDLERS,
        "TWISTED_REACTOR": project.TWISTED_REACTOR,
        "USER_AGENT": project.USER_AGENT,
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "DOWNLOAD_MAXSIZE": project.DOWNLOAD_MAXSIZE,
        "DOWNLOAD_WARNSIZE": project.DOWNLOAD_WARNSIZE,
        "DOWNLOAD_DELAY": project.MIRROR_DOWNLOAD_DELAY,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": project.MIRROR_CONCURRENT_REQUESTS_PER_DOMAIN,
        "LOG_LEVEL": "WARNING",
    }

    def __init__(self, start: str = "", stats_out: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.topic_urls = [u for u in start.split(",") if u]
        self.stats_out = stats_out

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.topic_urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css("a::attr(href)").getall():
            if FOLLOW.match(href):
                yield scrapy.Request(href, callback=self.parse)

    def closed(self, reason: str) -> None:
        if self.stats_out:
            raw = self.crawler.stats.get_stats()
            started = raw.get("start_time")
            # finish_time is set after spider_closed: measure the crawl's duration here.
            if started is not None:
                now = datetime.now(tz=started.tzinfo)
                raw = {**raw, "bench/elapsed_seconds": (now - started).total_seconds()}
            stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                     for k, v in raw.items()}
            Path(self.stats_out).write_text(json.dumps(stats, indent=1, default=str), "utf-8")
