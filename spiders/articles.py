"""Article pages: the page's text, the item built from what extraction found, and the
accounting around it (not an article, which layer found it, layout drift, since/until).

The extraction call itself stays in the spider's ``parse_article`` (spiders/base.py), so
that the callback reads as the path of a page: text -> extraction -> item -> related links.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from scrapy.http import Response

from crawler.extract import NotAnArticle
from crawler.extract.clean import raw_to_article
from crawler.extract.encoding import decode_page
from crawler.health import article_checked, fields_filled
from crawler.items import Article
from crawler.sites.dispatch import Extraction
from crawler.text import utc_now_iso

logger = logging.getLogger(__name__)


def page_text(response: Response, stats: Any) -> str | None:
    """The article page as text (its declared or sniffed encoding counted when not UTF-8);
    None for a 200 with nothing in it (permanent for this run, never an empty item)."""
    if not response.body.strip():
        stats.inc_value("fetch/empty_body")
        logger.warning("empty response for %s", response.url)
        return None
    text, encoding = decode_page(response.body, response.headers.get(b"Content-Type"))
    if encoding not in ("utf-8",):
        stats.inc_value(f"fetch/encoding_{encoding}")
    return text


def not_an_article(crawler: Any, url: str, site: str, exc: NotAnArticle) -> None:
    """A page linked as an article that holds none: counted, logged, and told to the
    health monitor (a share of them means the site's layout changed)."""
    crawler.stats.inc_value("extract/not_article")
    logger.info("not an article: %s (%s)", url, exc)
    crawler.signals.send_catch_log(article_checked, url=url, site=site, missing=["article"])


def article_item(crawler: Any, extraction: Extraction, response: Response,
                 site: str) -> Article:
    """The item of an extracted page, with the stats of which layer found it."""
    count_layers(crawler, extraction, response.url, site)
    # For signal handlers (run summaries): which layer found the article, no re-parsing.
    response.meta["extraction_layer"] = extraction.used
    response.meta["extraction_sources"] = extraction.sources
    item = raw_to_article(extraction.raw, crawled_at=utc_now_iso())
    crawler.stats.inc_value("extract/articles")
    return item


def count_layers(crawler: Any, extraction: Extraction, url: str, site: str) -> None:
    """Stats of which layer found the article and which filled in for the profile; the
    health monitor hears of every profiled page, with the fields the profile missed and a
    fallback filled (layout drift), so that it can tell a share."""
    stats = crawler.stats
    stats.inc_value(f"extract/layer/{extraction.used.partition(':')[0]}")
    if extraction.profile_layer is None:
        return
    drift = extraction.drift
    for name in drift:
        stats.inc_value(f"extract/fallback_filled/{name}")
    crawler.signals.send_catch_log(fields_filled, url=url, site=site, fields=drift)


def related_links(raw: dict[str, Any]) -> list[str]:
    """The URLs of an extracted article's related ("Đọc thêm") box, in page order."""
    return [rel["url"] for rel in raw["related"]]


def outside_bounds(published_at: str | None, since: datetime | None,
                   until: datetime | None) -> bool:
    """Whether a publication date falls outside ``-a since/until`` (no date: inside).

    >>> from datetime import datetime
    >>> since = datetime.fromisoformat("2025-06-01T00:00:00+07:00")
    >>> outside_bounds("2025-05-31T23:00:00+07:00", since, None)
    True
    >>> outside_bounds(None, since, None), outside_bounds("2025-06-02T08:00:00+07:00", since, None)
    (False, False)
    """
    if not published_at or (since is None and until is None):
        return False
    published = datetime.fromisoformat(published_at)
    return bool((since and published < since) or (until and published > until))
