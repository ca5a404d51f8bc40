"""JSON Schema (draft 2020-12) of the run manifest (``<spider>-<run_id>.manifest.json``).

Generated from code like the article schema: ``python -m crawler schema`` writes
``schemas/manifest.schema.json``, ``make test`` checks the committed file is current, and the
tests validate every manifest they produce. The version (``crawler.summary.MANIFEST_VERSION``,
also written into each manifest as ``manifest_version``) gets a new minor number when fields
are added and a new major one when a field is removed or changes meaning. Readers should
ignore fields they do not know: other parts of the crawler add sections over time.
"""

from __future__ import annotations

import json
from typing import Any

from crawler.summary import COVERAGE_FIELDS, MANIFEST_VERSION

MANIFEST_SCHEMA_ID = (
    f"https://schemas.vnnews-crawler.dev/manifest/{MANIFEST_VERSION}/manifest.schema.json")

_COUNT = {"type": "integer", "minimum": 0}
_COUNTS = {"type": "object", "additionalProperties": _COUNT}
_UTC = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}
_RUN_ID = {"type": "string", "pattern": r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$"}
_MS = {"type": ["number", "null"], "minimum": 0}


def _obj(description: str, props: dict[str, Any], required: list[str] | None = None,
         extra: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "description": description, "properties": props,
                           "required": list(props) if required is None else required}
    if not extra:
        out["additionalProperties"] = False
    return out


def _d(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "description": description}


SITE_ROW = _obj("What one site gave during the run.", {
    "site": _d({"type": "string"}, "The site's domain, as articles' `site` field."),
    "pages_fetched": _d(_COUNT, "Responses received from the site (any status)."),
    "bytes": _d(_COUNT, "Bytes of response bodies."),
    "http_status": _d(_COUNTS, "Responses by HTTP status code."),
    "latency_ms": _obj("Download latency percentiles (null: no sample).",
                       {"p50": _MS, "p95": _MS}),
    "articles": _obj("Articles of the site by outcome.", {
        "emitted": _d(_COUNT, "Written to the feed in this run."),
        "updated": _d(_COUNT, "Emitted as a new revision (revision > 1) of a known article."),
        "duplicates": _d(_COUNT, "Dropped as duplicates (same URL, id or body)."),
        "marked_duplicate_of": _d(_COUNT, "Emitted with `duplicate_of` set (near-duplicate)."),
        "already_seen": _d(_COUNT, "Dropped: delivered before and unchanged."),
        "invalid": _d(_COUNT, "Dropped: a required field missing."),
    }),
    "not_articles": _d(_COUNT, "Pages with an article URL that were no article."),
    "failures": _d(_COUNTS, "Failed fetches by reason class (e.g. 'HTTP 404', 'timeout')."),
    "coverage": _obj("Percent of emitted articles having each field (null: none emitted).",
                     {f: {"type": ["number", "null"], "minimum": 0, "maximum": 100}
                      for f in COVERAGE_FIELDS}),
    "extraction": _d(_COUNTS, "Emitted articles by extraction layer: 'profile:<slug>', "
                              "'family:<name>' or 'generic'."),
    "extractor_versions": _d({"type": "object", "additionalProperties": {"type": "string"}},
                             "Extractor version of each layer used."),
    "drift": _obj("Extractor drift: article pages the layout-health check saw, and how many "
                  "missed each watched field ('article': nothing extracted at all).",
                  {"checked": _COUNT, "missing": _COUNTS}),
})

FULL = _obj("A run's manifest, written when the run ends.", {
    "manifest_version": _d({"type": "string", "pattern": r"^\d+\.\d+$"},
                           "Version of this layout (this schema's version)."),
    "run_id": _d(_RUN_ID, "The run's id; feed files of the run are named with it."),
    "spider": {"type": "string"},
    "started_at": _UTC,
    "finished_at": _UTC,
    "status": _d({"type": "string"}, "'finished', or why the run ended otherwise."),
    "schema_version": _d({"type": "string"}, "Version of the article schema of the feeds."),
    "extractor_version": _d({"type": ["string", "null"]},
                            "Extractor version of the spider's first site (see "
                            "extractor_versions for every site)."),
    "extractor_versions": _d({"type": "object", "additionalProperties": {
        "type": "object", "additionalProperties": {"type": "string"}}},
        "Per site: extraction layer -> extractor version."),
    "articles_written": _d(_COUNT, "Articles written to the run's feed files."),
    "dropped": _d(_COUNTS, "Articles dropped, by pipeline reason."),
    "pages_fetched": _COUNT,
    "not_articles": _COUNT,
    "fetch_failed": _COUNT,
    "http_status": _COUNTS,
    "counters": _d({"type": "object"}, "Scrapy stats of the crawler's components."),
    "elapsed_seconds": {"type": "number", "minimum": 0},
    "sites": _d({"type": "array", "items": SITE_ROW}, "One row per site, by name."),
    "timeline": _obj("Counts per time bucket since the start of the run.", {
        "bucket_seconds": {"type": "number", "exclusiveMinimum": 0},
        "pages": {"type": "array", "items": _COUNT},
        "articles": {"type": "array", "items": _COUNT},
        "errors": {"type": "array", "items": _COUNT},
    }),
    "health": _d({"type": "array", "items": {"type": "object"}},
                 "Layout-health failures (the run then ends as layout_changed)."),
    "files": _d({"type": "array", "items": _obj("A complete feed file of the run.", {
        "file": _d({"type": "string"}, "File name, in the manifest's folder."),
        "items": _COUNT,
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "bytes": _COUNT,
    })}, "Feed files delivered by the run, complete and final."),
    "resumed": _d({"type": "array", "items": {"type": "string"}},
                  "Run ids of killed runs this one resumed."),
    "recorded": _COUNTS,
    "state_uri_kind": _d({"type": "string"}, "'sqlite', 'redis' or 'none'."),
    "store": _d({"type": "object"}, "State store sizes (or an error)."),
    "urls": _obj("Every discovered article URL accounted for.", {
        "discovered": _COUNT,
        "counts": _d(_COUNTS, "URLs by outcome (emitted, failed, not_article, dropped...)."),
        "not_emitted": {"type": "array", "items": _obj("A URL not emitted, and why.", {
            "url": {"type": "string"}, "outcome": {"type": "string"},
            "reason": {"type": "string"}})},
    }),
}, required=["manifest_version", "run_id", "spider", "started_at", "finished_at", "status",
             "schema_version", "articles_written", "pages_fetched", "sites", "files", "urls"])

KILLED = _obj("The stub manifest a resuming run writes for a killed run it found.", {
    "run_id": _RUN_ID,
    "spider": {"type": "string"},
    "status": {"const": "killed-and-resumed"},
    "resumed_by": _RUN_ID,
    "undelivered_lines_removed": _COUNT,
    "files": {"type": "array"},
}, required=["run_id", "spider", "status", "resumed_by"])


def manifest_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": MANIFEST_SCHEMA_ID,
        "title": "Run manifest",
        "description": "What one run of the crawler did (`<spider>-<run_id>.manifest.json` "
                       "beside its feed files). Unknown fields may appear: ignore them.",
        "if": {"properties": {"status": {"const": "killed-and-resumed"}},
               "required": ["status"]},
        "then": KILLED,
        "else": FULL,
    }


def manifest_schema_text() -> str:
    return json.dumps(manifest_schema(), ensure_ascii=False, indent=2) + "\n"
