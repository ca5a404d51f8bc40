"""The Article item: the contract with downstream consumers.

One dataclass; each field documents itself through ``metadata``. The JSON Schema shipped in
``schemas/article.schema.json`` is generated from this module (``python -m crawler schema``)
and a test checks the committed file matches. Adding a field bumps ``SCHEMA_VERSION``'s minor
number, changing or removing one its major number.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

SCHEMA_VERSION = "1.1.0"
SCHEMA_ID = f"https://schemas.vnnews-crawler.dev/article/{SCHEMA_VERSION}/article.schema.json"

_ISO_OFFSET = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$"
_ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


def _f(description: str, schema: dict[str, Any], default: Any = MISSING, **kw: Any) -> Any:
    meta = {"description": description, "schema": schema}
    if default is not MISSING:
        return field(default=default, metadata=meta, **kw)
    if "default_factory" in kw:
        return field(metadata=meta, **kw)
    return field(metadata=meta)


_STR = {"type": "string", "minLength": 1}
_OPT_STR = {"type": ["string", "null"]}
_STR_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}


@dataclass
class Article:
    """A news article as written to the feeds. Field order is the order in the JSON lines."""

    url: str = _f(
        "The article's canonical URL: the page's rel=canonical link when it is on the site, "
        "else the fetched URL normalised (tracking parameters removed, m./amp hosts mapped to "
        "the main host, https, no fragment).",
        {**_STR, "format": "uri", "pattern": "^https?://"},
        default="",
    )
    site: str = _f("The site's domain, without www./m.", {**_STR}, default="")
    article_id: str | None = _f(
        "The site's own article id, e.g. '242182' from '-post242182.html'.",
        {"type": ["string", "null"], "pattern": "^[0-9A-Za-z_-]+$"},
        default=None,
    )
    title: str = _f("Headline, NFC, single-spaced.", {**_STR}, default="")
    lead: str | None = _f(
        "Lead (sapo) without the site's dateline such as '(Baohatinh.vn) - '.",
        _OPT_STR,
        default=None,
    )
    body: str = _f(
        "Body paragraphs joined by a blank line; no captions, image file names, ads, author "
        "line, topic box or related block.",
        {**_STR},
        default="",
    )
    authors: list[str] = _f("Author names, without 'Theo', e-mails or 'PV'.", _STR_LIST,
                            default_factory=list)
    published_at: str | None = _f(
        "Publication time, ISO 8601 with +07:00.",
        {"type": ["string", "null"], "pattern": _ISO_OFFSET},
        default=None,
    )
    modified_at: str | None = _f(
        "Last modification time given by the site, ISO 8601 with +07:00.",
        {"type": ["string", "null"], "pattern": _ISO_OFFSET},
        default=None,
    )
    section: str | None = _f("Breadcrumb category (chuyên mục), the most specific one.",
                             _OPT_STR, default=None)
    topics: list[str] = _f("Names in the 'Chủ đề' (topic) box.", _STR_LIST,
                           default_factory=list)
    tags: list[str] = _f("Keywords from the 'Từ khóa' box or article:tag metas.", _STR_LIST,
                         default_factory=list)
    images: list[dict[str, Any]] = _f(
        "Images of the body in order, each {url, caption}; caption null when there is none.",
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "url": {"type": "string", "pattern": "^https?://"},
                    "caption": {"type": ["string", "null"]},
                },
                "required": ["url", "caption"],
                "additionalProperties": False,
            },
        },
        default_factory=list,
    )
    related: list[dict[str, Any]] = _f(
        "Related articles from 'Đọc thêm' and related boxes, each {url, title}; the title is the "
        "item's heading, not its image's alt text.",
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "url": {"type": "string", "pattern": "^https?://"},
                    "title": {"type": "string", "minLength": 1},
                },
                "required": ["url", "title"],
                "additionalProperties": False,
            },
        },
        default_factory=list,
    )
    language: str = _f("ISO 639-1 language code.", {"type": "string", "enum": ["vi"]},
                       default="vi")
    crawled_at: str = _f("When the page was fetched, UTC, ISO 8601 with Z.",
                         {"type": "string", "pattern": _ISO_UTC}, default="")
    fingerprint: str = _f(
        "Hash of the normalised body, prefixed with the normalisation version ('v1:...'), so a "
        "change of normalisation is detectable.",
        {"type": "string", "pattern": "^v[0-9]+:[0-9a-f]{16,}$"},
        default="",
    )
    revision: int = _f(
        "1 for an article's first version; 2, 3... each time a later crawl finds its body "
        "changed (the article is then emitted again, with the site's modified_at).",
        {"type": "integer", "minimum": 1},
        default=1,
    )
    duplicate_of: str | None = _f(
        "For a near-duplicate (the same story republished by another site, or lightly "
        "edited), the URL of the first article seen with it; null otherwise.",
        {"type": ["string", "null"], "pattern": "^https?://"},
        default=None,
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an Article line, generated from the dataclass."""
    props: dict[str, Any] = {}
    for f in fields(Article):
        props[f.name] = {"description": f.metadata["description"], **f.metadata["schema"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Article",
        "description": "One news article, one JSON object per line of a feed file.",
        "type": "object",
        "properties": props,
        # Every field is always present (null or [] when the page has nothing), so consumers
        # never need .get() with defaults.
        "required": [f.name for f in fields(Article)],
        "additionalProperties": False,
    }


def schema_text() -> str:
    """The schema as committed: stable key order, UTF-8, trailing newline."""
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
