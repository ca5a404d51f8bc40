"""Extraction entry point: (html, url) in, an Article out, through the best extractor known
for the page: the site's profile, else the CMS family its markup shows, else the generic one."""

from __future__ import annotations

from typing import Any

from crawler.extract.base import NotAnArticle, release_indexes
from crawler.extract.clean import clean_article, raw_to_article
from crawler.items import Article
from crawler.sites import SiteProfile, profile_for_url


class NoProfile(NotAnArticle):
    """No site profile knows the page's host."""


def extract_raw(html: str | bytes, url: str, profile: SiteProfile | None = None) -> dict[str, Any]:
    """Run the profile's extractor and add what only the profile knows (the article id)."""
    profile = profile or profile_for_url(url)
    if profile is None:
        raise NoProfile(f"no site profile for {url}")
    try:
        raw = profile.extractor(html, url)
    finally:
        release_indexes()
    # The id comes from the canonical URL first: a legacy or tracking URL may carry none.
    raw["article_id"] = profile.article_id(raw["url"]) or profile.article_id(url)
    return raw


def extract_with_info(
    html: str | bytes, url: str, *, crawled_at: str, profile: SiteProfile | None = None
) -> tuple[Article, str]:
    """Extraction and cleaning, exactly as a crawl does them, and what was used:
    ``profile:<slug>``, ``family:<name>`` or ``generic``."""
    if profile is not None:
        raw, used = extract_raw(html, url, profile), f"profile:{profile.slug}"
    else:
        from crawler.extract.generic import extract_any

        raw, used = extract_any(html, url)
    return clean_article(raw_to_article(raw, crawled_at=crawled_at)), used


def extract_article(
    html: str | bytes, url: str, *, crawled_at: str, profile: SiteProfile | None = None
) -> Article:
    return extract_with_info(html, url, crawled_at=crawled_at, profile=profile)[0]


__all__ = ["NoProfile", "NotAnArticle", "extract_article", "extract_raw", "extract_with_info"]
