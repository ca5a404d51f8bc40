"""Table-driven tests for crawler.text."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.text import (
    FINGERPRINT_VERSION,
    VN_TZ,
    ZERO_WIDTH,
    body_fingerprint,
    canonical_tone_form,
    fingerprint_text,
    is_caption_credit,
    is_image_filename_line,
    join_paragraphs,
    normalize_paragraphs,
    normalize_text,
    parse_vn_datetime,
    split_authors,
    strip_dateline,
    to_iso,
    utc_now_iso,
)

# ---------------------------------------------------------------------------
# normalize_text and paragraphs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  xin   chào  ", "xin chào"),
        ("a\tb\nc\r\nd", "a b c d"),
        ("a\u00a0b\u202fc\u2007d", "a b c d"),
        ("a\u3000b", "a b"),
        ("thu\u200bế\u200c\u200d\u2060\ufeff", "thuế"),
        ("đa\u00adnăng", "đanăng"),
        ("&quot;Hà Tĩnh&quot;", '"Hà Tĩnh"'),
        ("&amp;quot;Hà Tĩnh&amp;quot;", '"Hà Tĩnh"'),
        ("&#7889;c &#x110;", "ốc Đ"),
        ("R&D và AT&T", "R&D và AT&T"),
        ("a&copy=b", "a&copy=b"),
        ("\u00d0à Nẵng \u00f0ã", "Đà Nẵng đã"),
        ("Hoa\u0300 Bi\u0300nh", "Hoà Bình"),
        ("tie\u0302\u0301ng Vie\u0323\u0302t", "tiếng Việt"),
        ("a\x00b\x1fc", "a b c"),
        ("", ""),
        ("\u200b \u00a0", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["&amp;quot;x", " Ð\u00a0\u200b a \n b ", "Hoa\u0300", "&amp;lt;b&amp;gt;", "&#\u200b8203;x"],
)
def test_normalize_text_is_idempotent(raw: str) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)


def test_zero_width_constant() -> None:
    assert frozenset({"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}) == ZERO_WIDTH


@pytest.mark.parametrize(
    ("paras", "expected"),
    [
        ([" a\u00a0 b ", "\u200b", "", "c"], ["a b", "c"]),
        ([], []),
        (["\n\t"], []),
        (iter(["x", " y "]), ["x", "y"]),
    ],
)
def test_normalize_paragraphs(paras: list[str], expected: list[str]) -> None:
    assert normalize_paragraphs(paras) == expected


@pytest.mark.parametrize(
    ("paras", "expected"),
    [(["a", "b", "c"], "a\n\nb\n\nc"), (["a"], "a"), ([], "")],
)
def test_join_paragraphs(paras: list[str], expected: str) -> None:
    assert join_paragraphs(paras) == expected


# ---------------------------------------------------------------------------
# canonical_tone_form
# ---------------------------------------------------------------------------

# (new style "kiểu mới", old style "kiểu cũ", expected key = old style lower-cased)
TONE_PAIRS = [
    ("hoà", "hòa", "hòa"),  # huyền
    ("hoá", "hóa", "hóa"),  # sắc
    ("hoả", "hỏa", "hỏa"),  # hỏi
    ("xoã", "xõa", "xõa"),  # ngã
    ("hoạ", "họa", "họa"),  # nặng
    ("thuỳ", "thùy", "thùy"),
    ("thuý", "thúy", "thúy"),
    ("thuỷ", "thủy", "thủy"),
    ("luỹ", "lũy", "lũy"),
    ("thuỵ", "thụy", "thụy"),
    ("xoè", "xòe", "xòe"),
    ("loé", "lóe", "lóe"),
    ("khoẻ", "khỏe", "khỏe"),
    ("nhoẽ", "nhõe", "nhõe"),
    ("toạ", "tọa", "tọa"),
    ("Hoà Bình", "Hòa Bình", "hòa bình"),
    ("Khánh Hoà", "Khánh Hòa", "khánh hòa"),
    ("Thanh Hoá", "Thanh Hóa", "thanh hóa"),
    ("THUỶ LỢI", "THỦY LỢI", "thủy lợi"),
    ("Uỷ ban", "Ủy ban", "ủy ban"),
    ("Tuỳ", "Tùy", "tùy"),
    ("sức khoẻ", "sức khỏe", "sức khỏe"),
    ("thoả thuận", "thỏa thuận", "thỏa thuận"),
    ("toà án", "tòa án", "tòa án"),
    ("loè loẹt", "lòe loẹt", "lòe loẹt"),
    ("hoạ sĩ", "họa sĩ", "họa sĩ"),
]


@pytest.mark.parametrize(("new_style", "old_style", "key"), TONE_PAIRS)
def test_canonical_tone_form_pairs(new_style: str, old_style: str, key: str) -> None:
    assert canonical_tone_form(new_style) == key
    assert canonical_tone_form(old_style) == key


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("hoàng", "hoàng"),
        ("Hoàng", "hoàng"),
        ("hoạch", "hoạch"),
        ("toán", "toán"),
        ("quý", "quý"),
        ("Quỳnh", "quỳnh"),
        ("quả", "quả"),
        ("giờ", "giờ"),
        ("gì", "gì"),
        ("giữ gìn", "giữ gìn"),
        ("giúp", "giúp"),
        ("thuyền", "thuyền"),
        ("Huỳnh", "huỳnh"),
        ("ngoài", "ngoài"),
        ("xoáy", "xoáy"),
        ("khuỷu", "khuỷu"),
        ("người", "người"),
        ("rượu", "rượu"),
        ("giữa", "giữa"),
        ("của", "của"),
        ("mùa", "mùa"),
        ("tài", "tài"),
        ("khuya", "khuya"),
        ("café", "café"),
        ("HÀ TĨNH 2024!", "hà tĩnh 2024!"),
        ("Hoa\u0300 Bi\u0300nh", "hòa bình"),
    ],
)
def test_canonical_tone_form_keeps_correct_words(word: str, expected: str) -> None:
    assert canonical_tone_form(word) == expected


# ---------------------------------------------------------------------------
# Fingerprints
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("«Hoà  Bình» – khoẻ, đẹp!", "hòa bình khỏe đẹp"),
        ("Hà Nội,Việt Nam", "hà nội việt nam"),
        ("  “Thuỷ”\u00a0(TTXVN)…", "thủy ttxvn"),
        ("giá 100$ + 5%", "giá 100$ + 5"),
        ("", ""),
    ],
)
def test_fingerprint_text(raw: str, expected: str) -> None:
    assert fingerprint_text(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hòa Bình khỏe.", "  hoà   bình, khoẻ "),
        ("&quot;Thủy&quot;", '"THUỶ"'),
        ("a\u200bb", "ab"),
    ],
)
def test_body_fingerprint_equal_for_equivalent_text(a: str, b: str) -> None:
    assert body_fingerprint(a) == body_fingerprint(b)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", "v1:cae66941d9efbd404e4d88758ea67670"),
        ("Hòa Bình", "v1:" + hashlib.blake2b("hòa bình".encode(), digest_size=16).hexdigest()),
    ],
)
def test_body_fingerprint_value(body: str, expected: str) -> None:
    assert body_fingerprint(body) == expected


def test_body_fingerprint_shape_and_difference() -> None:
    fp = body_fingerprint("Bão số 3")
    assert FINGERPRINT_VERSION == "v1"
    assert re.fullmatch(r"v1:[0-9a-f]{32}", fp)
    assert fp != body_fingerprint("Bão số 4")


# ---------------------------------------------------------------------------
# strip_dateline
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        ("(Baohatinh.vn) - Sáng 5/6, …", "Sáng 5/6, …"),
        ("(Baohatinh.vn) – Sáng nay", "Sáng nay"),
        ("(Baohatinh.vn)- Sáng nay", "Sáng nay"),
        ("(Báo Hà Tĩnh) - Sáng nay", "Sáng nay"),
        ("(NLĐO) - Sáng nay", "Sáng nay"),
        ("(Dân trí) - Sáng nay", "Sáng nay"),
        ("(PLO) - Sáng nay", "Sáng nay"),
        ("(Chinhphu.vn) - Sáng nay", "Sáng nay"),
        ("(ĐCSVN) - Sáng nay", "Sáng nay"),
        ("(VTC News) - Sáng nay", "Sáng nay"),
        ("TTO - Sáng nay", "Sáng nay"),
        ("NDO - Sáng nay", "Sáng nay"),
        ("SGGPO - Sáng nay", "Sáng nay"),
        ("VOV.VN - Sáng nay", "Sáng nay"),
        ("(VnExpress) - Sáng nay", "Sáng nay"),
        ("(VnExpress) — Sáng nay", "Sáng nay"),
        ("\ufeff  (Baohatinh.vn) - Sáng nay", "Sáng nay"),
        ("(Xem thêm) - bài liên quan", "(Xem thêm) - bài liên quan"),
        ("(Ảnh minh họa) - Sáng nay", "(Ảnh minh họa) - Sáng nay"),
        ("(2024) - Sáng nay", "(2024) - Sáng nay"),
        ("COVID-19 - đại dịch", "COVID-19 - đại dịch"),
        ("Hà Nội - Sáng nay", "Hà Nội - Sáng nay"),
        ("Sáng nay (Baohatinh.vn) - đoàn", "Sáng nay (Baohatinh.vn) - đoàn"),
        ("Sáng nay, TTO - ghi nhận", "Sáng nay, TTO - ghi nhận"),
        ("", ""),
    ],
)
def test_strip_dateline(lead: str, expected: str) -> None:
    assert strip_dateline(lead) == expected


# ---------------------------------------------------------------------------
# Body junk lines
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("DSCa_5695 copy.jpg", True),
        ("aDSC_5698 copy.jpg", True),
        ("IMG_20250612_091532.jpg", True),
        ("anh-1.png", True),
        ("photo 2.JPEG", True),
        ("anh (1).png", True),
        (" hinh.webp ", True),
        ("banner.gif", True),
        ("x.jpeg", True),
        ("IMG_0001.HEIC", True),
        ("ảnh-đại-diện.jpg", True),
        ("Tải ảnh anh-1.png", False),
        ("Xem file ảnh.jpg tại đây.", False),
        ("Ông gửi ảnh IMG_1.jpg cho phóng viên", False),
        ("bao-cao.pdf", False),
        ("https://baohatinh.vn/anh.jpg", False),
        ("", False),
    ],
)
def test_is_image_filename_line(line: str, expected: bool) -> None:
    assert is_image_filename_line(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Ảnh: Đình Nhất", True),
        ("Ảnh minh họa", True),
        ("Ảnh minh hoạ", True),
        ("(Ảnh: TTXVN)", True),
        ("Ảnh: Internet", True),
        ("ẢNH: ĐÌNH NHẤT", True),
        ("Nguồn: VTV", True),
        ("Ảnh minh họa: Internet", True),
        ("Ảnh tư liệu", True),
        ("Video: Thu Hà", True),
        ("Ảnh hưởng của bão số 3 rất lớn", False),
        ("Nguồn tin cho biết vụ việc đang được điều tra", False),
        ("Ảnh: " + "rất dài " * 20, False),
        ("Ông Nam chia sẻ ảnh: đẹp", False),
        ("", False),
    ],
)
def test_is_caption_credit(line: str, expected: bool) -> None:
    assert is_caption_credit(line) is expected


# ---------------------------------------------------------------------------
# split_authors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Thu Hà - Hoài Nam", ["Thu Hà", "Hoài Nam"]),
        ("Thu Hà – Hoài Nam", ["Thu Hà", "Hoài Nam"]),
        ("Thu Hà, Hoài Nam", ["Thu Hà", "Hoài Nam"]),
        ("Thu Hà và Hoài Nam", ["Thu Hà", "Hoài Nam"]),
        ("Thu Hà & Hoài Nam", ["Thu Hà", "Hoài Nam"]),
        ("Theo TTXVN", ["TTXVN"]),
        ("Theo VnExpress", ["VnExpress"]),
        ("Bài, ảnh: Thu Hà", ["Thu Hà"]),
        ("Bài và ảnh: Thu Hà – Hoài Nam", ["Thu Hà", "Hoài Nam"]),
        ("Bài: Thu Hà; Ảnh: Hoài Nam", ["Thu Hà", "Hoài Nam"]),
        ("Nhóm PV", []),
        ("PV", []),
        ("PV Thu Hà", ["Thu Hà"]),
        ("Nhóm PV Thu Hà - Hoài Nam", ["Thu Hà", "Hoài Nam"]),
        ("Thu Hà (thực hiện)", ["Thu Hà"]),
        ("Thu Hà thuha@baohatinh.vn", ["Thu Hà"]),
        ("Thu Hà - thuha@gmail.com", ["Thu Hà"]),
        ("Thu Hà (TTXVN)", ["Thu Hà"]),
        ("(TTXVN)", ["TTXVN"]),
        ("Thu\u00a0Hà  -  Thu hà", ["Thu Hà"]),
        ("  ", []),
        ("", []),
    ],
)
def test_split_authors(byline: str, expected: list[str]) -> None:
    assert split_authors(byline) == expected


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

NOW = datetime(2025, 9, 1, 12, 0, 0, tzinfo=VN_TZ)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-08-30T01:07:33+0700", "2025-08-30T01:07:33+07:00"),
        ("2025-08-30T01:07:33+07:00", "2025-08-30T01:07:33+07:00"),
        ("2025-08-30T01:07:33.000+07:00", "2025-08-30T01:07:33+07:00"),
        ("2025-08-30 08:52:11.000 +07:00", "2025-08-30T08:52:11+07:00"),
        ("2025-08-30T01:07:33Z", "2025-08-30T08:07:33+07:00"),
        ("2025-08-30T10:00:00+05:00", "2025-08-30T12:00:00+07:00"),
        ("2025-08-30T01:07:33&#x2B;07:00", "2025-08-30T01:07:33+07:00"),
        ("2025-08-30", "2025-08-30T00:00:00+07:00"),
        ("2025-08-30 08:52", "2025-08-30T08:52:00+07:00"),
        ("30/08/2025 01:07", "2025-08-30T01:07:00+07:00"),
        ("30/8/2025", "2025-08-30T00:00:00+07:00"),
        ("Thứ năm, 23/5/2024, 10:30 (GMT+7)", "2024-05-23T10:30:00+07:00"),
        ("Thứ Năm, 23/05/2024 - 10:30", "2024-05-23T10:30:00+07:00"),
        ("07-03-2026 - 00:01 AM", "2026-03-07T00:01:00+07:00"),
        ("07-03-2026 - 12:15 AM", "2026-03-07T00:15:00+07:00"),
        ("07-03-2026 - 12:15 PM", "2026-03-07T12:15:00+07:00"),
        ("07-03-2026 - 01:15 PM", "2026-03-07T13:15:00+07:00"),
        ("23/05/2024 10:30:15", "2024-05-23T10:30:15+07:00"),
        ("10:30 23/05/2024", "2024-05-23T10:30:00+07:00"),
        ("Cập nhật: 10:30 ngày 23/05/2024", "2024-05-23T10:30:00+07:00"),
        ("ngày 23 tháng 5 năm 2024", "2024-05-23T00:00:00+07:00"),
        ("Chủ nhật, 01/06/2025 | 07:45", "2025-06-01T07:45:00+07:00"),
        ("10h30 ngày 23/5/2024", "2024-05-23T10:30:00+07:00"),
        ("23/05/2024 10:30 (GMT+9)", "2024-05-23T08:30:00+07:00"),
        ("2 giờ trước", "2025-09-01T10:00:00+07:00"),
        ("30 phút trước", "2025-09-01T11:30:00+07:00"),
        ("5 ngày trước", "2025-08-27T12:00:00+07:00"),
        ("1 tuần trước", "2025-08-25T12:00:00+07:00"),
        ("Hôm qua lúc 10:30", "2025-08-31T10:30:00+07:00"),
        ("Hôm nay, 08:15", "2025-09-01T08:15:00+07:00"),
        ("vừa xong", "2025-09-01T12:00:00+07:00"),
        ("Vừa xong", "2025-09-01T12:00:00+07:00"),
        # Day first, as Vietnamese sites write dates, whatever the separator.
        ("03-08-2011", "2011-08-03T00:00:00+07:00"),
        ("13-08-2011", "2011-08-13T00:00:00+07:00"),
        ("03.08.2011, 8:25 PM", "2011-08-03T20:25:00+07:00"),
        # Vietnamese 12-hour markers: SA (sáng, morning) and CH (chiều, afternoon).
        ("03-08-2011 08:25:17 CH", "2011-08-03T20:25:17+07:00"),
        ("03/08/2011 12:05 SA", "2011-08-03T00:05:00+07:00"),
        ("03/08/2011 09:05 SA", "2011-08-03T09:05:00+07:00"),
        ("Thứ 4, 01/12/2021 | 11:51:00 [GMT +7]", "2021-12-01T11:51:00+07:00"),
        ("10:30, 15/05/2011", "2011-05-15T10:30:00+07:00"),
        ("05/09/2026 - 22:17", "2026-09-05T22:17:00+07:00"),
        # Alone, an ambiguous a/b/yyyy is read day first; the generic extractor settles
        # month-first metas against the page's other dates (test_generic_rules).
        ("9/5/2026 10:17:01 PM", "2026-05-09T22:17:01+07:00"),
    ],
)
def test_parse_vn_datetime(raw: str, expected: str) -> None:
    parsed = parse_vn_datetime(raw, now=NOW)
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(hours=7)
    assert to_iso(parsed) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "32/13/2024",
        "29/02/2023",
        "23/05/2024 25:00",
        "2025-13-01T00:00:00Z",
        "2025-08-30T01:07:33+25:00",
        "242182",
        "102250530",
        "20250530",
        "junk",
        "Thứ năm",
        "10:30",
        "Hôm qua",
        "",
        "   ",
        "01/01/1800",
        "9999 năm trước",
        "40 năm trước",
    ],
)
def test_parse_vn_datetime_rejects(raw: str) -> None:
    assert parse_vn_datetime(raw, now=NOW) is None


def test_parse_vn_datetime_relative_uses_aware_now_in_vn_time() -> None:
    utc_now = datetime(2025, 8, 31, 20, 0, tzinfo=UTC)  # 03:00 on 1 Sept in Vietnam
    parsed = parse_vn_datetime("Hôm qua lúc 10:30", now=utc_now)
    assert parsed is not None
    assert to_iso(parsed) == "2025-08-31T10:30:00+07:00"


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        (datetime(2024, 5, 22, 4, 45, 0, 123, tzinfo=UTC), "2024-05-22T11:45:00+07:00"),
        (datetime(2024, 5, 22, 11, 45), "2024-05-22T11:45:00+07:00"),
        (datetime(2024, 5, 22, 11, 45, 7, tzinfo=VN_TZ), "2024-05-22T11:45:07+07:00"),
        (
            datetime(2024, 5, 22, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
            "2024-05-22T12:00:00+07:00",
        ),
    ],
)
def test_to_iso(dt: datetime, expected: str) -> None:
    assert to_iso(dt) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2025, 9, 1, 10, 0, 0, 999, tzinfo=VN_TZ), "2025-09-01T03:00:00Z"),
        (datetime(2025, 9, 1, 3, 0, 0, tzinfo=UTC), "2025-09-01T03:00:00Z"),
        (datetime(2025, 9, 1, 3, 0, 0), "2025-09-01T03:00:00Z"),
    ],
)
def test_utc_now_iso(now: datetime, expected: str) -> None:
    assert utc_now_iso(now) == expected


def test_utc_now_iso_default_is_current_utc_shape() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", utc_now_iso())


def test_fast_paths_match_the_plain_definitions() -> None:
    """normalize_text and canonical_tone_form skip work when there is none to do; on random
    mixes of every character they treat specially, they must give what the plain step-by-step
    definitions give."""
    import html
    import random
    import re
    import unicodedata

    from crawler.text.normalize import (
        _CHAR_FIXES,
        _retone_syllable,
        canonical_tone_form,
        normalize_text,
    )

    entity = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

    def plain_normalize(s: str) -> str:
        s = s.translate(_CHAR_FIXES)
        for _ in range(2):
            if not entity.search(s):
                break
            s = entity.sub(lambda m: html.unescape(m.group(0)), s)
        s = re.sub(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]", " ", s.translate(_CHAR_FIXES))
        s = unicodedata.normalize("NFC", s)
        return re.sub(r"\s+", " ", s).strip()

    def plain_tone(s: str) -> str:
        lowered = unicodedata.normalize("NFC", s).lower()
        return re.sub(r"[^\W\d_]+", lambda m: _retone_syllable(m.group(0)), lowered)

    alphabet = [*"aeiouy hoaøHÒA,.;:-–()\"'0123456789", "Hoà", "khoẻ", "Thuỷ", "giờ",
                "quý", "Đ", "Ð", "ð", "&amp;", "&nbsp;", "&#8203;", "&amp;quot;", "R&D", "&#x110;",
                "\u00a0", "\u202f", "\u2007", "\u200b", "\u200d", "\ufeff", "\u00ad", "\u2060",
                "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u2028", "\u3000",
                "\x00", "\x7f", "\x9f", "a\u0300", "o\u0309", "\u0301", "ư\u031b", "ß", "Σ"]
    rng = random.Random(20261125)
    for _ in range(3000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert normalize_text(s) == plain_normalize(s), repr(s)
        assert canonical_tone_form(s) == plain_tone(s), repr(s)


def test_fingerprint_keyed_by_token_equals_the_whole_text_pipeline() -> None:
    """fingerprint_text keys a text token by token (cached); the result must be the plain
    pipeline's on the whole text (normalise, tone key, punctuation to spaces, whitespace
    collapsed), and the feed body's shortcut (normalized=True) the same digest."""
    import random
    import unicodedata

    from crawler.text.normalize import canonical_tone_form as tone
    from crawler.text.normalize import normalize_text as norm

    def plain_key(s: str) -> str:
        keyed = tone(norm(s))
        return " ".join("".join(" " if unicodedata.category(c).startswith("P") else c
                                for c in keyed).split())

    alphabet = [*"aeiouy hoaHÒA,.;:-–()«»!?\"'_0123456789", "Hoà", "khoẻ", "THUỶ", "ΑΣ", "Σ",
                "σς", "\u203f", "ſ", "İ", "&amp;", "&amp;amp;lt;", "&nbsp;", "\u00a0", "\u200b",
                "\n", "\t", "\u3000", "a\u0300", "\u0301", "Đ", "Ð"]
    rng = random.Random(20261130)
    for _ in range(3000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert fingerprint_text(s) == plain_key(s), repr(s)
        paragraphs = [norm(p) for p in s.split("\n")]
        body = join_paragraphs(p for p in paragraphs if p)
        assert body_fingerprint(body, normalized=True) == body_fingerprint(body), repr(s)
