"""Extraction as a crawl does it: (html, url) in, a clean Article out.

The layered dispatch of :mod:`crawler.sites.dispatch` (the site's profile, then the CMS family
its markup shows, then the generic extractor, each filling the fields the previous ones
missed), then :mod:`crawler.extract.clean`. This front end sits above both packages:
``crawler.extract`` knows no site and ``crawler.sites`` builds on it, so the one function that
needs both lives here (the spider, ``python -m crawler extract``, re-extraction, the truth
scorer and the benchmarks call it).
"""

from __future__ import annotations

from crawler.extract.base import NotAnArticle
from crawler.extract.clean import clean_article, raw_to_article
from crawler.items import Article
from crawler.sites import SiteProfile
from crawler.sites.dispatch import Extraction, extract_layered


def extract_with_info(
    html: str | bytes, url: str, *, crawled_at: str, profile: SiteProfile | None = None
) -> tuple[Article, str]:
    """Extraction and cleaning, exactly as a crawl does them, and the layer that found the
    article: ``profile:<slug>``, ``family:<name>`` or ``generic`` (others may have filled
    fields it missed: see extract_with_sources)."""
    article, extraction = extract_with_sources(html, url, crawled_at=crawled_at, profile=profile)
    return article, extraction.used


def extract_with_sources(
    html: str | bytes, url: str, *, crawled_at: str, profile: SiteProfile | None = None
) -> tuple[Article, Extraction]:
    """The cleaned article and the layered extraction behind it (per-field sources)."""
    extraction = extract_layered(html, url, profile)
    return clean_article(raw_to_article(extraction.raw, crawled_at=crawled_at)), extraction


def extract_article(
    html: str | bytes, url: str, *, crawled_at: str, profile: SiteProfile | None = None
) -> Article:
    return extract_with_info(html, url, crawled_at=crawled_at, profile=profile)[0]


__all__ = ["NotAnArticle", "extract_article", "extract_with_info", "extract_with_sources"]
