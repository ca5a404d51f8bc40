"""The generic extractor and CMS family detection.

On the real pages of ../shared/html (skipped when absent) the generic extractor must find the
same title and date as the site extractors, and a body close to theirs (syllable F1 against
the site extractor's body, which test_sites_real_pages pins). Family detection and dispatch
are checked on small hand-written snippets.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from parsel import Selector
from test_sites_real_pages import ARTICLES, LISTS

from crawler.evaluate import token_prf
from crawler.extract import NotAnArticle
from crawler.extract.base import page_url, selector_for
from crawler.extract.generic import extract
from crawler.extract.generic.body import class_weight
from crawler.extract.generic.fields import strip_site_suffix
from crawler.sites.dispatch import detect_family, extract_any
from crawler.urls import canonical_url

# Lowest body F1 of the generic extractor against the site extractor over these pages
# (measured 1.0 on all ten in March 2026; a drop below this is a regression).
MIN_BODY_F1 = 0.95


def _load(shared: Path, name: str) -> tuple[bytes, str]:
    path = shared / "html" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    html = path.read_bytes()
    return html, canonical_url(page_url(selector_for(html, "https://localhost/")) or "")


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_generic_on_real_article(shared: Path, name: str) -> None:
    html, url = _load(shared, name)
    got = extract(html, url)
    facts = ARTICLES[name]
    assert " ".join(got["title"].split()) == facts.title
    assert got["published_at"] == facts.published_at
    raw, used = extract_any(html, url)  # the crawl's layered dispatch: the site's profile
    assert used.startswith("profile:")
    reference = "\n\n".join(raw["paragraphs"])
    f1 = token_prf("\n\n".join(got["paragraphs"]), reference)[2]
    assert f1 >= MIN_BODY_F1, f"{name}: body F1 {f1}"


@pytest.mark.parametrize("name", sorted(LISTS))
def test_generic_refuses_list_pages(shared: Path, name: str) -> None:
    html, url = _load(shared, name)
    with pytest.raises(NotAnArticle):
        extract(html, url)


# --- family detection on hand-written snippets ---------------------------------------------

CMS_POST = """<html><head><link rel="canonical" href="https://baoxyz.vn/mot-bai-post123.html">
</head><body><article class="article"><h1 class="article__title">Tiêu đề bài viết thử</h1>
<div class="article__sapo">Sapo ngắn.</div>
<div class="article__body" itemprop="articleBody"><p>Đoạn một của bài viết thử nghiệm.</p>
<p>Đoạn hai của bài viết.</p></div></article></body></html>"""

CMS_POST_BY_URL = """<html><head><link rel="canonical" href="https://baoabc.vn/tin-post9.html">
</head><body><div class="article__header"><h1>Tin</h1></div>
<article class="story"><h3 class="story__heading"><a href="/x-post8.html">X</a></h3></article>
</body></html>"""

DATA_ROLE = """<html><body><h1 class="detail-title" data-role="title">Tiêu đề thử</h1>
<h2 class="detail-sapo" data-role="sapo">Sapo thử.</h2>
<div class="detail-content" data-role="content"><p>Đoạn văn thử nghiệm của bài.</p></div>
</body></html>"""

PLAIN = """<html><head><meta property="og:type" content="article">
<meta property="article:published_time" content="2026-03-01T07:30:00+07:00">
<title>Nông dân thu hoạch lúa sớm - Báo Ví Dụ</title></head><body>
<header class="site-header"><a href="/">Trang chủ</a></header>
<div class="main"><h1>Nông dân thu hoạch lúa sớm</h1>
<div class="entry-content">
<p>Những ngày này, nông dân ở đồng bằng tất bật thu hoạch lúa đông xuân trước mùa mưa.</p>
<p>Năng suất năm nay đạt khá, giá lúa tươi tại ruộng được thương lái thu mua ổn định.</p>
<p>Nhiều hợp tác xã đã ký hợp đồng tiêu thụ với doanh nghiệp từ đầu vụ để tránh bị ép giá.</p>
<p>Chính quyền địa phương khuyến cáo bà con phơi sấy kỹ để giữ chất lượng hạt gạo.</p>
<p style="text-align: right"><strong>Minh Tâm</strong></p>
</div>
<div class="box-comment">
<p>Bình luận của bạn đọc về chuyện được mùa được giá năm nay ở quê.</p></div>
</div></body></html>"""

LIST = """<html><head><title>Thời sự</title></head><body><h1>Thời sự</h1><div class="list">
""" + "".join(
    f'<div class="item"><h3><a href="/tin-{i}.html">Tin số {i} về chuyện thời sự hôm nay ở'
    f' thành phố</a></h3><p>Tóm tắt ngắn.</p></div>' for i in range(12)) + "</div></body></html>"


@pytest.mark.parametrize(("html", "family"), [
    (CMS_POST, "cms-post"), (CMS_POST_BY_URL, "cms-post"), (DATA_ROLE, "data-role"),
    (PLAIN, None), (LIST, None),
])
def test_detect_family(html: str, family: str | None) -> None:
    module = detect_family(Selector(text=html))
    assert (module.FAMILY if module else None) == family


def test_extract_any_uses_family_for_unknown_sibling_site() -> None:
    raw, used = extract_any(DATA_ROLE, "https://baomoi-chua-co-profile.vn/tieu-de-1234567890.htm")
    assert used == "family:data-role"
    assert raw["title"] == "Tiêu đề thử"
    assert raw["paragraphs"] == ["Đoạn văn thử nghiệm của bài."]
    raw, used = extract_any(CMS_POST, "https://baoxyz.vn/mot-bai-post123.html")
    assert used == "family:cms-post"
    assert raw["article_id"] == "123"


def test_extract_any_prefers_the_site_profile() -> None:
    _, used = extract_any(DATA_ROLE, "https://tuoitre.vn/tieu-de-20260307075519174.htm")
    assert used == "profile:tuoitre"


def test_generic_on_plain_page() -> None:
    raw, used = extract_any(PLAIN, "https://baovidu.vn/nong-dan-thu-hoach-lua.html")
    assert used == "generic"
    assert raw["title"] == "Nông dân thu hoạch lúa sớm"
    assert raw["published_at"] == "2026-03-01T07:30:00+07:00"
    assert raw["authors"] == ["Minh Tâm"]
    assert len(raw["paragraphs"]) == 4
    assert not any("Bình luận" in p for p in raw["paragraphs"])


def test_generic_refuses_teaser_list() -> None:
    with pytest.raises(NotAnArticle):
        extract(LIST, "https://baovidu.vn/thoi-su/")


def test_helpers() -> None:
    assert strip_site_suffix("Nông dân thu hoạch lúa sớm - Báo Ví Dụ", None) == (
        "Nông dân thu hoạch lúa sớm")
    assert class_weight("sidebar") < 1 < class_weight("entry-content")
