"""Layouts found on real pages outside the shared set (probe of issue 10): each test is a
hand-written page in the shape of the real markup (tags, classes, nesting, order), with
invented text."""

from __future__ import annotations

from crawler.extraction import extract_with_info
from crawler.sites import anphp
from crawler.sites.dispatch import is_excerpt

CT_URL = "https://baocantho.com.vn/rau-xanh-mua-mua-a51234.html"

# The older template of the -a<id>.html CMS (Báo Cần Thơ): category h1 in div.titlecate,
# span.pubdate, the headline h1 right before #newscontents, no sapo (the description is the
# start of a body paragraph), a right-aligned closing signature split by <br>, "Đọc thêm" cards.
CT_PAGE = f"""<!DOCTYPE html><html lang="vi"><head>
<title>Rau xanh mùa mưa - Báo Cần Thơ Online</title>
<meta name="Description" content="+ Rau ăn lá:" />
<base href="https://baocantho.com.vn/static/templates/version1/homepage/" />
<link rel="canonical" href="{CT_URL}" />
<meta property="og:title" content="Rau xanh mùa mưa" />
<meta property="og:description" content="+ Rau ăn lá:" />
<script type="application/ld+json">{{"@context": "https://schema.org/", "@type": "NewsArticle",
 "name": "Rau xanh mùa mưa", "datePublished": "2010-03-05", "description": "+ Rau ăn lá:"}}
</script></head><body>
<div class="wapperheader"><nav class="nav-main"><ul class="clearfix">
<li><a href="https://baocantho.com.vn/thoi-su/">Thời sự</a></li>
<li><a href="https://baocantho.com.vn/y-te/">Y tế</a></li></ul></nav></div>
<div class="wappercontainer"><div class="container"><div class="row"><div id="content">
<div id="colcate1">
 <div class="titlecate"><h1><a href="https://baocantho.com.vn/news/y-te/">Y tế</a>
  <span class="fw400"> > <a
   href="https://baocantho.com.vn/y-te/dinh-duong/">Dinh dưỡng</a>
  </span></h1></div>
 <div id="clear" class="sharemxh detail-fb-like-share">
  <span class="pubdate 128">05/03/2010 - 08:15</span>
  <div class="fright"><a class="ashare btn-facebook" href="#"> Chia sẻ Facebook</a></div>
 </div>
 <h1 class="margintopbot10 fw700">Rau xanh mùa mưa</h1>
 <div id="clear"></div>
 <div id="newscontents">
 <div class="content-fck slider-jsgallery 171">
 <img class="zoomimg" alt="" src="https://baocantho.com.vn/image/news/2010/rau.jpg" align="right">
 <p align="justify">Mùa mưa là lúc nhiều loại rau xanh cho năng suất cao, giá mềm hơn.</p>
 <p align="justify"><strong>+ Rau ăn lá:</strong> Rau muống, cải ngọt, mồng tơi, rau dền.</p>
 <p align="justify"><strong>+ Rau ăn quả:</strong> Bí đao, mướp, đậu bắp, dưa leo.</p>
 <div class="AMN_res_mid"></div><p align="right"><strong>T.L<br>
 (Theo Sức khỏe gia đình)<br></strong></p></div>
 </div>
 <div class="col-xs-12 detail-related"><div class="row">
  <div class="col-xs-12 related-title"><div class="catename"><span class="cate-title">
   <a class="cate1" href="javascript:void(0);">Đọc thêm</a></span></div></div>
  <ul class="related-list">
   <li class="related-item col-xs-12 col-sm-4 "><div class="news-img-top">
    <a class="b-img" title="Ăn rau đúng cách"
     href="https://baocantho.com.vn/an-rau-dung-cach-a51200.html">
     <div class="overflow-5x3"><img src="https://baocantho.com.vn/image/a.webp"
      alt="Ăn rau đúng cách"/></div></a>
    <div class="b-content"><a title="Ăn rau đúng cách"
     href="https://baocantho.com.vn/an-rau-dung-cach-a51200.html">
     <h3 class="b-title">Ăn rau đúng cách&nbsp;<span class="sprite icophoto"></span></h3></a></div>
   </div></li>
  </ul></div></div>
</div></div></div></div></div></body></html>"""


def test_older_template_is_the_anphp_family_with_its_byline_date_and_section() -> None:
    article, used = extract_with_info(CT_PAGE, CT_URL, crawled_at="2026-11-30T00:00:00Z")
    assert used == "family:anphp"
    assert article.title == "Rau xanh mùa mưa"
    # The visible day-first time, not the JSON-LD bare date.
    assert article.published_at == "2010-03-05T08:15:00+07:00"
    assert article.section == "Dinh dưỡng"
    # The right-aligned signature leaves the body; dotted initials sign a person.
    assert article.authors == ["T.L"]
    assert article.body.split("\n\n")[-1].startswith("+ Rau ăn quả:")
    assert "Theo Sức khỏe" not in article.body
    # The description only repeats the start of a body paragraph: no lead.
    assert not article.lead
    assert [r["title"] for r in article.related] == ["Ăn rau đúng cách"]


def test_detect_needs_the_fck_body_under_a_headline() -> None:
    from parsel import Selector
    assert anphp.detect(Selector(text=CT_PAGE))
    no_h1 = CT_PAGE.replace('<h1 class="margintopbot10 fw700">Rau xanh mùa mưa</h1>', "") \
        .replace("<div class=\"titlecate\"><h1>", "<div class=\"titlecate\"><div>") \
        .replace("</span></h1></div>", "</span></div></div>")
    assert not anphp.detect(Selector(text=no_h1))
    assert not anphp.detect(Selector(text=CT_PAGE.replace('id="newscontents"', 'id="x"')))


def test_a_description_that_opens_a_paragraph_is_no_lead() -> None:
    assert is_excerpt("+ Rau ăn lá:", ["Mở đầu.", "+ Rau ăn lá: Rau muống."])
    assert is_excerpt("Mùa mưa là lúc nhiều loại rau...", ["Mùa mưa là lúc nhiều loại rau xanh."])
    assert not is_excerpt("Một sapo riêng của bài.", ["Mùa mưa là lúc nhiều loại rau xanh."])
    assert not is_excerpt("Câu giống hệt.", ["Câu giống hệt."])


# The Explus CMS (giadinhonline.vn): JSON-LD printed with the description's line break raw
# inside the string, the author Person named after the reprint's source, and the site
# header's clock ("Thứ bảy, 05/09/2026 17:09": the day the page was served) above the story.
EX_URL = "https://giadinhonline.vn/an-sang-dung-gio-d170001.html"
EX_PAGE = f"""<!DOCTYPE html><html lang="vi"><head>
<meta property="og:type" content="article" />
<meta property="og:title" content="Ăn sáng đúng giờ" />
<link rel="canonical" href="{EX_URL}"><meta property="article:section" content="News" />
<script type="application/ld+json">
 {{ "@context": "http://schema.org", "@type": "NewsArticle", "mainEntityOfPage": "{EX_URL}",
  "headline": "Ăn sáng đúng giờ", "datePublished": "2021-03-02T07:15:00+07:00",
  "description": "Bữa sáng đúng giờ giúp cơ thể khỏe hơn.
",
  "author": {{ "@type": "Person", "name": "Theo Sức khỏe Đời sống" }} }}
</script><title>Ăn sáng đúng giờ</title>
<meta name="description" content="Bữa sáng đúng giờ giúp cơ thể khỏe hơn.
" /></head><body>
<article><div class="time-weather__time"><strong>Thứ bảy, 05/09/2026 17:09</strong></div></article>
<article><div class="w-1140 main-content1 detail-bg-white">
<div class="category-list-t"><div class="category-text">
 <div class="category-text-dad"><a href="https://giadinhonline.vn/suc-khoe/">Sống +</a></div>
 <div class="category-text-list active"><a
  href="https://giadinhonline.vn/dinh-duong/">Dinh dưỡng</a>
 </div></div></div>
<div class="detail-content padding-15">
 <h1 class="fs-32 h1-robo f-600 detail-title">Ăn sáng đúng giờ</h1>
 <p><h2 class="f-600 intro">Bữa sáng đúng giờ giúp cơ thể khỏe hơn.</h2></p>
 <div class="content_detail_news" id="explus-editor">
 <p style="text-align: justify;">Nhiều người bỏ bữa sáng vì vội đi làm, đi học mỗi ngày.</p>
 <p style="text-align: justify;">Chuyên gia khuyên ăn sáng trong vòng một giờ sau khi thức.</p>
 <p style="text-align: justify;">Bữa sáng nên có đủ tinh bột, chất đạm, rau xanh và trái cây,
 uống thêm một cốc nước ấm để cơ thể tỉnh táo và hệ tiêu hóa bắt đầu làm việc nhẹ nhàng.</p>
 <p style="text-align: justify;">Người bận rộn có thể chuẩn bị từ tối hôm trước những món đơn
 giản như cháo yến mạch, trứng luộc hay bánh mì nguyên cám để không phải bỏ bữa.</p>
 <p style="text-align: justify;">Ăn sáng quá muộn, sát giờ ăn trưa, khiến hai bữa dồn vào nhau
 và dễ gây đầy bụng, khó tiêu, nhất là ở người cao tuổi và trẻ nhỏ.</p>
 </div>
 <div class="detail-author h1-ari">Theo Sức khỏe Đời sống &nbsp;</div>
</div></div></article></body></html>"""


def test_jsonld_with_raw_line_breaks_is_read_and_a_source_is_no_author() -> None:
    article, _ = extract_with_info(EX_PAGE, EX_URL, crawled_at="2026-11-30T00:00:00Z")
    # JSON-LD's datePublished, not the header clock of the day the page was served.
    assert article.published_at == "2021-03-02T07:15:00+07:00"
    assert article.authors == []
    assert article.lead == "Bữa sáng đúng giờ giúp cơ thể khỏe hơn."
    assert article.body.startswith("Nhiều người bỏ bữa sáng")
    assert "Theo Sức khỏe" not in article.body


# A video story in the shape of laodong.vn's media template: AngularJS markup with end tags
# left out, a <video> where the text would be, the sapo in div.chappeau (its <p> unclosed), an
# upper-case two-person byline, a JSON-LD breadcrumb ending with the page itself, and an
# unheaded related strip of article cards.
LD_URL = "https://laodong.vn/video-xa-hoi/mua-lu-dau-mua-1300001.ldo"
LD_PAGE = f"""<!DOCTYPE html><html lang="vi"><head>
<meta property="article:published_time" content="2024-05-02T07:10:05+07:00">
<meta property="article:section" content="Xã hội"><title>Mưa lũ đầu mùa</title>
<meta name="description"
 content=" Mưa lớn kéo dài khiến nhiều tuyến đường ngập sâu, người dân vất vả di chuyển. ">
<meta property="og:type" content="article"><meta property="og:title" content="Mưa lũ đầu mùa">
<link rel="canonical" href="{LD_URL}">
<script type="application/ld+json">[{{"@context":"https://schema.org","@type":"BreadcrumbList",
"itemListElement":[{{"@type":"ListItem","position":1,"item":{{"@id":"https://laodong.vn/video",
"name":"Video"}}}},{{"@type":"ListItem","position":2,"item":{{"@id":"https://laodong.vn/video-xa-hoi",
"name":"Xã hội"}}}},{{"@type":"ListItem","position":3,"item":{{"@id":"{LD_URL}",
"name":"Mưa lũ đầu mùa"}}}}]}},{{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"Mưa lũ đầu mùa","datePublished":"2024-05-02T07:10:05+07:00",
"video":[{{"@type":"VideoObject","name":"Mưa lũ đầu mùa"}}],
"author":[{{"@type":"Person","name":"HẢI AN - MINH THU"}}]}}]</script>
<body ng-app="web-app"><div ng-controller="MainCtrl as vm"><header id="site-header">
<nav><ul class="lst-mn"><li class="item"><a class="link" href="https://laodong.vn/video">Video</a>
<li class="item"><a class="link" href="https://laodong.vn/photo">Photo</a></ul></nav></header>
<div class="body-content"><div class="b-center"><div class="page-chi-tiet-tin ctt-video">
<div class="video-content"><div class="video-wrap"><video id="video-1300001" poster="https://media-cdn-v2.laodong.vn/a.jpg"
 controls><source src="https://media-cdn-v2.laodong.vn/a.mp4" type="video/mp4"></video></div></div>
<div class="blk-c2-01"><div class="pl"><article class="article-detail v4">
<h1 class="title">Mưa lũ đầu mùa</h1>
<div class="art-info"><div class="info"><span class="authors">HẢI AN - MINH THU</span>
 <span class="time"> Thứ năm, 02/05/2024 07:10 (GMT+7) </span></div></div>
<div class="chappeau"><p>Mưa lớn kéo dài khiến nhiều tuyến đường ngập sâu, người dân vất vả
 di chuyển.</div>
<div class="art-footer"><div class="lst-tags"><div class="content">
<a href="/tags/mua-lu-1.ldo">Mưa lũ</a> <a href="/tags/ngap-ung-2.ldo">Ngập úng</a>
</div></div></div>
</article>
<div class="blk-tin-lien-quan"><div class="content d-flex">
<article class="v4 nm-media pc3 item"><a class="link-title"
 href="https://laodong.vn/ban-tin/nuoc-song-dang-cao-1299001.ldo"><h2 class="title">Nước sông
 dâng cao
 sau mưa lớn nhiều ngày</h2></a></article>
<article class="v4 nm-media pc3 item"><a class="link-title"
 href="https://laodong.vn/xa-hoi/canh-bao-sat-lo-dat-1298001.ldo"><h2 class="title">Cảnh báo sạt lở
 đất ở vùng núi phía Bắc</h2></a></article>
</div></div></div></div></div></div></div></div></body></html>"""


def test_a_video_story_with_no_text_block_is_an_article() -> None:
    article, used = extract_with_info(LD_PAGE, LD_URL, crawled_at="2026-11-30T00:00:00Z")
    assert used == "generic:media-story"
    assert article.title == "Mưa lũ đầu mùa"
    assert article.lead.startswith("Mưa lớn kéo dài")
    assert article.body == article.lead  # the sapo is all a reader reads besides the player
    assert article.authors == ["HẢI AN", "MINH THU"]
    assert article.published_at == "2024-05-02T07:10:05+07:00"
    assert article.section == "Xã hội"  # the breadcrumb's last item is the page itself
    assert article.tags == ["Mưa lũ", "Ngập úng"]
    assert {r["title"] for r in article.related} >= {"Cảnh báo sạt lở đất ở vùng núi phía Bắc"}


def test_the_media_layer_forgets_the_page_it_read() -> None:
    """The related-box search remembers link titles per page; the media layer (the last one
    the dispatch runs) drops them when done, so no page's tree outlives its extraction."""
    from crawler.extract.generic import related
    from crawler.extract.media_story import extract

    raw = extract(LD_PAGE, LD_URL)
    assert raw["related"]  # the related strip was read, through _anchor_title
    assert not related._TITLES


def test_a_media_story_needs_the_headline_as_h1_and_a_medium() -> None:
    import pytest

    from crawler.extract.base import NotAnArticle
    from crawler.extract.media_story import extract

    no_video = LD_PAGE.replace("<video", "<div").replace("</video>", "</div>") \
        .replace('"video":[{"@type":"VideoObject","name":"Mưa lũ đầu mùa"}],', "")
    with pytest.raises(NotAnArticle, match="video"):
        extract(no_video, LD_URL)
    other_h1 = LD_PAGE.replace('<h1 class="title">Mưa lũ đầu mùa</h1>',
                               '<h1 class="title">Tin video mới nhất hôm nay</h1>')
    with pytest.raises(NotAnArticle, match="h1"):
        extract(other_h1, LD_URL)


def test_a_byline_box_with_avatar_initial_and_time_gives_the_name() -> None:
    """vneconomy.vn's 2026 byline box: an avatar letter, the name (trailing space) and the
    time, all inside one author-marked element."""
    from crawler.text import split_authors

    box = ('<div class="article-meta__author"><div class="article-meta__avatar" '
           'data-field="author"><span class="author-credit__avatar">M</span>'
           '<span class="article-meta__name">Minh Châu </span></div>'
           '<div class="article-meta__content"><time class="article-meta__time">'
           '10:05, 12/08/2026</time></div></div>')
    from parsel import Selector
    text = " ".join(" ".join(Selector(text=box).xpath("//text()").getall()).split())
    assert split_authors(text) == ["Minh Châu"]
    assert split_authors("Lan Hương | 8h30 ngày 2/9/2026") == ["Lan Hương"]
