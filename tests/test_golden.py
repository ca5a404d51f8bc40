"""Golden tests: every fixture case extracts to its expected.json, field by field.

Regenerate after a deliberate change with ``UPDATE_GOLDEN=1 pytest tests/test_golden.py``,
then read the diff: the diff is the review.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import pytest
from conftest import FIXTURES

from crawler.extraction import extract_article
from crawler.items import Article

CASES = sorted(p.parent for p in (FIXTURES / "sites").glob("*/*/page.html*"))


def extract_case(case: Path) -> dict[str, object]:
    meta = json.loads((case / "meta.json").read_text("utf-8"))
    page = next(case.glob("page.html*"))
    from crawler.__main__ import read_page

    article = extract_article(read_page(page), meta["url"], crawled_at=meta["fetched_at"])
    return asdict(article)


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 3


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden(case: Path) -> None:
    got = extract_case(case)
    expected_path = case / "expected.json"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n", "utf-8")
    expected = json.loads(expected_path.read_text("utf-8"))
    assert list(expected) == list(Article.__dataclass_fields__)
    for name in expected:
        assert got[name] == expected[name], f"{case.name}: field {name!r} differs"
