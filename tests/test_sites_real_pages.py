"""The site extractors on real pages from ../shared/html (reference data, not in the repo).

Facts pinned here were read off the pages themselves: headline, date line, byline, where the
body starts and ends, photo captions. The folder is found through SHARED_DIR (default
<repo>/../shared); the tests skip when it is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from parsel import Selector

from crawler.discovery import article_links, next_page_href
from crawler.extract.base import page_url, selector_for
from crawler.extraction import NotAnArticle, extract_article
from crawler.sites import SiteProfile, profile_for_url
from crawler.urls import canonical_url


@dataclass(frozen=True)
class Facts:
    title: str
    published_at: str
    authors: list[str]
    paragraphs: int
    first: str  # first five words of the first body paragraph
    last: str  # first five words of the last body paragraph
    captions: int  # photos with a caption


ARTICLES = {
    "crawl_lastest_news__znews_sample_article.html": Facts(
        "Giá vàng thế giới cao nhất mọi thời đại", "2025-12-23T09:02:07+07:00",
        ["Anh Nguyễn"], 12, "Chốt phiên giao dịch 22/12,", "Đối với các kim loại", 1),
    "tracking_news-mcp__baochinhphu_article.html": Facts(
        "Chính sách mới có hiệu lực từ tháng 3/2026", "2026-03-01T09:51:00+07:00",
        [], 71, "3 hình thức khai thác,", "- Đồng bào dân tộc", 0),
    "tracking_news-mcp__baodautu_article.html": Facts(
        "Xử phạt Giám đốc tài chính Tập đoàn Tiên Sơn Thanh Hoá vì thao túng cổ phiếu",
        "2026-03-07T08:47:00+07:00", ["Nguyên Minh"], 12, "Uỷ ban Chứng khoán Nhà",
        "Cổ phiếu AAT cũng đang", 1),
    "tracking_news-mcp__cafef_article.html": Facts(
        "Thời điểm nâng hạng cận kề, MBS điểm tên 30 cổ phiếu Việt Nam có khả năng lọt rổ chỉ "
        "số FTSE", "2026-03-07T00:01:00+07:00", ["Dương Ngọc"], 12, "Trong báo cáo cập nhật",
        "MBS cũng lưu ý rằng", 0),
    "tracking_news-mcp__cafef_article_batdongsan.html": Facts(
        "Tăng hỗ trợ, giảm áp lực tài chính khi chuyển mục đích sử dụng đất",
        "2026-03-07T09:40:00+07:00", ["Hồ Hương"], 9, "Gửi kiến nghị tới Bộ",
        "Các quy định nêu trên", 1),
    "tracking_news-mcp__dantri_article.html": Facts(
        "Giá vàng giảm, vẫn cao hơn thế giới gần 20 triệu đồng/lượng",
        "2026-03-07T08:07:18+07:00", ["Tri Túc"], 12, "Cụ thể, chốt phiên 6/3,",
        "Tỷ giá USD tại Sở", 0),
    "tracking_news-mcp__nld_article.html": Facts(
        "Những sai sót hộ kinh doanh thường gặp khi thực hiện quy định mới về thuế",
        "2026-03-07T08:06:00+07:00", ["Minh Chiến"], 19, "Chính phủ vừa ban hành",
        "Trước khi tính thuế, hộ", 2),
    "tracking_news-mcp__tuoitre_article.html": Facts(
        "Chiến sự đẩy giá hoa nhập khẩu dịp 8-3 tăng mạnh", "2026-03-07T08:01:53+07:00",
        ["NHẬT XUÂN", "NGHI VŨ"], 26, "Nhiều chuyến bay vận chuyển", "Ngoài ra, cửa hàng cũng",
        2),
    "tracking_news-mcp__vietnamnet_article.html": Facts(
        "Cổ phiếu FLC được giao dịch trở lại", "2026-03-07T08:52:11+07:00", ["Duy Anh"], 8,
        "Theo thông báo của doanh", "Cổ phiếu này sau đó", 1),
    "tracking_news-mcp__vnexpress_article.html": Facts(
        "Cách các nước đối phó cú sốc năng lượng từ Trung Đông", "2026-03-07T00:05:00+07:00",
        ["Hà Thu"], 28, "Xung đột giữa Mỹ -", "Trước mắt, cơ quan quản", 2),
}

# List pages: article links found with the profile's list CSS, and the next page (a link, or
# the data-role family's load-more endpoint).
LISTS = {
    "tracking_news-mcp__tuoitre_list.html": (15, "https://tuoitre.vn/timeline/11/trang-2.htm"),
    "tracking_news-mcp__nld_list.html": (36, "https://nld.com.vn/timelinelist/1961014/2.htm"),
    "tracking_news-mcp__baochinhphu_list.html":
        (24, "https://baochinhphu.vn/timelinelist/1021119/2.htm"),
    "tracking_news-mcp__cafef_list.html": (24, "https://cafef.vn/timelinelist/18831/2.chn"),
    "tracking_news-mcp__vnexpress_list.html": (50, "https://vnexpress.net/kinh-doanh-p2"),
    "tracking_news-mcp__dantri_list.html": (43, "https://dantri.com.vn/kinh-doanh/trang-2.htm"),
    "tracking_news-mcp__vietnamnet_list.html": (31, "https://vietnamnet.vn/kinh-doanh-page1"),
    "tracking_news-mcp__baodautu_list.html":
        (26, "https://baodautu.vn/tai-chinh-chung-khoan-d6/p2"),
    "crawl_lastest_news__znews_kinhdoanh.html":
        (63, "https://znews.vn/kinh-doanh-tai-chinh/trang2.html"),
    "crawl_lastest_news__znews_home.html": (137, None),
}


def _load(shared: Path, name: str) -> tuple[bytes, str]:
    path = shared / "html" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    html = path.read_bytes()
    url = page_url(selector_for(html, "https://localhost/"))
    assert url, f"{name} declares no canonical/og:url"
    return html, canonical_url(url)


def _words(text: str, n: int = 5) -> str:
    return " ".join(text.split()[:n])


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_article_page(shared: Path, name: str) -> None:
    html, url = _load(shared, name)
    facts = ARTICLES[name]
    article = extract_article(html, url, crawled_at="2026-03-07T00:00:00Z")
    paragraphs = article.body.split("\n\n")
    assert article.title == facts.title
    assert article.published_at == facts.published_at
    assert article.published_at.endswith("+07:00")
    assert article.authors == facts.authors
    assert len(paragraphs) == facts.paragraphs
    assert _words(paragraphs[0]) == facts.first
    assert _words(paragraphs[-1]) == facts.last
    assert article.lead and article.lead not in paragraphs
    captions = [i["caption"] for i in article.images if i["caption"]]
    assert len(captions) == facts.captions
    for caption in captions:
        assert caption not in article.body, f"caption leaked into the body: {caption[:40]}"


def _next_page(sel: Selector, url: str, profile: SiteProfile) -> str | None:
    """The second page's URL as the spider derives it from the first: the profile's next-page
    link, else its load-more hook (data-role sites), made canonical."""
    href = next_page_href(sel, profile, 2, {})
    return profile.canonical(href, url) if href else None


@pytest.mark.parametrize("name", sorted(LISTS))
def test_list_page(shared: Path, name: str) -> None:
    html, url = _load(shared, name)
    links_expected, next_expected = LISTS[name]
    profile = profile_for_url(url)
    assert profile is not None
    sel = selector_for(html, url)
    links = article_links(sel, url, profile)
    assert len(links) == links_expected
    assert all(profile.article_id(link) for link in links)
    assert _next_page(sel, url, profile) == next_expected
    with pytest.raises(NotAnArticle):
        extract_article(html, url, crawled_at="2026-03-07T00:00:00Z")
