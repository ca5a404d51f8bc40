"""CMS family modules of provincial papers: each recognised from markup and extracted field by
field, on a hand-written page in the shape of the family's real markup (fixtures/families/) and
on the real pages in SHARED_DIR/html (skipped when absent), scored against their truth files.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import FIXTURES

from crawler.discovery import article_links, next_page_href
from crawler.extract.base import selector_for
from crawler.extract.clean import PARAGRAPH_SEP, clean_article, raw_to_article
from crawler.extraction import NotAnArticle, extract_with_info
from crawler.sites import get_profile, profile_for_url
from crawler.urls import canonical_url

FAMILY_MODULES = ("onecms", "anphp", "mediatech", "vnptportal")
CRAWLED_AT = "2026-10-01T00:00:00Z"


def family(name: str) -> Any:
    return importlib.import_module(f"crawler.sites.{name}")


def run(module: Any, html: str | bytes, url: str) -> dict[str, Any]:
    """The family's raw dict cleaned exactly as a crawl cleans it, as plain fields."""
    return fields(clean_article(raw_to_article(module.extract(html, url),
                                               crawled_at=CRAWLED_AT)))


def fields(article: Any) -> dict[str, Any]:
    return {
        "url": article.url,
        "title": article.title,
        "lead": article.lead,
        "paragraphs": [p for p in article.body.split(PARAGRAPH_SEP) if p],
        "authors": article.authors,
        "published_at": article.published_at,
        "modified_at": article.modified_at,
        "section": article.section,
        "tags": article.tags,
        "images": [dict(i) for i in article.images],
        "related": [dict(r) for r in article.related],
    }


# --- the module protocol -------------------------------------------------------------------

@pytest.mark.parametrize("name", FAMILY_MODULES)
def test_module_protocol(name: str) -> None:
    mod = family(name)
    assert isinstance(mod.FAMILY, str) and mod.FAMILY
    assert mod.EXTRACTOR_VERSION.startswith(f"{mod.FAMILY}/")
    assert callable(mod.detect) and callable(mod.extract)
    assert mod.OUTLETS and all("/" not in d for d in mod.OUTLETS)
    assert all(p.endswith(".html") for p in mod.VERIFIED_ON)


@pytest.mark.parametrize("name", FAMILY_MODULES)
def test_detect_only_its_own_markup(name: str) -> None:
    own = FIXTURES / "families" / name / "article.html"
    assert family(name).detect(selector_for(own.read_bytes(), "https://example.vn/a-1.html"))
    others = [p for p in (FIXTURES / "families").glob("*/article.html") if p != own]
    others.append(next((FIXTURES / "sites" / "baohatinh").glob("*/page.html")))
    for page in others:
        sel = selector_for(page.read_bytes(), "https://example.vn/a-1.html")
        assert not family(name).detect(sel), f"{name} claims {page}"


# --- golden fixtures ------------------------------------------------------------------------

ONECMS_URL = ("https://baohaiphong.vn/khanh-thanh-cau-tan-vu-moi-noi-hai-bo-song-lach-tray-"
              "481516.html")
ANPHP_URL = "https://baoangiang.com.vn/nong-dan-thoai-son-thu-hoach-lua-thu-dong-a512345.html"
MEDIATECH_URL = "https://baotayninh.vn/tay-ninh-mo-rong-vung-trong-mi-cong-nghe-cao-160123.html"
VNPT_URL = "https://baophuyen.vn/72/51234/mua-thu-hoach-ca-ngu-dai-duong/"
GOLDEN: dict[str, tuple[str, dict[str, Any]]] = {
    "onecms": (ONECMS_URL, {
        "url": ONECMS_URL,
        "title": "Khánh thành cầu Tân Vũ mới nối hai bờ sông Lạch Tray",
        "lead": "Sáng 9-5, thành phố khánh thành cầu Tân Vũ mới, rút ngắn đường từ trung tâm "
                "ra khu kinh tế phía Nam.",
        "paragraphs": [
            "Cầu dài 1,2 km, rộng 25 m, được xây dựng trong 20 tháng với tổng vốn hơn 1.500 "
            "tỷ đồng.",
            "Theo chủ đầu tư, công trình hoàn thành sớm hai tháng so với kế hoạch.",
            "Người dân hai bờ sông từ nay đi lại thuận tiện hơn, nhất là vào giờ cao điểm.",
            "Thành phố giao các sở, ngành tiếp tục hoàn thiện đường dẫn hai đầu cầu./.",
        ],
        "authors": ["Hoàng Phong", "Lê Minh Thư"],
        # Visible "09/05/2026 15:28" (9 May), not the month-first meta "5/9/2026 3:28:00 PM".
        "published_at": "2026-05-09T15:28:00+07:00",
        "modified_at": "2026-05-09T16:02:10+07:00",
        "section": "Giao thông",
        "tags": ["cầu Tân Vũ", "giao thông Hải Phòng"],
        "images": [
            {"url": "http://baohaiphong.com.vn/baohp/vn/upload/info/image/2026/5/9/"
                    "1746779280011_cau1.jpg",
             "caption": "Đại biểu cắt băng khánh thành cầu Tân Vũ mới."},
            {"url": "https://bhd.1cdn.vn/2026/05/09/cau-tan-vu-2.jpg",
             "caption": "Dòng xe đầu tiên qua cầu sau lễ khánh thành."},
            {"url": "https://bhd.1cdn.vn/2026/05/09/cau-tan-vu-3.jpg",
             "caption": "Toàn cảnh cầu Tân Vũ mới nhìn từ trên cao"},
        ],
        # "Bài liên quan" then "Đọc tiếp" (twice on the page, the article itself left out);
        # "Đọc thêm Giao thông" is a section feed.
        "related": [
            {"url": "https://baohaiphong.vn/hop-long-cau-tan-vu-moi-479001.html",
             "title": "Hợp long cầu Tân Vũ mới"},
            {"url": "https://baohaiphong.vn/phan-luong-giao-thong-dip-le-478812.html",
             "title": "Phân luồng giao thông dịp lễ"},
        ],
    }),
    "anphp": (ANPHP_URL, {
        "url": ANPHP_URL,  # from og:url: the CMS writes no rel=canonical
        "title": "Nông dân Thoại Sơn thu hoạch lúa Thu Đông",
        "lead": "Những ngày đầu tháng 10, nông dân Thoại Sơn bắt đầu thu hoạch lúa Thu Đông "
                "với năng suất khá.",
        "paragraphs": [
            "Toàn huyện gieo sạ hơn 20.000 ha lúa Thu Đông, đến nay đã thu hoạch khoảng "
            "3.000 ha.",
            "Năng suất bình quân đạt 6,5 tấn/ha, giá lúa tươi tại ruộng dao động 6.800 "
            "đồng/kg.",
            "Ngành nông nghiệp khuyến cáo nông dân xuống giống vụ sau đúng lịch thời vụ.",
        ],
        "authors": [],  # "Theo TTXVN" is a source credit
        "published_at": "2026-10-03T07:15:00+07:00",
        "modified_at": "2026-10-03T08:00:00+07:00",
        "section": "Nông nghiệp",
        "tags": ["lúa Thu Đông", "An Giang"],
        # The relative src resolves against <base href> (the asset host).
        "images": [{"url": "https://images.baoangiang.com.vn/image/news/2026/20261003/"
                           "lua-thu-dong.jpg",
                    "caption": "Nông dân xã Vọng Thê thu hoạch lúa"}],
        # The hidden "Xem thêm" item is left out; "Đọc thêm" is parsed inside it.
        "related": [
            {"url": "https://baoangiang.com.vn/gia-lua-tang-nhe-a512300.html",
             "title": "Giá lúa tăng nhẹ"},
            {"url": "https://baoangiang.com.vn/thoai-son-ra-quan-lam-thuy-loi-a512200.html",
             "title": "Thoại Sơn ra quân làm thủy lợi"},
        ],
    }),
    # The page opens with an empty <html></html> and nests a second document in the body.
    "mediatech": (MEDIATECH_URL, {
        "url": MEDIATECH_URL,
        "title": "Tây Ninh mở rộng vùng trồng mì công nghệ cao",
        # The nested p.sapo, not the 300-character div.sapo cut running into the body.
        "lead": "Tỉnh đặt mục tiêu 5.000 ha mì công nghệ cao vào năm 2027, gấp đôi hiện nay.",
        # The bold subhead "Giống mới kháng bệnh" is not a paragraph; the in-<p> ad is gone.
        "paragraphs": [
            "Nông dân các xã phía Bắc đã chuyển sang giống mì kháng bệnh khảm lá.",
            "Năng suất bình quân đạt 35 tấn/ha, cao hơn giống cũ 8 tấn.",
            "Sở Nông nghiệp sẽ hỗ trợ nông dân vốn mua giống trong hai năm tới.",
        ],
        "authors": ["Minh Tâm"],  # "Minh Tâm/Báo Tây Ninh": person / paper
        "published_at": "2026-10-05T09:12:00+07:00",
        "modified_at": "2026-10-05T09:30:00+07:00",  # JSON-LD's UTC "…T02:30:00.000000Z"
        "section": "Kinh tế",
        "tags": [],
        "images": [{"url": "https://media.baotayninh.vn/upload/image/202610/medium/"
                           "130001_mi.jpg",
                    "caption": "Thu hoạch mì tại xã Tân Hòa. Ảnh: Minh Tâm"}],
        "related": [{"url": "https://baotayninh.vn/gia-mi-lat-tang-160100.html",
                     "title": "Giá mì lát tăng"}],  # "Tin đọc nhiều" is not related
    }),
    # An archive story in a second <html><body> nested in <main>, pasted from Word.
    "vnptportal": (VNPT_URL, {
        "url": VNPT_URL,  # og:url (legacy id scheme); no canonical link
        "title": "Mùa thu hoạch cá ngừ đại dương",
        "lead": "Ngư dân Tuy An trúng đậm cá ngừ đại dương đầu vụ.",
        # The capitals subhead "GIÁ CÁ" is not a paragraph; NBSP normalised.
        "paragraphs": [
            "Từ đầu tháng 3, hơn 200 tàu câu cá ngừ của huyện đã cập cảng Tiên Châu.",
            "Giá cá ngừ loại 1 đạt 180.000 đồng/kg, cao hơn cùng kỳ năm trước.",
        ],
        # The final right-aligned bold line; the "Bút danh" placeholder is no name.
        "authors": ["Trần Quỳnh Nga"],
        "published_at": "2012-04-03T06:45:00+07:00",  # the header row's time, not the boxes'
        "modified_at": None,
        "section": "Kinh tế",
        "tags": ["cá ngừ đại dương"],
        "images": [{"url": "https://baophuyen.vn/Upload/Images/2012/thang%204/3/"
                           "ca-ngu-120403.jpg",
                    "caption": "Cá ngừ lên bến Tiên Châu"}],  # the layout table's second row
        "related": [{"url": "https://baophuyen.vn/kinh-te/202503/"
                            "cang-ca-tien-chau-mo-rong-1a2b3c4/",
                     "title": "Cảng cá Tiên Châu mở rộng"}],
    }),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_fixture(name: str) -> None:
    url, expected = GOLDEN[name]
    got = run(family(name), (FIXTURES / "families" / name / "article.html").read_bytes(), url)
    for field in expected:
        assert got[field] == expected[field], f"{name}: field {field!r}"


# --- real pages -----------------------------------------------------------------------------

REAL_PAGES = [(name, page) for name in FAMILY_MODULES for page in family(name).VERIFIED_ON]


def truth_of(shared: Path, page: str) -> dict[str, Any]:
    path = shared / "html" / "truth" / page.replace(".html", ".json")
    if not path.is_file():
        pytest.skip(f"no truth file {path}")
    return json.loads(path.read_text("utf-8"))


def check_against_truth(got: dict[str, Any], truth: dict[str, Any]) -> None:
    """Every field a person read off the page, with the truth scorer's tolerances."""
    assert got["title"] == truth["title"]
    assert got["published_at"] in (truth["published"], truth.get("published_alt"))
    assert got["authors"] == truth["authors"]
    if truth.get("lead_start"):
        assert (got["lead"] or "").startswith(truth["lead_start"])
    paras = got["paragraphs"]
    assert paras[0].startswith(truth["first_para_start"])
    assert paras[-1].startswith(truth["last_para_start"])
    assert abs(len(paras) - truth["paragraphs"]) <= 1, len(paras)
    captions = [i["caption"] for i in got["images"] if i["caption"]]
    # The truth lists the captions a reader noted (not always every photo's).
    assert all(c in captions for c in truth["captions"]), captions
    body = "\n".join(paras)
    for text in truth["forbidden"]:
        assert text not in body
    # Every related title the reader noted, in page order (some boxes are longer than noted).
    titles = iter(" ".join(r["title"].split()) for r in got["related"])
    for want in truth["related_titles"]:
        want = " ".join(want.split())
        assert any(t == want for t in titles), f"related {want!r} missing or out of order"
    assert got["tags"] == truth["tags"]
    assert got["section"] == truth["section"].split(" > ")[-1]


@pytest.mark.parametrize(("name", "page"), REAL_PAGES, ids=[p for _, p in REAL_PAGES])
def test_real_page(shared: Path, name: str, page: str) -> None:
    path = shared / "html" / page
    if not path.is_file():
        pytest.skip(f"real page {path} is absent")
    truth = truth_of(shared, page)
    html = path.read_bytes()
    mod = family(name)
    assert mod.detect(selector_for(html, truth["url"]))
    got = run(mod, html, truth["url"])
    assert got["url"] == truth["url"]
    check_against_truth(got, truth)
    # The family's URL shapes (what a crawl with no profile follows) hold the page and every
    # story its related boxes link to.
    for link in [truth["url"], *(r["url"] for r in got["related"])]:
        path = urlsplit(link).path
        assert any(re.search(p, path) for p in mod.ARTICLE_URL_PATTERNS), link
    # The one dispatch (profile -> family -> generic) picks the family for the page, and every
    # field it gives comes out as the family's extractor has it.
    article, used = extract_with_info(html, truth["url"], crawled_at=CRAWLED_AT)
    assert used == f"family:{mod.FAMILY}"
    assert fields(article) == got


# --- profiles checked on real pages ---------------------------------------------------------

PROFILE_PAGES = [
    ("qdnd", "TranVu2005__qdnd_813419.html"),
    ("vov", "braycolony1y__vov_post1315698.html"),
    ("laodong", "TranVu2005__laodong_1432162.html"),
]


@pytest.mark.parametrize(("slug", "page"), PROFILE_PAGES, ids=[p for _, p in PROFILE_PAGES])
def test_profile_on_real_page(shared: Path, slug: str, page: str) -> None:
    path = shared / "html" / page
    if not path.is_file():
        pytest.skip(f"real page {path} is absent")
    truth = truth_of(shared, page)
    profile = get_profile(slug)
    assert profile_for_url(truth["url"]) is profile
    article, used = extract_with_info(path.read_bytes(), truth["url"], crawled_at=CRAWLED_AT,
                                      profile=profile)
    assert used == f"profile:{slug}"
    got = fields(article)
    assert got["url"] == truth["url"]
    check_against_truth(got, truth)


# --- list pages -----------------------------------------------------------------------------

CAFEF_DATA_LIST = "https://cafef.vn/du-lieu/tin-doanh-nghiep.chn"


def list_links(html: bytes, url: str) -> tuple[list[str], str | None]:
    """Article links and next page of a list page, as the crawl finds them."""
    profile = profile_for_url(url)
    assert profile is not None
    sel = selector_for(html, url)
    href = next_page_href(sel, profile, 2, {})
    return article_links(sel, url, profile), profile.canonical(href, url) if href else None


def test_data_role_load_more_as_the_spider_derives_it() -> None:
    """A data-role topic page has no next link: the spider asks next_page_href, which calls the
    profile's load-more hook with the next page number and the topic's state (carried from page
    to page in the request meta). The zone id is read from the first page's #hdZoneId and kept
    in that state, because the endpoint's answers are fragments without it."""
    profile = get_profile("tuoitre")
    topic = "https://tuoitre.vn/thoi-su.htm"
    first = selector_for('<html><body><input type="hidden" id="hdZoneId" value=" 200029 ">'
                         '<a class="box-category-link-title" href="/a-20260101.htm">A</a>'
                         "</body></html>", topic)
    state: dict[str, Any] = {}
    href = next_page_href(first, profile, 2, state)
    assert href == "https://tuoitre.vn/timeline/200029/trang-2.htm"
    assert state == {"zone": "200029"}
    fragment = selector_for('<li><a class="box-category-link-title" href="/b-1.htm">B</a></li>',
                            href)
    assert next_page_href(fragment, profile, 3, state) == (
        "https://tuoitre.vn/timeline/200029/trang-3.htm")
    # No zone on the page and none carried: no next page (not a URL with an empty zone).
    assert next_page_href(fragment, profile, 3, {}) is None
    bad = selector_for('<input id="hdZoneId" value="abc">', topic)
    assert next_page_href(bad, profile, 2, {}) is None


def test_cafef_data_list_fixture() -> None:
    html = (FIXTURES / "lists" / "cafef_du-lieu_tin-doanh-nghiep.html").read_bytes()
    links, next_page = list_links(html, CAFEF_DATA_LIST)
    # Both URL shapes, in page order; the hidden "/-<id>/" repeats are not followed.
    assert links == [
        "https://cafef.vn/du-lieu/VNM-2980112/vnm-nghi-quyet-hoi-dong-quan-tri-ve-tra-co-tuc.chn",
        "https://cafef.vn/sua-viet-nam-chot-ngay-tra-co-tuc-dot-cuoi-188261005151200123.chn",
        "https://cafef.vn/du-lieu/FPT-2979988/fpt-bao-cao-quan-tri-6-thang.chn",
    ]
    profile = get_profile("cafef")
    assert [profile.article_id(u) for u in links] == ["2980112", "188261005151200123",
                                                       "2979988"]
    assert next_page is None  # paging is JavaScript only
    with pytest.raises(NotAnArticle):
        extract_with_info(html, CAFEF_DATA_LIST, crawled_at=CRAWLED_AT)


def test_cafef_data_list_real_page(shared: Path) -> None:
    page = "twan507__cafef_list_tin-doanh-nghiep.html"
    path = shared / "html" / page
    if not path.is_file():
        pytest.skip(f"real page {path} is absent")
    truth = truth_of(shared, page)
    links, next_page = list_links(path.read_bytes(), truth["url"])
    assert len(links) == truth["article_count"]
    sample = [canonical_url(u) for u in truth["article_links_sample"]]
    assert links[:len(sample)] == sample
    assert next_page == truth["next_page"]
    with pytest.raises(NotAnArticle):
        extract_with_info(path.read_bytes(), truth["url"], crawled_at=CRAWLED_AT)


def test_vietnambiz_on_the_data_role_family(shared: Path) -> None:
    """VietnamBiz runs the data-role CMS: its real page through that family's extractor."""
    from crawler.sites import datarole

    page = "twan507__vietnambiz_202694173243150.html"
    path = shared / "html" / page
    if not path.is_file():
        pytest.skip(f"real page {path} is absent")
    truth = truth_of(shared, page)
    check_against_truth(run(datarole, path.read_bytes(), truth["url"]), truth)
