"""The generic extractor's rules for the real web, each on a small hand-written page in the
shape of the markup that called for it (ASP.NET form wrappers, nested documents, OneCMS-style
headers inside the body, photo stories, caption lines, credits, related boxes, month-first
meta dates). No real page content: the text is made up."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.extract import NotAnArticle
from crawler.extract.clean import clean_article, raw_to_article
from crawler.extract.generic import extract
from crawler.sites.dispatch import extract_any

URL = "https://baovidu.vn/thoi-su/nong-dan-thu-hoach-lua-som-123456.html"

P = [
    "Những ngày này, nông dân ở đồng bằng tất bật thu hoạch lúa đông xuân trước mùa mưa bão.",
    "Năng suất năm nay đạt khá, giá lúa tươi tại ruộng được thương lái thu mua ổn định hơn.",
    "Nhiều hợp tác xã đã ký hợp đồng tiêu thụ với doanh nghiệp từ đầu vụ để tránh bị ép giá.",
    "Chính quyền địa phương khuyến cáo bà con phơi sấy kỹ để giữ chất lượng hạt gạo tốt nhất.",
    "Ngành nông nghiệp dự kiến tổng sản lượng lúa toàn tỉnh năm nay tăng so với năm ngoái.",
]
TITLE = "Nông dân thu hoạch lúa sớm tránh mưa bão"
HEAD = f"""<head><meta charset="utf-8"><title>{TITLE} - Báo Ví Dụ</title>
<meta property="og:title" content="{TITLE}">
<meta property="og:description" content="Nông dân các tỉnh đồng bằng đẩy nhanh thu hoạch lúa.">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2026-03-01T07:30:00+07:00"></head>"""


def paras(items: list[str] | None = None) -> str:
    return "".join(f"<p>{p}</p>" for p in (items or P))


def page(body: str, head: str = HEAD) -> str:
    return f"<!DOCTYPE html><html lang='vi'>{head}<body>{body}</body></html>"


def article(html: str, url: str = URL) -> dict[str, Any]:
    raw = extract(html, url)
    cleaned = clean_article(raw_to_article(raw, crawled_at="2026-03-01T00:00:00Z"))
    return {"raw": raw, "body": cleaned.body.split("\n\n"), "authors": cleaned.authors,
            "captions": [i["caption"] for i in cleaned.images], "related": cleaned.related,
            "published": cleaned.published_at, "tags": cleaned.tags, "lead": cleaned.lead}


# --- page wrappers and broken documents -----------------------------------------------------

def test_aspnet_form_wrapping_the_page_is_not_chrome() -> None:
    html = page(f"""<form method="post" action="./bai-viet-123456" id="aspnetForm">
<input type="hidden" name="__VIEWSTATE" value="abc"><div class="header"><a href="/">Trang chủ</a>
<form class="search" action="/tim-kiem"><p>Tìm kiếm tin tức trên toàn bộ trang báo điện tử</p>
<input name="q"></form></div>
<div class="main"><h1 class="post-title">{TITLE}</h1><div class="post-content">{paras()}</div>
</div></form>""")
    got = article(html)
    assert got["body"] == P


def test_empty_html_element_before_head_is_repaired() -> None:
    html = (f"<!DOCTYPE html>\n<html lang='' class='desktop'>\n\n</html>\n\n{HEAD}<body>"
            f"<h1 class='name'>{TITLE}</h1><div class='detail'>{paras()}</div></body></html>")
    assert article(html)["body"] == P


def test_second_document_nested_in_the_body() -> None:
    html = page(f"""<h1 class="name">{TITLE}</h1>
<div id="content-detail" class="detail"><div class="sapo">{P[0]} Cắt ngang thế này</div>
<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.0 Transitional//EN">
<html><body><p class="sapo">Nông dân các tỉnh đồng bằng đẩy nhanh thu hoạch lúa trước mùa bão.</p>
{paras(P[1:])}<div class="author"><strong>Minh Tâm/Báo Ví Dụ</strong></div></body></html>
</div>""")
    got = article(html)
    assert got["body"] == P[1:]
    assert got["authors"] == ["Minh Tâm"]
    assert got["lead"].startswith("Nông dân các tỉnh")


def test_table_layout_with_br_paragraphs() -> None:
    html = page(f"""<table width="100%"><tr><td class="menu"><a href="/">Trang chủ</a></td></tr>
<tr><td><h1>{TITLE}</h1></td></tr>
<tr><td class="content">{"<br><br>".join(P)}</td></tr></table>""")
    assert article(html)["body"] == P


def test_div_paragraphs() -> None:
    html = page(f"<h1>{TITLE}</h1><div class='noidung'>"
                + "".join(f"<div>{p}</div>" for p in P) + "</div>")
    assert article(html)["body"] == P


def test_live_blog_keeps_every_entry() -> None:
    entries = "".join(f"<div class='live-item'><span class='live-time'>{8 + i}:00</span>"
                      f"<p>{p}</p></div>" for i, p in enumerate(P))
    html = page(f"<h1>{TITLE}</h1><div class='live-feed'>{entries}</div>")
    body = article(html)["body"]
    assert [p for p in body if len(p) > 10] == P


# --- header, sapo and meta lines inside the text block ---------------------------------------

def test_header_block_inside_the_body_container() -> None:
    html = page(f"""<div class="entry" itemprop="articleBody">
<div class="sc-longform-header"><span class="sc-longform-header-cate">Kinh tế</span>
<h1 class="sc-longform-header-title">{TITLE}</h1>
<span class="sc-longform-header-author">MINH TÂM</span> •
<span class="sc-longform-header-date">08/01/2026 10:02</span>
<p class="sc-longform-header-sapo">ĐNO - Nông dân các tỉnh đồng bằng đẩy nhanh thu hoạch.</p>
</div>{paras()}</div>""")
    got = article(html)
    assert got["body"] == P


def test_date_line_in_the_body_is_not_a_paragraph() -> None:
    html = page(f"<h1>{TITLE}</h1><div class='content'><p>Minh Tâm • 08/01/2026 10:02</p>"
                f"{paras()}</div>")
    assert article(html)["body"] == P


# --- captions ---------------------------------------------------------------------------------

def test_captions_go_to_images_not_the_body() -> None:
    html = page(f"""<h1>{TITLE}</h1><div class="content">{paras(P[:2])}
<figure><img src="/a.jpg"><figcaption>Nông dân gặt lúa trên cánh đồng.</figcaption></figure>
<table class="imgEditor"><tr><td><img src="/b.jpg"></td></tr>
<tr class="alt_imgEditor"><td>Ảnh minh họa / Vietnam+</td></tr></table>
<p><img src="/c.jpg"></p><p><em>Máy gặt đập liên hợp làm việc trên đồng ruộng.</em></p>
<p><img src="/d.jpg"></p><p>Lúa chín vàng trên cánh đồng mẫu lớn. Ảnh: Đức Anh</p>
<table><tr><td><img src="/e.jpg"></td></tr><tr><td class="pCaption">Bà con phơi lúa.</td></tr>
</table>{paras(P[2:])}</div>""")
    got = article(html)
    assert got["body"] == P
    assert got["captions"] == [
        "Nông dân gặt lúa trên cánh đồng.", "Ảnh minh họa / Vietnam+",
        "Máy gặt đập liên hợp làm việc trên đồng ruộng.",
        "Lúa chín vàng trên cánh đồng mẫu lớn. Ảnh: Đức Anh", "Bà con phơi lúa."]


def test_photo_story_captions_are_the_body() -> None:
    figures = "".join(f"<div class='layout-image'><figure><img src='/{i}.jpg'></figure>"
                      f"<figure><img src='/{i}b.jpg'><figcaption>{p}</figcaption></figure></div>"
                      for i, p in enumerate(P))
    html = page(f"<h1>{TITLE}</h1><div class='article__body'>{figures}</div>")
    got = article(html)
    assert got["body"] == P
    assert not any(got["captions"])


# --- credits ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("closing", "authors"), [
    ('<p style="text-align: right">Minh Tâm</p>', ["Minh Tâm"]),
    ("<p><strong>Minh Tâm</strong></p>", ["Minh Tâm"]),
    ('<b class="author-translate" style="text-align:right; display:block">'
     "Tin và ảnh: Nam Giang</b>", ["Nam Giang"]),
    ("<p><strong>Tin: Tường Minh - Ảnh: Đỗ Hiền</strong></p>", ["Tường Minh", "Đỗ Hiền"]),
    ('<div class="t1"><span class="t2">Anh Dũng</span></div>', ["Anh Dũng"]),
    ("<p><strong>TTXVN</strong></p><p><em>* Mời bạn đọc vào chuyên mục Y tế xem các tin.</em>"
     "</p>", []),
    ("<p>(TTXVN/Vietnam+)</p>", []),
    ('<p style="text-align:right"><strong>Theo DTO</strong></p>', []),
    ("<p>Theo Vietnamnet</p>", []),
])
def test_closing_credit_goes_to_authors(closing: str, authors: list[str]) -> None:
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}{closing}</div>")
    got = article(html)
    assert got["body"] == P
    assert got["authors"] == authors


def test_agency_in_jsonld_author_is_not_a_person() -> None:
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "'
          + TITLE + '", "author": {"@type": "Person", "name": "TTXVN - Lý Thường Kiệt, Hà Nội"'
          '}}</script>')
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}"
                f"<p><strong>TTXVN</strong></p></div>", HEAD.replace("</head>", ld + "</head>"))
    assert article(html)["authors"] == []


def test_placeholder_byline_is_no_author() -> None:
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}</div>"
                "<div class='after-author'><p class='author'> Bút danh </p></div>")
    assert article(html)["authors"] == []


# --- related boxes ----------------------------------------------------------------------------

STORY = "https://baovidu.vn/kinh-te/gia-lua-tang-manh-dau-vu-{}.html"
TITLES = ["Giá lúa tăng mạnh ngay từ đầu vụ đông xuân", "Thương lái đổ về đồng bằng thu mua lúa",
          "Hợp tác xã ký hợp đồng tiêu thụ lúa gạo sớm"]


def links(cls: str = "") -> str:
    return "".join(f'<li><a class="{cls}" href="{STORY.format(100000 + i)}">{t}</a></li>'
                   for i, t in enumerate(TITLES))


@pytest.mark.parametrize("box", [
    f"<p><strong>Xem thêm:</strong></p><ul>{links()}</ul>",
    f"<div class='box'><h3>Tin liên quan</h3><ul>{links()}</ul></div>",
    f"<div class='events'><div class='title'>Dòng sự kiện</div><ul>{links()}</ul></div>",
    f"<div class='box-news'><span>ĐỌC THÊM</span><ul>{links()}</ul></div>",
    f"<div class='post-relate'><ul>{links()}</ul></div>",
    f"<div data-source='related-news'><ul>{links()}</ul></div>",
])
def test_inline_related_box_goes_to_related(box: str) -> None:
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras(P[:3])}{box}{paras(P[3:])}</div>")
    got = article(html)
    assert got["body"] == P
    assert [r["title"] for r in got["related"]] == TITLES
    assert got["related"][0]["url"] == STORY.format(100000)


def test_related_box_after_the_article() -> None:
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}</div>"
                f"<div class='block-content'><h2 class='title'><a href='javascript:;'>"
                f"<span>Cùng chuyên mục</span></a></h2><div>{links()}</div></div>")
    assert [r["title"] for r in article(html)["related"]] == TITLES


def test_story_card_between_paragraphs() -> None:
    card = (f"<article class='inner-article'><a href='{STORY.format(200001)}'><img src='/t.jpg'>"
            f"<h2>{TITLES[0]}</h2></a><p>Tóm tắt ngắn của bài viết được nhắc tới.</p></article>")
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras(P[:4])}{card}{paras(P[4:])}</div>")
    got = article(html)
    assert got["body"] == P
    assert [r["title"] for r in got["related"]] == TITLES[:1]


def test_recent_news_box_inside_the_body_is_dropped_not_related() -> None:
    box = f"<div class='box'><b>Tin tức gần đây</b><ul>{links()}</ul></div>"
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}{box}</div>")
    got = article(html)
    assert got["body"] == P
    assert got["related"] == []


def test_menu_links_are_not_related_stories() -> None:
    menu = ("<div class='box'><h3>Xem thêm</h3><ul><li><a href='/tai-chinh/'>Tài chính - "
            "Chứng khoán</a></li><li><a href='/giai-tri/'>Giải trí</a></li></ul></div>")
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}</div>{menu}")
    assert article(html)["related"] == []


# --- tags, lead, dates ------------------------------------------------------------------------

def test_tags_from_the_article_tag_box() -> None:
    html = page(f"""<div class="c-big-tags"><a href="/x">Dữ liệu giao dịch</a></div>
<h1>{TITLE}</h1><div class='content'>{paras()}</div>
<div class="detail-tag"><span><strong>Từ khóa</strong></span>
<a class="tag_item" href="/tim-kiem/lua.html">lúa gạo</a><a class="tag_item" href="/t">thu hoạch</a>
</div><div class="c-big-tags"><a href="/y">Hồ sơ doanh nghiệp</a></div>""",
                HEAD.replace("</head>", '<meta name="news_keywords" content="a, b"></head>'))
    assert article(html)["tags"] == ["lúa gạo", "thu hoạch"]


def test_teaser_summary_is_not_the_lead() -> None:
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}</div><div class='related'>"
                "<div class='summary'>Một bài khác hoàn toàn nói về chuyện thời tiết tuần tới ở"
                " miền Trung.</div></div>")
    assert article(html)["lead"] == "Nông dân các tỉnh đồng bằng đẩy nhanh thu hoạch lúa."


def test_month_first_meta_loses_to_the_visible_date() -> None:
    head = HEAD.replace("2026-03-01T07:30:00+07:00", "9/5/2026 10:17:01 PM")
    html = page(f"<h1>{TITLE}</h1><span class='post-date'>05/09/2026 - 22:17</span>"
                f"<div class='content'>{paras()}</div>", head)
    assert article(html)["published"] == "2026-09-05T22:17:00+07:00"


def test_month_first_meta_kept_when_nothing_disagrees() -> None:
    head = HEAD.replace("2026-03-01T07:30:00+07:00", "9/5/2026 10:17:01 PM")
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}</div>", head)
    assert article(html)["published"] == "2026-05-09T22:17:01+07:00"


def test_visible_date_reads_the_time_beside_it() -> None:
    head = HEAD.replace('<meta property="article:published_time" '
                        'content="2026-03-01T07:30:00+07:00">', "")
    html = page(f"<h1>{TITLE}</h1><div class='info'><span class='date'>03-08-2011</span> "
                f"<span class='hour'>08:25 CH</span></div><div class='content'>{paras()}</div>",
                head)
    assert article(html)["published"] == "2011-08-03T20:25:00+07:00"


def test_list_page_still_refused() -> None:
    items = "".join(f"<div class='item'><h3><a href='{STORY.format(300000 + i)}'>Tin số {i} về "
                    f"chuyện thời sự hôm nay ở thành phố lớn</a></h3><p>Tóm tắt.</p></div>"
                    for i in range(12))
    html = page(f"<h1>Thời sự</h1><div class='list'>{items}</div>", "<head><title>Thời sự"
                "</title></head>")
    with pytest.raises(NotAnArticle):
        extract_any(html, "https://baovidu.vn/thoi-su/")
