"""Crawling through faults: nothing lost, nothing hammered, every failure accounted for."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SITE_ROOT, CrawlResult, load_expected_articles, run_crawl

from crawler.faults import FaultPlan, FaultRule, encode_cp1258, standard_plan
from crawler.server import serve_in_thread

FAST_RETRIES = ("-s", "RETRY_BACKOFF_BASE=0.05", "-s", "RETRY_BACKOFF_MAX=0.2",
                "-s", "RETRY_TIMES=4", "-s", "RETRY_AFTER_MAX=1")
SEED = "tiep-tuc-xay-dung-doi-ngu-cong-nhan-va-to-chuc-cong-doan-vung-manh-post266105.html"
ARTICLE_A = "trang-su-moi-ky-vong-moi-post289901.html"
ARTICLE_B = "trao-200-suat-hoc-bong-cho-hoc-sinh-vuot-kho-hoc-gioi-post294480.html"
ARTICLE_C = "gia-lon-hoi-tang-nguoi-chan-nuoi-ha-tinh-tai-dan-post294602.html"
ARTICLE_D = "ha-tinh-in-dau-chan-nguoi-post287950.html"
ARTICLE_E = "trao-huy-hieu-dang-dot-29-cho-hon-1-200-dang-vien-post294790.html"
ARTICLE_F = "hon-240-nghin-hoc-sinh-ha-tinh-san-sang-buoc-vao-nam-hoc-moi-post295020.html"


def crawl_with(plan: FaultPlan | None, out: Path, *extra: str) -> tuple[CrawlResult, FaultPlan]:
    plan = plan or FaultPlan()
    server, base = serve_in_thread(0, SITE_ROOT, plan)
    try:
        return run_crawl("baohatinh", base, out, *FAST_RETRIES, *extra), plan
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlResult, FaultPlan]:
    return crawl_with(standard_plan(rate=0.35, seed=11), tmp_path_factory.mktemp("faulty"))


def test_at_least_30_percent_of_responses_were_faults(
        faulty: tuple[CrawlResult, FaultPlan]) -> None:
    _, plan = faulty
    pages = len(plan.attempts)
    faulted = sum(1 for key in plan.attempts if plan.attempts[key] > 1)
    assert pages > 40
    # Every faulted page was asked for again: retries cleared the transient faults.
    assert faulted / pages >= 0.30, (faulted, pages, plan.injected)
    assert set(plan.injected) >= {"500", "503", "429", "reset", "truncate"}


def test_faulty_crawl_emits_the_same_articles(faulty: tuple[CrawlResult, FaultPlan]) -> None:
    result, _ = faulty
    assert result.returncode == 0, result.log[-3000:]
    expected = set(load_expected_articles()["baohatinh.vn"])
    assert sorted(i["url"] for i in result.items) == sorted(expected)


def test_every_discovered_url_is_accounted_for(faulty: tuple[CrawlResult, FaultPlan]) -> None:
    result, _ = faulty
    urls = result.manifest["urls"]
    assert "pending" not in urls["counts"]
    assert sum(urls["counts"].values()) == urls["discovered"]
    assert urls["counts"]["emitted"] == len(result.items)
    reasons = {row["url"]: row["reason"] for row in urls["not_emitted"]}
    dead = load_expected_articles()["dead"][0]
    assert reasons[dead] == "HTTP 404"


def test_traps_are_bounded_and_hostile_links_never_requested(
        faulty: tuple[CrawlResult, FaultPlan]) -> None:
    result, plan = faulty
    counters = result.manifest["counters"]
    # Endless pagination: at most DISCOVERY_MAX_PAGES pages per topic (4 start pages).
    assert counters["discovery/list_pages"] <= 4 * 5
    assert not any("page=1000" in k or "/lich/" in k for k in plan.attempts)
    assert counters["discovery/malformed_links"] >= 1
    assert counters["discovery/offsite_links"] >= 6
    # Nothing but the mirror's own hosts reached the server.
    assert {k.split("/", 1)[0] for k in plan.attempts} == {"baohatinh.vn"}


def test_no_traceback_for_expected_faults(faulty: tuple[CrawlResult, FaultPlan]) -> None:
    result, _ = faulty
    assert "Traceback" not in result.log


def test_permanent_faults_are_recorded_and_charsets_decoded(tmp_path: Path) -> None:
    plan = FaultPlan(rules=[
        FaultRule("oversize", pattern=ARTICLE_A, times=None),
        FaultRule("empty", pattern=ARTICLE_B, times=None),
        FaultRule("cp1258", pattern=SEED, times=None),
        FaultRule("latin1_lie", pattern=ARTICLE_C, times=None),
        FaultRule("redirect_chain", pattern=ARTICLE_D, times=None, params={"hops": 3}),
        FaultRule("redirect_loop", pattern=ARTICLE_E, times=None),
        # Slower than DOWNLOAD_TIMEOUT once: the retry gets it.
        FaultRule("slow", pattern=ARTICLE_F, times=1, params={"seconds": 4}),
    ])
    result, _ = crawl_with(plan, tmp_path, "-s", "DOWNLOAD_MAXSIZE=1000000",
                           "-s", "DOWNLOAD_TIMEOUT=2")
    assert result.returncode == 0, result.log[-3000:]
    rows = {r["url"].rsplit("/", 1)[1]: r for r in result.manifest["urls"]["not_emitted"]}
    assert rows[ARTICLE_A]["outcome"] == "failed"
    assert rows[ARTICLE_A]["reason"].startswith("oversize")
    assert rows[ARTICLE_B]["reason"] == "empty response body"
    by_url = {i["url"].rsplit("/", 1)[1]: i for i in result.items}
    seed = by_url[SEED]
    assert seed["title"] == "Tiếp tục xây dựng đội ngũ công nhân và tổ chức công đoàn vững mạnh"
    assert "Sở LĐ-TB&XH" in seed["images"][3]["caption"]
    assert "Giá lợn hơi tăng" in by_url[ARTICLE_C]["title"]
    assert ARTICLE_D in by_url
    assert ARTICLE_F in by_url
    assert rows[ARTICLE_E]["outcome"] == "failed"
    assert "redirect" in rows[ARTICLE_E]["reason"].lower()
    assert "Traceback" not in result.log
    counters = result.manifest["counters"]
    assert counters["fetch/encoding_cp1258"] == 1
    assert counters["fetch/empty_body"] == 1


def test_retry_after_is_honoured_and_capped(tmp_path: Path) -> None:
    plan = FaultPlan(rules=[FaultRule("429", pattern=SEED, times=2,
                                      params={"retry_after": 3600})])
    result, _ = crawl_with(plan, tmp_path)
    assert result.returncode == 0
    counters = result.manifest["counters"]
    assert SEED in {i["url"].rsplit("/", 1)[1] for i in result.items}
    # Two waits, each capped at RETRY_AFTER_MAX=1 s instead of an hour.
    assert result.manifest["elapsed_seconds"] < 60
    assert counters.get("retry/retry_after_capped") == 2


def test_cp1258_encoding_keeps_tone_marks_separate() -> None:
    data = encode_cp1258("Hà Tĩnh, Nghị quyết")
    assert data.decode("cp1258") != "Hà Tĩnh, Nghị quyết"  # decomposed tone marks
    import unicodedata

    assert unicodedata.normalize("NFC", data.decode("cp1258")) == "Hà Tĩnh, Nghị quyết"
