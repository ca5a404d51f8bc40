from __future__ import annotations

from dataclasses import replace

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.extract.clean import clean_article
from crawler.items import Article
from pipelines.clean import CleanPipeline
from pipelines.dedupe import DedupePipeline
from pipelines.validate import ValidatePipeline

BODY = "Sáng 22/5, Tỉnh ủy Hà Tĩnh tổ chức hội nghị tổng kết 10 năm thực hiện Nghị quyết số 06."


def article(**kw: object) -> Article:
    base = Article(
        url="https://baohatinh.vn/a-post1.html", site="baohatinh.vn", article_id="1",
        title="Tiêu đề", lead="(Baohatinh.vn) - Sapo.", body=BODY + "\n\n" + BODY[::-1],
        published_at="2024-05-22T11:45:00+07:00", crawled_at="2025-09-01T03:00:00Z",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def make(cls: type, **settings: object):  # type: ignore[no-untyped-def]
    crawler = get_crawler(settings_dict={"VALIDATE_REQUIRED_FIELDS":
                                         ["url", "title", "body", "published_at"],
                                         "VALIDATE_MIN_BODY_CHARS": 80,
                                         "DEDUPE_KEYS": ["url", "article_id", "fingerprint"],
                                         **settings})
    crawler.stats.open_spider()
    return cls.from_crawler(crawler), crawler.stats


def test_clean_pipeline_normalises_and_fingerprints() -> None:
    pipe, stats = make(CleanPipeline)
    raw = article(title="Tie\u0302\u0301u   \u0111e\u0300\u200b",
                  lead="(Baohatinh.vn) - Sapo\u00a0mới.",
                  body="DSC_1234.jpg\n\nĐoạn&nbsp;một.\n\n\ufeffĐoạn hai.")
    out = pipe.process_item(raw)
    assert out.title == "Tiếu đè"
    assert out.lead == "Sapo mới."
    assert out.body == "Đoạn một.\n\nĐoạn hai."
    assert out.fingerprint.startswith("v1:")
    assert stats.get_value("clean/articles") == 1
    assert clean_article(out) == out  # idempotent


@pytest.mark.parametrize(("field", "value"), [
    ("title", ""), ("body", ""), ("published_at", None), ("url", ""), ("body", "quá ngắn"),
])
def test_validate_drops_and_counts_by_reason(field: str, value: object) -> None:
    pipe, stats = make(ValidatePipeline)
    with pytest.raises(DropItem):
        pipe.process_item(article(**{field: value}))
    assert stats.get_value(f"validate/missing_{field}") == 1
    assert stats.get_value("validate/dropped") == 1
    assert pipe.process_item(article()) is not None
    assert stats.get_value("validate/ok") == 1


def test_dedupe_by_url_id_and_fingerprint() -> None:
    pipe, stats = make(DedupePipeline)
    first = clean_article(article())
    pipe.process_item(first)
    with pytest.raises(DropItem):
        pipe.process_item(first)
    assert stats.get_value("dedupe/dropped_url") == 1
    same_id = replace(first, url="https://baohatinh.vn/other/1.htm", fingerprint="v1:" + "1" * 40)
    with pytest.raises(DropItem):
        pipe.process_item(same_id)
    assert stats.get_value("dedupe/dropped_article_id") == 1
    same_body = replace(first, url="https://baohatinh.vn/b-post2.html", article_id="2")
    with pytest.raises(DropItem):
        pipe.process_item(same_body)
    assert stats.get_value("dedupe/dropped_fingerprint") == 1
    other = clean_article(article(url="https://baohatinh.vn/c-post3.html", article_id="3",
                                  body=BODY + " Khác."))
    assert pipe.process_item(other) is other
    assert stats.get_value("dedupe/dropped") == 3


def test_same_article_id_on_two_sites_is_not_a_duplicate() -> None:
    pipe, _ = make(DedupePipeline)
    pipe.process_item(clean_article(article()))
    other_site = clean_article(article(url="https://nhandan.vn/a-post1.html", body=BODY + " X"))
    assert pipe.process_item(other_site) is other_site
