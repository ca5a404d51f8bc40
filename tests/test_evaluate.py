"""crawler.evaluate: scoring functions, the golden-folder run and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES

from crawler.evaluate import (
    evaluate_dir,
    evaluate_page,
    fields_present,
    main,
    report,
    syllables,
    token_prf,
)


def test_token_prf_counts_repeated_syllables() -> None:
    # "vàng" twice predicted, once expected: only one copy counts as a hit.
    assert token_prf("vàng vàng tăng", "vàng tăng") == (0.667, 1.0, 0.8)
    assert token_prf("hoàn toàn khác", "một hai") == (0.0, 0.0, 0.0)


def test_syllables_ignore_case_and_punctuation() -> None:
    assert syllables("«Hà Nội», 7-3!") == ["hà", "nội", "7", "3"]


def test_fields_present_flags_empty_values() -> None:
    present = fields_present({"title": "T", "lead": None, "body": "b", "tags": []})
    assert present["title"] and present["body"]
    assert not present["lead"] and not present["tags"] and not present["authors"]


def test_golden_folder_scores_our_body_perfectly() -> None:
    results = evaluate_dir(FIXTURES / "sites", golden=True)
    ours = {Path(r.path).parts[-3]: r for r in results}
    for slug in ("tuoitre", "nld", "baochinhphu", "cafef", "vnexpress", "dantri",
                 "vietnamnet", "znews", "baodautu"):
        assert ours[slug].ours_f1 == 1.0, slug
        assert ours[slug].used == f"profile:{slug}"
        assert ours[slug].ours["title"] and ours[slug].ours["published_at"]


def test_page_url_comes_from_the_page(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        '<html><head><link rel="canonical" href="https://vnexpress.net/a-5048001.html"></head>'
        '<body><h1 class="title-detail">Tiêu đề</h1><p class="description">Sapo</p>'
        '<article class="fck_detail"><p class="Normal">Một đoạn văn.</p></article></body></html>',
        "utf-8")
    result = evaluate_page(page)
    assert result.url == "https://vnexpress.net/a-5048001.html"
    assert result.used == "profile:vnexpress"
    assert result.ours_f1 is None  # no expected.json: nothing to score against


def test_not_an_article_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "list.html"
    page.write_text("<html><body><h1>Danh sách</h1><a href='/a'>A</a></body></html>", "utf-8")
    result = evaluate_page(page, url="https://baovidu.vn/thoi-su/")
    assert not result.is_article
    assert "baovidu.vn" in report([result])


def test_main_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(FIXTURES / "sites"), "--golden"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[:4] == ["site", "pages", "articles", "used"]
    assert any(line.startswith("vnexpress.net") for line in out.splitlines())


def test_main_rejects_missing_folder(tmp_path: Path) -> None:
    assert main([str(tmp_path / "nope")]) == 2


def test_expected_json_matches_article_fields() -> None:
    from crawler.items import Article

    for case in (FIXTURES / "sites").glob("*/article/expected.json"):
        assert list(json.loads(case.read_text("utf-8"))) == list(Article.__dataclass_fields__)
