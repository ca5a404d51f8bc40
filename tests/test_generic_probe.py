"""Generic-layer rules called for by real pages of sites nobody tuned on (a byline that
marks the name and then the source, placeholder sections, date-only machine dates, initials
as a closing credit, unheaded related lists). Each page is hand-written in the shape of the
markup that called for it; the text is made up."""

from __future__ import annotations

from tests.test_generic_rules import HEAD, TITLE, P, article, page, paras


def test_byline_marking_the_name_leaves_the_source_out() -> None:
    byline = ('<div class="meta"><span class="post-author" itemprop="author" itemscope>'
              '<span itemprop="name">Minh Khôi</span>, Tạp chí Ví Dụ&nbsp;</span>'
              '<time datetime="2026-03-01T07:30:00+07:00">01/03/2026 07:30</time></div>')
    html = page(f"<h1>{TITLE}</h1>{byline}<div class='content'>{paras()}</div>")
    assert article(html)["authors"] == ["Minh Khôi"]


def test_placeholder_meta_section_loses_to_the_category_line() -> None:
    head = HEAD.replace("</head>", '<meta property="article:section" content="News"></head>')
    crumbs = ('<div class="cat-line"><div class="category-text">'
              '<div class="category-text-dad"><a href="https://baovidu.vn/doi-song/">Đời sống</a>'
              '</div><div class="category-text-icon"><i class="icon-right"></i></div>'
              '<div class="category-text-list active"><a href="https://baovidu.vn/nong-nghiep/">'
              'Nông nghiệp</a></div></div><div class="category-time"><span>Thứ hai, 01/03/2026'
              ' 07:30</span></div></div>')
    html = page(f"{crumbs}<h1>{TITLE}</h1><div class='content'>{paras()}</div>", head)
    assert article(html)["raw"]["section"] == "Nông nghiệp"


def test_category_links_after_the_headline_are_no_section() -> None:
    box = ('<div class="category-text"><a href="https://baovidu.vn/doi-song/">Đời sống</a>'
           '</div>')
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}</div>{box}")
    assert article(html)["raw"]["section"] is None


def test_date_only_jsonld_takes_the_time_shown_on_the_same_day() -> None:
    head = ('<head><meta charset="utf-8"><title>' + TITLE + '</title>'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "'
            + TITLE + '", "datePublished": "2026-03-01"}</script></head>')
    html = page(f"<h1>{TITLE}</h1><div class='share'><span class='pubdate'>01/03/2026 - 21:02"
                f"</span></div><div class='content'>{paras()}</div>", head)
    assert article(html)["published"] == "2026-03-01T21:02:00+07:00"


def test_date_only_jsonld_keeps_its_day_against_another_days_time() -> None:
    head = ('<head><meta charset="utf-8"><title>' + TITLE + '</title>'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "'
            + TITLE + '", "datePublished": "2026-03-01"}</script></head>')
    html = page(f"<h1>{TITLE}</h1><div class='share'><span class='pubdate'>05/03/2026 - 21:02"
                f"</span></div><div class='content'>{paras()}</div>", head)
    assert article(html)["published"].startswith("2026-03-01T00:00")


def test_initials_above_the_source_line_are_the_author() -> None:
    closing = "<p align='right'><strong>H.T<br>(Theo Tạp chí Ví Dụ)<br></strong></p>"
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}{closing}</div>")
    got = article(html)
    assert got["body"] == P
    assert got["authors"] == ["H.T"]


def test_professional_title_is_not_part_of_the_name() -> None:
    closing = "<p style='text-align:right'><strong>BS TRẦN VĂN MINH</strong></p>"
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}{closing}</div>")
    got = article(html)
    assert got["body"] == P
    assert got["authors"] == ["TRẦN VĂN MINH"]


def test_arrow_line_linking_a_story_is_related_not_body() -> None:
    story = "https://baovidu.vn/gia-lua-tang-manh-ngay-tu-dau-vu-d173311.html"
    pointer = (f'<h3 style="text-align: center;"><strong><em><a href="{story}" target="_blank">'
               "-> Giá lúa: Tăng mạnh ngay từ đầu vụ đông xuân</a></em></strong></h3>"
               '<p><strong><em><iframe class="video" src="/watch/12"></iframe></em></strong></p>'
               '<h3 style="text-align: center;"><strong><em>Xem thêm: Cách phơi lúa đúng cách'
               " (Nguồn: Báo Khác)</em></strong></h3>")
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}{pointer}</div>")
    got = article(html)
    assert got["body"] == P
    assert [r["title"] for r in got["related"]] == ["Giá lúa: Tăng mạnh ngay từ đầu vụ đông xuân"]
    assert got["related"][0]["url"] == story


def test_arrow_inside_a_sentence_with_a_link_stays_body() -> None:
    line = ('<p>Giá lúa -> tăng mạnh, xem <a href="https://baovidu.vn/gia-lua-123456.html">'
            "bảng giá lúa hôm nay tại các tỉnh</a> để biết thêm.</p>")
    html = page(f"<h1>{TITLE}</h1><div class='content'>{paras()}{line}</div>")
    got = article(html)
    assert got["body"][-1].startswith("Giá lúa")
    assert got["related"] == []


SAPO = "<h2 class='lead'>Nông dân các tỉnh đồng bằng đẩy nhanh thu hoạch lúa trước mùa mưa.</h2>"
STORIES = [("https://baovidu.vn/kinh-te/gia-lua-tang-manh-dau-vu-20260301101010123.htm",
            "Giá lúa tăng mạnh ngay từ đầu vụ đông xuân"),
           ("https://baovidu.vn/kinh-te/thuong-lai-do-ve-dong-bang-20260301090909456.htm",
            "Thương lái đổ về đồng bằng thu mua lúa tươi"),
           ("https://baovidu.vn/xa-hoi/hop-tac-xa-ky-hop-dong-som-20260228080808789.htm",
            "Hợp tác xã ký hợp đồng tiêu thụ lúa gạo sớm")]


def unheaded_list(items: list[tuple[str, str]]) -> str:
    return "<ul class='list-x'>" + "".join(
        f"<li class='item'><h4><a href='{u}' title='{t}'>{t}<i class='icon'></i></a></h4></li>"
        for u, t in items) + "</ul>"


def test_unheaded_lists_beside_the_body_are_related() -> None:
    card = (f"<div class='widget'><a href='{STORIES[2][0]}'><img src='/t.jpg' alt='x'></a>"
            f"<div class='widget_info'><a href='{STORIES[2][0]}' class='info-title'>{STORIES[2][1]}"
            "</a><p class='des'>Một đoạn giới thiệu ngắn của bài viết khác.</p></div></div>")
    html = page(f"<h1>{TITLE}</h1><div class='content'>{SAPO}{unheaded_list(STORIES[:2])}"
                f"<div class='wrap'><div class='share'><a href='/'>Trang chủ</a></div>"
                f"<div class='boxdetail'><div class='contents'>{paras()}</div>"
                f"<div class='author'><strong>Minh Khôi</strong><i> (TTXVN)</i></div>{card}</div>"
                "</div><div class='keysword'><span>Từ khóa: </span><ul><li>"
                "<a href='/tags/lua-gao.htm'>lúa gạo</a></li></ul></div></div>")
    got = article(html)
    assert got["body"] == P
    assert [r["title"] for r in got["related"]] == [t for _, t in STORIES]
    assert got["authors"] == ["Minh Khôi"]


def test_links_before_the_headline_or_past_the_tags_are_not_related() -> None:
    tags = ("<div class='new-tags'><a href='https://baovidu.vn/chup-anh-canh-dong-lua-chin.html'>"
            "Chụp ảnh cánh đồng lúa chín vàng</a></div>")
    html = page(f"{unheaded_list(STORIES[:2])}<div class='main'><h1>{TITLE}</h1><div>"
                f"<div class='content'>{paras()}</div>{tags}{unheaded_list(STORIES[2:])}</div>"
                "</div>")
    got = article(html)
    assert got["body"] == P
    assert got["related"] == []


def test_lower_case_tag_links_after_the_body_are_not_related() -> None:
    box = ("<div class='box'><a href='https://baovidu.vn/thu-hoach-lua-som-tranh-mua-bao.html'>"
           "thu hoạch lúa sớm tránh mưa bão</a> <a href='https://baovidu.vn/gia-lua-dong-xuan-"
           "tang-manh.html'>giá lúa đông xuân tăng mạnh</a></div>")
    html = page(f"<h1>{TITLE}</h1><div><div class='content'>{paras()}</div>{box}</div>")
    assert article(html)["related"] == []
