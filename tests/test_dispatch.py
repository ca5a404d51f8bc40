"""The layered dispatch (crawler.sites.dispatch): profile, then CMS family, then generic, field
by field; refusal only when every layer refuses; per-field sources; layout drift counted by the
health monitor."""

from __future__ import annotations

import logging
import types
from dataclasses import replace
from typing import Any

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.extract import generic as generic_module
from crawler.extraction import NotAnArticle, extract_with_info, extract_with_sources
from crawler.health import HealthState, LayoutHealth
from crawler.settings import HEALTH_DRIFT_WARN_SHARE
from crawler.sites import dispatch as dispatch_module
from crawler.sites import generic_profile
from crawler.sites.dispatch import (
    describe_sources,
    extract_layered,
    families,
    family_article_patterns,
    is_family_module,
)

URL = "https://baovidu.vn/nong-dan-thu-hoach-lua-12345.html"
PAGE = """<html><head><meta property="og:type" content="article">
<meta property="article:published_time" content="2026-03-01T07:30:00+07:00">
<meta property="article:section" content="Kinh tế">
<title>Nông dân thu hoạch lúa sớm - Báo Ví Dụ</title></head><body>
<div class="main"><h1>Nông dân thu hoạch lúa sớm</h1>
<p class="sapo">Những ngày này, nông dân ở đồng bằng tất bật thu hoạch lúa đông xuân.</p>
<div class="entry-content">
<p>Những ngày này, nông dân ở đồng bằng tất bật thu hoạch lúa đông xuân trước mùa mưa.</p>
<p>Năng suất năm nay đạt khá, giá lúa tươi tại ruộng được thương lái thu mua ổn định.</p>
<p>Nhiều hợp tác xã đã ký hợp đồng tiêu thụ với doanh nghiệp từ đầu vụ để tránh bị ép giá.</p>
<p>Chính quyền địa phương khuyến cáo bà con phơi sấy kỹ để giữ chất lượng hạt gạo.</p>
<p style="text-align: right"><strong>Minh Tâm</strong></p>
</div></div></body></html>"""
LIST_PAGE = """<html><head><title>Thời sự</title></head><body><h1>Thời sự</h1><div class="list">
""" + "".join(f'<div class="item"><h3><a href="/tin-{i}.html">Tin số {i} về chuyện thời sự hôm'
              f' nay ở thành phố</a></h3><p>Tóm tắt ngắn.</p></div>' for i in range(12)) + \
    "</div></body></html>"


def profile_with(extractor: Any, slug: str = "vidu") -> Any:
    """A site profile for baovidu.vn whose extractor is the given function."""
    return replace(generic_profile(URL), slug=slug, family="", extractor=extractor,
                   extractor_version=f"{slug}/test")


def partial_profile(html: str | bytes, url: str) -> dict[str, Any]:
    """A profile that knows the title, the body and the date, not the byline nor the lead."""
    return {"url": url, "title": "Nông dân thu hoạch lúa sớm",
            "paragraphs": ["Đoạn của profile."], "authors": [], "lead": None,
            "published_at": "2026-03-01T07:30:00+07:00", "modified_at": None,
            "section": "Kinh tế", "topics": [], "tags": ["lúa"], "images": [], "related": []}


def refusing_profile(html: str | bytes, url: str) -> dict[str, Any]:
    raise NotAnArticle("no body box (profile)")


def test_fallback_fills_what_the_profile_missed() -> None:
    result = extract_layered(PAGE, URL, profile_with(partial_profile))
    assert result.used == "profile:vidu"
    # The profile's fields are kept, even where the generic layer has its own reading.
    assert result.raw["paragraphs"] == ["Đoạn của profile."]
    assert result.raw["tags"] == ["lúa"]
    # The missing ones come from the generic layer.
    assert result.raw["authors"] == ["Minh Tâm"]
    assert result.raw["lead"].startswith("Những ngày này")
    assert result.sources["title"] == "profile:vidu"
    assert result.sources["authors"] == "generic" and result.sources["lead"] == "generic"
    assert sorted(result.drift) == ["authors", "lead"]
    assert result.raw["article_id"] == "12345"


def test_profile_refusal_is_not_final() -> None:
    result = extract_layered(PAGE, URL, profile_with(refusing_profile))
    assert result.used == "generic"
    assert result.raw["title"] == "Nông dân thu hoạch lúa sớm"
    assert len(result.raw["paragraphs"]) == 4
    assert result.drift == ["article"]
    assert result.refusals == ["profile:vidu: no body box (profile)"]


def test_refused_only_when_every_layer_refuses() -> None:
    with pytest.raises(NotAnArticle) as err:
        extract_layered(LIST_PAGE, "https://baovidu.vn/thoi-su/", profile_with(refusing_profile))
    # The reason names every layer that was tried.
    assert "profile:vidu: no body box" in str(err.value) and "generic:" in str(err.value)


def test_no_further_layer_when_the_profile_found_everything(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    calls = []

    def counting_generic(html: str | bytes, url: str) -> dict[str, Any]:
        calls.append(url)
        return {}

    def complete_profile(html: str | bytes, url: str) -> dict[str, Any]:
        return {**partial_profile(html, url), "authors": ["Minh Tâm"], "lead": "Sapo."}

    def no_byline_profile(html: str | bytes, url: str) -> dict[str, Any]:
        return {**complete_profile(html, url), "authors": []}

    monkeypatch.setattr(generic_module, "extract", counting_generic)
    result = extract_layered(PAGE, URL, profile_with(complete_profile))
    assert calls == [] and result.drift == []
    # No byline is no reason to run the generic layer: many stories credit no person.
    result = extract_layered(PAGE, URL, profile_with(no_byline_profile))
    assert calls == [] and result.raw["authors"] == []
    extract_layered(PAGE, URL, profile_with(partial_profile))
    assert calls == [URL]


def test_family_layer_sits_between_profile_and_generic() -> None:
    page = """<html><body><h1 class="detail-title" data-role="title">Tiêu đề thử</h1>
    <h2 class="detail-sapo" data-role="sapo">Sapo thử.</h2>
    <div class="detail-content" data-role="content"><p>Đoạn văn thử nghiệm của bài.</p></div>
    </body></html>"""
    result = extract_layered(page, URL, profile_with(refusing_profile))
    assert result.used == "family:data-role"
    assert result.sources["title"] == "family:data-role"
    # With no profile for the host, the same page goes to the family directly.
    result = extract_layered(page, "https://khong-co-profile.vn/tieu-de-1234567890.htm")
    assert result.used == "family:data-role" and result.drift == []


def test_sources_reach_extract_with_info_and_describe() -> None:
    article, extraction = extract_with_sources(PAGE, URL, crawled_at="2026-03-01T00:00:00Z",
                                               profile=profile_with(partial_profile))
    assert article.authors == ["Minh Tâm"]
    line = describe_sources(extraction.sources, extraction.profile_layer)
    assert "title=profile" in line and "authors=generic" in line and "topics=-" in line
    _, used = extract_with_info(PAGE, URL, crawled_at="2026-03-01T00:00:00Z")
    assert used == "generic"


def test_generic_profile_counts_as_no_profile() -> None:
    result = extract_layered(PAGE, URL, generic_profile(URL))
    assert result.used == "generic" and result.profile_layer is None and result.drift == []


def test_families_follow_the_module_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [m.FAMILY for m in families()]
    assert {"cms-post", "data-role", "the-article"} <= set(names)
    assert len(names) == len(set(names))
    fake = types.ModuleType("fake")
    fake.FAMILY, fake.EXTRACTOR_VERSION = "fake", "fake/1"
    assert not is_family_module(fake)  # no detect / extract
    fake.detect = lambda sel: False
    fake.extract = lambda html, url: {}
    assert is_family_module(fake)
    # Every family's article URL shapes are followed on sites without a profile.
    cms_post = next(m for m in families() if m.FAMILY == "cms-post")
    monkeypatch.setattr(cms_post, "ARTICLE_URL_PATTERNS", (r"-a\d+\.html$",), raising=False)
    monkeypatch.setattr(dispatch_module, "families", lambda: (cms_post,))
    assert family_article_patterns() == (r"-a\d+\.html$",)
    assert generic_profile("https://baoangiang.com.vn/").is_article_url(
        "https://baoangiang.com.vn/ly-do-a367201.html")


# --- layout drift in the health monitor --------------------------------------------------------

def test_drift_is_counted_per_site_and_field() -> None:
    state = HealthState(min_sample=4, max_share=0.5)
    for i in range(4):
        state.add_profiled("a.vn", f"u{i}", ["authors"] if i == 0 else [])
        state.add_profiled("b.vn", f"v{i}", ["article"] if i < 3 else [])
    assert [(d["site"], d["field"], d["share"]) for d in state.drift(0.1)] == [
        ("a.vn", "authors", 0.25), ("b.vn", "article", 0.75)]
    assert state.drift(0.3) == state.drift(0.5)  # a.vn's 25% is under both
    # Only the drift past the configured threshold fails the run.
    assert [(f["site"], f["field"], f["kind"]) for f in state.failures()] == [
        ("b.vn", "article", "fallback_filled")]
    # Too few pages: no verdict.
    small = HealthState(min_sample=10, max_share=0.5)
    small.add_profiled("a.vn", "u", ["authors"])
    assert small.drift(0.0) == [] and small.failures() == []


def test_health_monitor_warns_on_drift_and_records_it(caplog: pytest.LogCaptureFixture) -> None:
    assert 0 < HEALTH_DRIFT_WARN_SHARE < 0.5
    crawler = get_crawler(settings_dict={"HEALTH_MIN_SAMPLE": 10,
                                         "HEALTH_MAX_MISSING_SHARE": 0.5,
                                         "HEALTH_DRIFT_WARN_SHARE": 0.1})
    crawler.stats = MemoryStatsCollector(crawler)
    ext = LayoutHealth(crawler)
    with caplog.at_level(logging.WARNING, logger="crawler.health"):
        for i in range(10):
            ext.on_fields_filled(url=f"https://a.vn/{i}", site="a.vn",
                                 fields=["authors"] if i < 2 else [])
    assert ext.failed is False  # 20%: a warning, not a failure
    warnings = [r.getMessage() for r in caplog.records if "layout drift" in r.getMessage()]
    assert len(warnings) == 1 and "a.vn" in warnings[0] and "authors" in warnings[0]
    ext.on_close(spider=None, reason="finished")
    drift = crawler.stats.get_value("health/drift")
    assert [(d["field"], d["share"]) for d in drift] == [("authors", 0.2)]
    assert crawler.stats.get_value("health/failures") == []
