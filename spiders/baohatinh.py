"""Báo Hà Tĩnh: ``scrapy crawl baohatinh``. All site knowledge is in crawler/sites/baohatinh.py."""

from __future__ import annotations

from spiders.base import SiteSpider


class BaohatinhSpider(SiteSpider):
    name = "baohatinh"
    profile_slug = "baohatinh"
