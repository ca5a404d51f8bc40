"""crawler.truth checks on tiny synthetic truths (each can fail), the --truth command, and the
gate over the real pages' truth files ($SHARED_DIR/html/truth; skipped when absent) with floors
pinned at the figures measured when the scorer was written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.evaluate import main
from crawler.truth import (
    Extracted,
    check_authors,
    check_captions_found,
    check_captions_out,
    check_first_para,
    check_forbidden,
    check_last_para,
    check_lead,
    check_link_count,
    check_links,
    check_next_page,
    check_para_count,
    check_published,
    check_refused,
    check_related,
    check_section,
    check_tags,
    check_title,
    overall,
    pass_rates,
    score,
)
from crawler.truth_eval import evaluate_truth, truth_figures

ARTICLE = {
    "kind": "article", "title": "Giá vàng “tăng” mạnh", "published": "2026-07-16T08:46:00+07:00",
    "published_alt": "2026-07-16T10:46:00+07:00", "authors": ["Anh Dũng"],
    "authors_alt": ["Anh Dũng", "Minh Hà"], "lead_start": "Sáng nay giá vàng",
    "first_para_start": "Người dân đổ xô", "last_para_start": "Theo dự báo",
    "paragraphs": 5, "captions": ["Khách mua vàng (Ảnh: T.L)"],
    "forbidden": ["Đọc thêm: Giá xăng giảm"],
    "related_titles": ["Giá xăng giảm", "Giá điện tăng", "Giá gas ổn định", "Giá gạo tăng",
                       "Giá thép giảm"],
    "tags": ["giá vàng", "SJC"], "section": "Kinh tế > Thị trường",
}
GOOD = Extracted(
    title="GIÁ VÀNG \"TĂNG\"  MẠNH", published="2026-07-16T01:46:30Z", authors=["anh dũng"],
    lead="Sáng nay giá vàng SJC tăng", paragraphs=["Người dân đổ xô đi mua", "b", "c", "d",
                                                   "Theo dự báo, giá còn tăng"],
    captions=["Khách mua vàng (Ảnh: T.L)"],
    related_titles=["Giá xăng giảm", "Giá điện tăng", "Giá gas ổn định", "Giá gạo tăng"],
    tags=["Giá vàng,", "sjc"], section="Thị trường")


def test_every_check_passes_a_correct_extraction() -> None:
    s = score(ARTICLE, GOOD)
    assert all(v is True for v in s.values()), s


def test_title_is_compared_normalised_but_not_loosely() -> None:
    assert check_title(ARTICLE, Extracted(title="Giá vàng tăng mạnh")) is False  # quotes lost
    assert check_title(ARTICLE, Extracted(title="Giá vàng “tăng” mạnh - Báo X")) is False


def test_published_is_the_same_instant_within_a_minute() -> None:
    assert check_published(ARTICLE, Extracted(published="2026-07-16T08:46:59+07:00")) is True
    assert check_published(ARTICLE, Extracted(published="2026-07-16T08:48:00+07:00")) is False
    # The machine-readable alternative is not accepted, nor a bare date, nor day/month swapped.
    assert check_published(ARTICLE, Extracted(published="2026-07-16T10:46:00+07:00")) is False
    assert check_published(ARTICLE, Extracted(published="2026-07-16")) is False
    assert check_published({**ARTICLE, "published": "2026-01-08T10:02:00+07:00"},
                           Extracted(published="2026-08-01T10:02:00+07:00")) is False
    # A time without a zone is Vietnamese time.
    assert check_published(ARTICLE, Extracted(published="2026-07-16T08:46:00")) is True


def test_authors_are_a_set_with_one_alternative() -> None:
    assert check_authors(ARTICLE, Extracted(authors=["Minh Hà", "Anh Dũng"])) is True
    assert check_authors(ARTICLE, Extracted(authors=["Anh Dũng", "PV"])) is False
    assert check_authors(ARTICLE, Extracted()) is False
    no_byline = {"authors": [], "authors_alt": ["PV/VOV.VN"]}
    assert check_authors(no_byline, Extracted()) is True
    assert check_authors(no_byline, Extracted(authors=["Báo VOV"])) is False


def test_lead_starts_with_the_truth_and_a_null_lead_wants_none() -> None:
    assert check_lead(ARTICLE, Extracted(lead="(HPĐT) - Sáng nay giá vàng tăng")) is False
    assert check_lead({"lead_start": None}, Extracted(lead="")) is True
    assert check_lead({"lead_start": None}, Extracted(lead="Invented from og:description")) \
        is False


def test_first_and_last_paragraph_starts() -> None:
    caption_first = Extracted(paragraphs=["Khách mua vàng", *GOOD.paragraphs, "Anh Dũng"])
    assert check_first_para(ARTICLE, caption_first) is False
    assert check_last_para(ARTICLE, caption_first) is False  # the byline stayed in the body
    assert check_first_para(ARTICLE, Extracted()) is False


def test_paragraph_count_tolerance() -> None:
    assert check_para_count(ARTICLE, Extracted(paragraphs=["p"] * 7)) is True
    assert check_para_count(ARTICLE, Extracted(paragraphs=["p"] * 8)) is False
    assert check_para_count({"paragraphs": 30}, Extracted(paragraphs=["p"] * 24)) is True
    assert check_para_count({"paragraphs": 30}, Extracted(paragraphs=["p"] * 23)) is False


def test_captions_must_leave_the_body_and_reach_images() -> None:
    in_body = Extracted(paragraphs=["Người dân", "Khách mua vàng (Ảnh: T.L)"])
    assert check_captions_out(ARTICLE, in_body) is False
    assert check_captions_found(ARTICLE, in_body) is False
    assert check_captions_out({"captions": []}, in_body) is None
    assert check_captions_out(ARTICLE, Extracted()) is False  # no body: nothing was kept out


def test_forbidden_strings() -> None:
    assert check_forbidden(ARTICLE, Extracted(paragraphs=["x", "Đọc thêm: Giá xăng giảm"])) \
        is False
    assert check_forbidden({"forbidden": []}, GOOD) is None


def test_related_needs_most_titles() -> None:
    three = Extracted(related_titles=ARTICLE["related_titles"][:3])
    assert check_related(ARTICLE, three) is False
    assert check_related({"related_titles": []}, three) is None


def test_tags_overlap_and_no_invented_tags() -> None:
    assert check_tags(ARTICLE, Extracted(tags=["giá vàng", "SJC", "a", "b", "c"])) is False
    assert check_tags({"tags": []}, Extracted(tags=["from meta keywords"])) is False
    assert check_tags({"tags": []}, Extracted()) is True


def test_section_matches_the_breadcrumb_tail() -> None:
    assert check_section(ARTICLE, Extracted(section="Kinh tế > Thị trường")) is True
    assert check_section(ARTICLE, Extracted(section="Kinh tế")) is False
    assert check_section({"section": "THỂ THAO"}, Extracted(section="Thể thao")) is True


LIST = {"kind": "list", "article_links_sample": ["https://x.vn/a-1.html?utm_source=list",
                                                 "https://x.vn/b-2.html"],
        "article_count": 10, "next_page": "https://x.vn/thoi-su/p2"}


def test_list_checks() -> None:
    links = [f"https://x.vn/{c}-{i}.html" for i, c in enumerate("abcdefghij", 1)]
    got = Extracted(refused=True, links=links, next_page="https://x.vn/thoi-su/p2#top")
    assert all(score(LIST, got).values()), score(LIST, got)
    assert check_refused(LIST, Extracted(title="List as article")) is False
    assert check_links(LIST, Extracted(links=links[1:])) is False
    assert check_link_count(LIST, Extracted(links=links[:7])) is False
    assert check_link_count(LIST, Extracted(links=links * 2 + [f"https://x.vn/z-{i}.html"
                                                               for i in range(6)])) is False
    assert check_next_page(LIST, Extracted(links=links)) is False
    assert check_next_page({**LIST, "next_page": None}, Extracted(links=links)) is None


def test_a_refused_article_fails_every_applicable_check() -> None:
    s = score(ARTICLE, Extracted(refused=True))
    assert set(s.values()) == {False}
    assert overall([s]) == (0, 13)
    assert pass_rates([s, score(ARTICLE, GOOD)])["title"] == (1, 2)


def test_truth_command_on_a_tiny_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    page = ("<html><head><title>Giá vàng tăng - Báo X</title>"
            "<meta property='og:type' content='article'>"
            "<meta property='article:published_time' content='2026-07-16T08:46:00+07:00'>"
            "</head><body><h1>Giá vàng tăng mạnh hôm nay</h1><div class='detail-content'>"
            + "".join(f"<p>Đoạn văn số {i} nói về giá vàng trong nước và thế giới hôm nay, "
                      "người dân đổ xô đi mua.</p>" for i in range(6))
            + "</div></body></html>")
    (tmp_path / "x.html").write_text(page, "utf-8")
    truth_dir = tmp_path / "truth"
    truth_dir.mkdir()
    (truth_dir / "x.json").write_text(json.dumps({
        "name": "x", "file": "x.html", "site": "unknown-site.vn", "kind": "article",
        "url": "https://unknown-site.vn/gia-vang-12345.html",
        "title": "Giá vàng tăng mạnh hôm nay", "published": "2026-07-16T08:46:00+07:00",
        "first_para_start": "Đoạn văn số 0", "last_para_start": "Đoạn văn số 9",
        "paragraphs": 6}), "utf-8")
    assert main(["--truth", str(truth_dir), "--no-trafilatura", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    page_scores = figures["pages"][0]["ours"]
    assert figures["pages"][0]["used"] == "generic"
    assert page_scores["title"] and page_scores["published"] and page_scores["first_para"]
    assert page_scores["last_para"] is False  # the page ends with paragraph 5, not 9
    assert figures["overall"]["ours"] == [4, 5]
    assert main(["--truth", str(tmp_path / "absent")]) == 2


# --- the gate over the real pages' truth ------------------------------------------------------

# Floors (checks passed, ours) measured on 2026-11-30 over 18 truth files (16 articles,
# 2 lists), trafilatura 2.3.1 beside: overall 201/201 against trafilatura's 91/197 (46%);
# the session started at 99/201 (49%). They only go up as extraction improves.
FLOORS = {"title": 16, "published": 16, "authors": 16, "lead": 16, "first_para": 16,
          "last_para": 16, "para_count": 16, "captions_out": 11, "captions_found": 11,
          "forbidden": 16, "related": 13, "tags": 16, "section": 16, "refused": 2, "links": 2,
          "link_count": 2}
MIN_OVERALL = 201
# The generic layer alone, as a site no profile or family knows gets it: every truth article
# through crawler.extract.generic (profiles and families switched off). 195/195 article
# checks when measured; the floor leaves room for one miss.
MIN_GENERIC_ARTICLE_CHECKS = 194


def test_real_pages_truth_meets_pinned_floors(shared: Path) -> None:
    truth_dir = shared / "html" / "truth"
    if not truth_dir.is_dir():
        pytest.skip(f"{truth_dir} is absent: no ground truth for real pages in this clone")
    results = evaluate_truth(truth_dir, with_trafilatura=False)
    figures = truth_figures(results)
    assert len(results) >= 18
    low = {c: (figures["checks"][c]["ours"][0], floor) for c, floor in FLOORS.items()
           if figures["checks"][c]["ours"][0] < floor}
    assert not low, f"checks below their floor (passed, floor): {low}"
    assert figures["overall"]["ours"][0] >= MIN_OVERALL, figures["overall"]


def test_generic_layer_alone_on_real_pages(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What an unseen site gets: the truth articles with no profile and no family."""
    import crawler.sites.dispatch as dispatch

    truth_dir = shared / "html" / "truth"
    if not truth_dir.is_dir():
        pytest.skip(f"{truth_dir} is absent: no ground truth for real pages in this clone")
    monkeypatch.setattr(dispatch, "profile_for_url", lambda url, profiles=None: None)
    monkeypatch.setattr(dispatch, "detect_family", lambda sel: None)
    results = [r for r in evaluate_truth(truth_dir, with_trafilatura=False)
               if r.kind == "article"]
    assert len(results) >= 16
    assert all(r.used == "generic" for r in results), [r.used for r in results]
    passed = sum(1 for r in results for v in r.ours.values() if v is True)
    failed = [(r.name, k) for r in results for k, v in r.ours.items() if v is False]
    assert passed >= MIN_GENERIC_ARTICLE_CHECKS, failed
