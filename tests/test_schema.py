from __future__ import annotations

import json
from dataclasses import asdict, fields

import jsonschema
import pytest
from conftest import ROOT

from crawler.items import SCHEMA_VERSION, Article, json_schema, schema_text


def test_committed_schema_matches_code() -> None:
    committed = (ROOT / "schemas" / "article.schema.json").read_text("utf-8")
    assert committed == schema_text(), "run: python -m crawler schema"


def test_schema_is_valid_draft_2020_12_with_version_in_id() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert f"/{SCHEMA_VERSION}/" in schema["$id"]


def test_every_field_is_in_schema_and_required() -> None:
    schema = json_schema()
    names = [f.name for f in fields(Article)]
    assert list(schema["properties"]) == names
    assert schema["required"] == names


def test_empty_article_is_rejected_and_full_one_accepted() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    assert not validator.is_valid(asdict(Article()))
    good = Article(url="https://baohatinh.vn/a-post1.html", site="baohatinh.vn",
                   article_id="1", title="T", body="B", published_at="2024-05-22T11:45:00+07:00",
                   crawled_at="2025-09-01T03:00:00Z", fingerprint="v1:" + "0" * 40)
    validator.validate(json.loads(json.dumps(asdict(good))))


@pytest.mark.parametrize(("field", "bad"), [
    ("published_at", "2024-05-22T11:45:00Z"),
    ("images", [{"url": "https://x.vn/a.jpg"}]),
    ("fingerprint", "deadbeef"),
])
def test_schema_rejects_malformed_fields(field: str, bad: object) -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    good = asdict(Article(url="https://baohatinh.vn/a-post1.html", site="baohatinh.vn",
                          title="T", body="B", crawled_at="2025-09-01T03:00:00Z",
                          fingerprint="v1:" + "0" * 40))
    assert validator.is_valid(good)
    good[field] = bad
    assert not validator.is_valid(good)
