"""Cleaning: a raw extracted article in, a normalised :class:`~crawler.items.Article` out.

The same function serves the crawl (pipelines.clean) and ``python -m crawler extract``, so an
operator checking one page sees exactly what a feed would hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawler.items import Article
from crawler.text import (
    body_fingerprint,
    is_caption_credit,
    is_image_filename_line,
    join_paragraphs,
    normalize_text,
    strip_dateline,
)
from crawler.urls import canonical_url, site_of


def clean_paragraphs(paragraphs: Iterable[str], captions: Iterable[str | None] = ()) -> list[str]:
    """Normalise paragraphs and drop what is not body text: image file names left by the CMS,
    bare photo credits, and caption lines that leaked out of their image box."""
    caption_set = {normalize_text(c) for c in captions if c}
    out: list[str] = []
    for p in paragraphs:
        text = normalize_text(p)
        if not text or is_image_filename_line(text, normalized=True) or is_caption_credit(
                text, normalized=True):
            continue
        if text in caption_set:
            continue
        out.append(text)
    return out


def _unique(values: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    for v in values:
        text = normalize_text(v or "")
        if text and text not in out:
            out.append(text)
    return out


def _opt(value: str | None) -> str | None:
    text = normalize_text(value or "")
    return text or None


def raw_to_article(raw: dict[str, Any], *, crawled_at: str) -> Article:
    """An Article holding the extractor's values as they are, before cleaning."""
    return Article(
        url=raw["url"],
        site=site_of(raw["url"]),
        article_id=raw.get("article_id"),
        title=raw.get("title") or "",
        lead=raw.get("lead"),
        body=PARAGRAPH_SEP.join(p for p in raw.get("paragraphs", []) if p.strip()),
        authors=list(raw.get("authors", [])),
        published_at=raw.get("published_at"),
        modified_at=raw.get("modified_at"),
        section=raw.get("section"),
        topics=list(raw.get("topics", [])),
        tags=list(raw.get("tags", [])),
        images=[dict(i) for i in raw.get("images", [])],
        related=[dict(r) for r in raw.get("related", [])],
        crawled_at=crawled_at,
    )


PARAGRAPH_SEP = "\n\n"


def clean_article(article: Article) -> Article:
    """Normalise every text field, strip the lead's dateline, drop non-body lines, fingerprint
    the body. Idempotent: cleaning a clean article changes nothing."""
    url = canonical_url(article.url)
    images = [
        {"url": img["url"], "caption": _opt(img.get("caption"))}
        for img in article.images
        if img.get("url")
    ]
    body = join_paragraphs(
        clean_paragraphs(article.body.split(PARAGRAPH_SEP), (i["caption"] for i in images))
    )
    related = []
    seen: set[str] = set()
    for item in article.related:
        link = canonical_url(item["url"])
        title = normalize_text(item.get("title") or "")
        if title and link not in seen and link != url:
            seen.add(link)
            related.append({"url": link, "title": title})
    return Article(
        url=url,
        site=site_of(url),
        article_id=article.article_id,
        title=normalize_text(article.title),
        lead=_opt(strip_dateline(normalize_text(article.lead or ""))),
        body=body,
        authors=_unique(article.authors),
        published_at=article.published_at,
        modified_at=article.modified_at,
        section=_opt(article.section),
        topics=_unique(article.topics),
        tags=_unique(article.tags),
        images=images,
        related=related,
        language="vi",
        crawled_at=article.crawled_at,
        fingerprint=body_fingerprint(body, normalized=True) if body else "",
        revision=article.revision,
        duplicate_of=article.duplicate_of,
    )
