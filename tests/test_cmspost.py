"""The cms-post family extractor (crawler/sites/cmspost.py) on real pages and on the forms
its real pages use: bylines, tags, related boxes found by what they are, captions, photo
stories.

The real pages and their truth files live in ``$SHARED_DIR/html`` (skipped when absent).
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from crawler.extract.base import NotAnArticle
from crawler.extraction import extract_with_info
from crawler.items import Article
from crawler.sites import get_profile
from crawler.sites._cmspost_boxes import fold
from crawler.sites.cmspost import VERIFIED_ON, extract

CRAWLED_AT = "2026-11-30T00:00:00Z"


def norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


def paragraphs(article: Article) -> list[str]:
    return [p for p in article.body.split("\n\n") if p]


# --- real pages ----------------------------------------------------------------------------

@pytest.fixture(scope="module", params=VERIFIED_ON)
def real(request: pytest.FixtureRequest, shared: Path) -> tuple[dict, Article, str]:
    name = request.param
    truth = json.loads((shared / "html" / "truth" / name.replace(".html", ".json"))
                       .read_text("utf-8"))
    page = (shared / "html" / name).read_bytes()
    # The family extractor itself, whatever profile or detector the dispatch would pick.
    article, used = extract_with_info(page, truth["url"], crawled_at=CRAWLED_AT,
                                      profile=get_profile("nhandan")
                                      if "nhandan" in name else None)
    if not used.startswith(("profile:nhandan", "profile:tienphong", "family:cms-post")):
        # Dispatch changed hands (another family claims the page): still check our extractor.
        from crawler.extract.clean import clean_article, raw_to_article

        raw = extract(page, truth["url"])
        raw.setdefault("article_id", None)
        article = clean_article(raw_to_article(raw, crawled_at=CRAWLED_AT))
    return truth, article, used


def test_real_page_text_fields(real: tuple[dict, Article, str]) -> None:
    truth, art, _ = real
    assert norm(art.title) == norm(truth["title"])
    assert (art.published_at or "")[:16] == truth["published"][:16]
    if truth.get("lead_start"):
        assert norm(art.lead).startswith(norm(truth["lead_start"]))
    paras = paragraphs(art)
    assert norm(paras[0]).startswith(norm(truth["first_para_start"]))
    assert norm(paras[-1]).startswith(norm(truth["last_para_start"]))
    # Truth counts prose paragraphs (subheads excluded): a little slack for those.
    assert truth["paragraphs"] <= len(paras) <= truth["paragraphs"] + 2


def test_real_page_bylines_tags_section(real: tuple[dict, Article, str]) -> None:
    truth, art, _ = real
    assert art.authors == truth["authors"]
    assert art.tags == truth["tags"]
    assert norm(art.section) == norm(truth["section"].split(" > ")[-1])


def test_real_page_body_holds_nothing_else(real: tuple[dict, Article, str]) -> None:
    truth, art, _ = real
    body = norm(art.body)
    for text in truth["forbidden"] + truth["captions"]:
        assert norm(text) not in body, text
    captions = [norm(i["caption"]) for i in art.images if i.get("caption")]
    for caption in truth["captions"]:
        assert norm(caption) in captions
    for author in truth["authors"]:
        assert not any(norm(p) == norm(author) for p in paragraphs(art))


def test_real_page_related_boxes(real: tuple[dict, Article, str]) -> None:
    truth, art, _ = real
    titles = [norm(r["title"]) for r in art.related]
    assert [t for t in titles if t in {norm(x) for x in truth["related_titles"]}]
    for title in truth["related_titles"]:
        assert norm(title) in titles
    # Section boxes ("Có thể bạn quan tâm", "Tin cùng chuyên mục") are not this article's.
    assert len(art.related) <= len(truth["related_titles"]) + 1


# --- forms met on the family's pages, in small pages ---------------------------------------

URL = "https://baolaocai.vn/mot-bai-bao-post123456.html"


def page(body: str, after: str = "", head: str = "") -> str:
    return (
        f"<html><head>{head}</head><body><div class='article'>"
        "<h1 class='article__title'>Tiêu đề bài báo</h1>"
        "<div class='article__sapo'>(Baolaocai.vn) - Lời dẫn của bài.</div>"
        f"<div class='article__body' itemprop='articleBody'>{body}</div>{after}</div>"
        "</body></html>"
    )


STORIES = "".join(
    f"<article class='story'><h3 class='story__heading'><a href='/tin-{i}-post{i}.html'>"
    f"Tin số {i} về một chuyện dài</a></h3></article>" for i in range(1, 4)
)


def test_fold_normalises_headings() -> None:
    nfd = unicodedata.normalize("NFD", "Tin cùng chuyên mục")
    assert fold(nfd) == fold("TIN CÙNG CHUYÊN MỤC:") == "tin cung chuyen muc"
    assert fold("Đọc thêm »") == "doc them"


def test_t1_t2_byline_leaves_the_body() -> None:
    raw = extract(page("<p>Đoạn một của bài.</p><p>Đoạn hai của bài.</p>"
                       "<div class='t1'><span class='t2'>Anh Dũng</span></div>"), URL)
    assert raw["paragraphs"] == ["Đoạn một của bài.", "Đoạn hai của bài."]
    assert raw["authors"] == ["Anh Dũng"]


def test_tags_box_wins_over_meta_keywords_and_metas_split() -> None:
    head = ('<meta name="keywords" content="Thiếu tá Đoàn Thị Hạnh, Lào Cai">'
            '<meta property="article:tag" content="Thiếu tá Đoàn Thị Hạnh,Lào Cai">')
    boxed = extract(page("<p>Đoạn.</p>", "<div class='article__tags'><span>Từ khóa:</span>"
                         "<a href='/tu-khoa/a'>#Lào Cai</a> <a href='/tu-khoa/b'>công an</a>"
                         "</div>", head), URL)
    assert boxed["tags"] == ["Lào Cai", "công an"]
    bare = extract(page("<p>Đoạn.</p>", "", head), URL)
    assert bare["tags"] == ["Thiếu tá Đoàn Thị Hạnh", "Lào Cai"]


def test_timeline_boxes_are_related_only_when_no_own_box() -> None:
    suggest = (f"<section class='suggest'><h3 class='box-heading'>Có thể bạn quan tâm</h3>"
               f"<div class='box-content'>{STORIES}</div></section>")
    own = ("<div class='box-category'><h3><span class='title'>Tin liên quan</span></h3>"
           "<article class='story'><h3 class='story__heading'><a href='/rieng-post9.html'>"
           "Bài liên quan riêng của bài này</a></h3></article></div>")
    alone = extract(page("<p>Đoạn.</p>", suggest), URL)
    assert [r["title"] for r in alone["related"]] == [f"Tin số {i} về một chuyện dài"
                                                       for i in range(1, 4)]
    both = extract(page("<p>Đoạn.</p>", own + suggest), URL)
    assert [r["url"] for r in both["related"]] == ["https://baolaocai.vn/rieng-post9.html"]


def test_inline_boxes_leave_the_body_for_related() -> None:
    body = ("<p>Đoạn một của bài.</p>"
            "<div class='box-inline'><p><strong>Dòng sự kiện</strong></p>"
            "<ul><li><a href='/su-kien-mot-post1100011.html'>Sự kiện thứ nhất đã diễn ra</a></li>"
            "<li><a href='/su-kien-hai-post1100012.html'>Sự kiện thứ hai vừa diễn ra</a></li></ul>"
            "</div><p>Đoạn hai của bài.</p>")
    raw = extract(page(body), URL)
    assert raw["paragraphs"] == ["Đoạn một của bài.", "Đoạn hai của bài."]
    assert [r["url"] for r in raw["related"]] == [
        "https://baolaocai.vn/su-kien-mot-post1100011.html",
        "https://baolaocai.vn/su-kien-hai-post1100012.html",
    ]


def test_photo_story_keeps_its_captions_as_body() -> None:
    body = "".join(
        f"<figure><img src='https://cdn.example.vn/{i}.jpg'><figcaption>Chú thích dài số {i}"
        "</figcaption></figure>" for i in range(1, 4)
    )
    raw = extract(page(body), URL)
    assert raw["paragraphs"] == [f"Chú thích dài số {i}" for i in range(1, 4)]
    assert [i["caption"] for i in raw["images"]] == [None, None, None]


def test_photocms_and_attribute_captions_go_to_images() -> None:
    body = ("<p>Đoạn một.</p><div class='VCSortableInPreviewMode' type='Photo'><div>"
            "<img src='https://cdn.example.vn/a.jpg'></div><div class='PhotoCMS_Caption'>"
            "<p>Chú thích A</p></div></div>"
            "<figure class='article__avatar'><img src='https://cdn.example.vn/b.jpg' "
            "cms-photo-caption='Chú thích B'></figure><p class='imgdesc'>Chú thích B</p>"
            "<p>Đoạn hai.</p>")
    raw = extract(page(body), URL)
    assert raw["paragraphs"] == ["Đoạn một.", "Đoạn hai."]
    assert [i["caption"] for i in raw["images"]] == ["Chú thích A", "Chú thích B"]


def test_a_page_without_body_is_refused() -> None:
    with pytest.raises(NotAnArticle):
        extract("<html><body><h1 class='article__title'>Video</h1></body></html>", URL)


def test_photo_story_with_an_intro_keeps_captions_in_order() -> None:
    caption = "Chú thích dài số {} kể tiếp câu chuyện của phóng sự ảnh, đủ một câu trọn vẹn."
    body = "<p>Mở đầu ngắn.</p>" + "".join(
        f"<figure><img src='https://cdn.example.vn/{i}.jpg'><figcaption>{caption.format(i)}"
        "</figcaption></figure>" for i in range(1, 4)
    )
    raw = extract(page(body), URL)
    assert raw["paragraphs"] == ["Mở đầu ngắn."] + [caption.format(i) for i in range(1, 4)]
    assert [i["caption"] for i in raw["images"]] == [None, None, None]


def test_heading_paragraph_in_the_body_takes_only_its_link_paragraphs() -> None:
    prose = ("Đoạn văn thường có một <a href='/mot-bai-khac-post1200001.html'>liên kết tới một "
             "bài khác trong câu</a> và nhiều chữ khác quanh liên kết đó nữa.")
    body = (f"<p>Đoạn một của bài.</p><p><strong>Xem thêm:</strong></p>"
            "<p><a href='/bai-xem-them-mot-post1200002.html'>Bài xem thêm thứ nhất rất dài</a></p>"
            "<p><a href='/bai-xem-them-hai-post1200003.html'>Bài xem thêm thứ hai rất dài</a></p>"
            f"<p>{prose}</p>"
            "<p><strong>Đọc thêm:</strong> <a href='/doc-them-post1200004.html'>Một bài đọc "
            "thêm nằm ngay trong dòng</a></p><p>Đoạn cuối của bài.</p>")
    raw = extract(page(body), URL)
    assert raw["paragraphs"][0] == "Đoạn một của bài."
    assert raw["paragraphs"][1].startswith("Đoạn văn thường có một liên kết")
    assert raw["paragraphs"][2:] == ["Đoạn cuối của bài."]
    assert [r["url"].rsplit("-", 1)[1] for r in raw["related"]] == [
        "post1200002.html", "post1200003.html", "post1200004.html"]
