"""Text helpers for Vietnamese news: normalisation, matching keys, bylines and dates.

Every function here is pure (the clock is only read when a caller leaves ``now``
unset) so that fingerprints and parsed dates are reproducible across runs.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone

__all__ = [
    "FINGERPRINT_VERSION",
    "VN_TZ",
    "ZERO_WIDTH",
    "body_fingerprint",
    "canonical_tone_form",
    "fingerprint_text",
    "is_caption_credit",
    "is_image_filename_line",
    "join_paragraphs",
    "normalize_paragraphs",
    "normalize_text",
    "parse_vn_datetime",
    "split_authors",
    "strip_dateline",
    "to_iso",
    "utc_now_iso",
]

# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------

# Invisible characters CMS editors paste in from Word/Zalo; they break matching.
ZERO_WIDTH: frozenset[str] = frozenset({"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"})
_NBSP: frozenset[str] = frozenset({"\u00a0", "\u202f", "\u2007"})

# Only well-formed references (with ";") are decoded, so prose such as
# "R&D" or "a&copy=b" is never mangled by html.unescape's legacy no-";" rules.
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Icelandic Eth / African D look like Vietnamese "Đ" and get typed by mistake.
_CHAR_FIXES = str.maketrans(
    {"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110"}
    | dict.fromkeys(ZERO_WIDTH, "")
    | dict.fromkeys(_NBSP, " ")
)
# str.translate looks every character up in the table; a regex scan for the few characters
# to fix is several times faster on long bodies, and most text has none of them.
_CHAR_FIX_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _CHAR_FIXES) + "]")


def _fix_chars(s: str) -> str:
    return _CHAR_FIX_RE.sub(lambda m: _CHAR_FIXES[ord(m.group())], s) if _CHAR_FIX_RE.search(
        s) else s


# C0/C1 controls other than whitespace: they come from broken encodings, never content.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _unescape_entities(s: str) -> str:
    # Sites double-escape ("&amp;quot;"), so decode twice at most; a third pass would
    # start decoding text that legitimately shows an entity. (So triple-escaped input
    # is the one case where normalize_text is not idempotent.)
    for _ in range(2):
        if not _ENTITY_RE.search(s):
            break
        s = _ENTITY_RE.sub(lambda m: html.unescape(m.group(0)), s)
    return s


def normalize_text(s: str) -> str:
    """Clean one piece of display text; keeps the original spelling and tone marks.

    Decodes leftover (even double-escaped) entities, removes zero-width and control
    characters, fixes Eth typed for Đ, applies NFC, turns every whitespace run
    (NBSP, tabs, newlines, U+3000…) into one space and strips the ends.

    >>> normalize_text("  Ð\u00e1nh\u00a0gi\u00e1 &amp;quot;t\u1ed1t&amp;quot;\u200b\\n\\t ")
    'Đánh giá "tốt"'
    >>> normalize_text("Hoa\u0300 Bi\u0300nh")  # decomposed input becomes NFC
    'Hoà Bình'
    """
    # Fix characters both before decoding (a zero-width char inside "&#\u200b8;" would
    # hide an entity) and after (entities can decode to NBSP or zero-width chars). Each step
    # is skipped when there is nothing for it to do: most text is clean, and this runs on
    # every paragraph of every article, several times.
    s = _fix_chars(s)
    if "&" in s:
        s = _fix_chars(_unescape_entities(s))
    if _CONTROL_RE.search(s):
        s = _CONTROL_RE.sub(" ", s)
    # NFC after removing zero-width chars so a mark split from its base recombines.
    if not s.isascii() and not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
    # str.split() splits on exactly the characters the regex \s matches (Unicode
    # whitespace) and drops the ends: the same result as a \s+ substitution and a strip.
    return " ".join(s.split())


def normalize_paragraphs(paras: Iterable[str]) -> list[str]:
    """Normalise each paragraph and drop those left empty.

    >>> normalize_paragraphs([" a\u00a0 b ", "\u200b", "", "c"])
    ['a b', 'c']
    """
    cleaned = (normalize_text(p) for p in paras)
    return [p for p in cleaned if p]


def join_paragraphs(paras: Iterable[str]) -> str:
    """Join paragraphs with a blank line, the body format of the feed.

    >>> join_paragraphs(["a", "b"])
    'a\\n\\nb'
    """
    return "\n\n".join(paras)


# ---------------------------------------------------------------------------
# Tone-mark placement key
# ---------------------------------------------------------------------------

_TONE_MARKS: frozenset[str] = frozenset({"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"})
_VOWEL_MODS: frozenset[str] = frozenset({"\u0302", "\u0306", "\u031b"})  # â/ê/ô, ă, ơ/ư
# Onset + nucleus + final of a Vietnamese syllable, on base letters (marks removed).
# "gi"/"qu" are onsets so their i/u never take the tone (giờ, quý); backtracking lets
# "gì" and "gìn" fall back to onset "g".
_SYLLABLE_RE = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdđghklmnpqrstvx])?([aeiouy]{1,3})(ch|ng|nh|[cmnpt])?"
)
_WORD_SPLIT_RE = re.compile(r"([^\W\d_]+)")


def _tone_index(nucleus: list[tuple[str, str]], has_final: bool) -> int:
    """Vowel that carries the tone in the old style ("kiểu cũ") convention."""
    modified = [i for i, (_, mods) in enumerate(nucleus) if mods]
    if modified:
        return modified[-1]  # â ă ê ô ơ ư always win; in "ươ" the mark goes on ơ
    if has_final or len(nucleus) == 1:
        return len(nucleus) - 1  # hoàng, toán, huỳnh: last vowel before the final
    if len(nucleus) == 2:
        return 0  # old style: hòa, khỏe, thủy (new style would put it on a/e/y)
    return 1  # three vowels, open: ngoài, xoáy, khuỷu


def _retone_syllable(word: str) -> str:
    letters: list[tuple[str, str]] = []  # (base letter, vowel modifiers)
    tones: list[str] = []
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONE_MARKS:
            tones.append(ch)
        elif ch in _VOWEL_MODS and letters:
            base, mods = letters[-1]
            letters[-1] = (base, mods + ch)
        else:
            letters.append((ch, ""))
    bases = "".join(base for base, _ in letters)
    match = _SYLLABLE_RE.fullmatch(bases)
    if len(tones) != 1 or match is None:
        return word  # no tone, or not a Vietnamese syllable: nothing to re-place
    start, end = match.span(2)
    target = start + _tone_index(letters[start:end], has_final=match.group(3) is not None)
    rebuilt = "".join(
        base + mods + (tones[0] if i == target else "") for i, (base, mods) in enumerate(letters)
    )
    return unicodedata.normalize("NFC", rebuilt)


def canonical_tone_form(s: str) -> str:
    """Key form for matching only: NFC, lower-case, one tone-mark placement.

    Convention: the old style ("kiểu cũ", Unikey's default and what most Vietnamese
    news sites print). An open syllable ending in a two-vowel nucleus takes the mark
    on the first vowel (hòa, khỏe, thủy — not hoà, khoẻ, thuỷ); with a final consonant
    it goes on the last vowel (hoàng, hoạch, huỳnh); a vowel with a circumflex, breve or
    horn always carries it (thuyền, giờ, rượu); "gi"/"qu" count as onsets (quý, giúp).
    Text shown to users keeps its own spelling; only keys use this form.

    >>> canonical_tone_form("Hoà Bình") == canonical_tone_form("Hòa Bình") == "hòa bình"
    True
    >>> canonical_tone_form("THUỶ, khoẻ; hoàng quý giờ thuyền")
    'thủy, khỏe; hoàng quý giờ thuyền'
    """
    lowered = unicodedata.normalize("NFC", s).lower()
    # Split keeps the words at odd positions; mapping them through the cache's __getitem__
    # stays in C for every word seen before, which is nearly all of them.
    parts = _WORD_SPLIT_RE.split(lowered)
    parts[1::2] = map(_RETONED.__getitem__, parts[1::2])
    return "".join(parts)


class _RetoneCache(dict[str, str]):
    """Word -> its canonical tone form, computed on first sight. Vietnamese has some 7,000
    syllables in use and a body repeats them constantly; names and foreign words are what
    make the cache grow, so it starts over past a bound."""

    LIMIT = 65536

    def __missing__(self, word: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[word] = _retone_syllable(word)
        return value


_RETONED = _RetoneCache()


# ---------------------------------------------------------------------------
# Fingerprints
# ---------------------------------------------------------------------------

# Bump whenever normalize_text, canonical_tone_form, fingerprint_text or the hash
# changes: stored fingerprints of another version are not comparable.
FINGERPRINT_VERSION = "v1"


def fingerprint_text(s: str) -> str:
    """The text a body fingerprint is computed from.

    normalize_text, then canonical_tone_form, punctuation (Unicode category P*)
    replaced by spaces, whitespace collapsed. Punctuation becomes a space rather than
    vanishing so "Hà Nội,Việt Nam" and "Hà Nội, Việt Nam" give the same key.

    >>> fingerprint_text("«Hoà  Bình» – khoẻ, đẹp!")
    'hòa bình khỏe đẹp'
    """
    keyed = canonical_tone_form(normalize_text(s))
    return " ".join(keyed.translate(_PUNCT_TO_SPACE).split())


class _PunctuationToSpace(dict[int, "str | int"]):
    """str.translate table mapping every Unicode punctuation character (category P*) to a
    space, filled lazily: one category lookup per distinct character, not per character."""

    def __missing__(self, code: int) -> str | int:
        value: str | int = " " if unicodedata.category(chr(code)).startswith("P") else code
        self[code] = value
        return value


_PUNCT_TO_SPACE = _PunctuationToSpace()


def body_fingerprint(body: str) -> str:
    """Versioned BLAKE2b-128 hex digest of ``fingerprint_text(body)`` (UTF-8).

    >>> body_fingerprint("Hòa Bình.") == body_fingerprint("  hoà   bình ")
    True
    >>> body_fingerprint("x").startswith("v1:"), len(body_fingerprint("x"))
    (True, 35)
    """
    digest = hashlib.blake2b(fingerprint_text(body).encode("utf-8"), digest_size=16)
    return f"{FINGERPRINT_VERSION}:{digest.hexdigest()}"


# ---------------------------------------------------------------------------
# Lead, caption and byline clean-up
# ---------------------------------------------------------------------------

# Site names that appear in parentheses at the start of a lead but are not domains
# or all-caps acronyms. Compared after canonical_tone_form.
_KNOWN_SITE_TOKENS: frozenset[str] = frozenset(
    canonical_tone_form(name)
    for name in (
        "Báo Hà Tĩnh",
        "Dân trí",
        "Dân Việt",
        "VTC News",
        "VnExpress",
        "VietnamPlus",
        "Vietnamnet",
        "Zing",
        "Znews",
        "Kinh tế & Đô thị",
        "Thanh Niên",
        "Tuổi Trẻ",
        "Lao Động",
        "Tiền Phong",
        "Nhân Dân",
        "Người Lao Động",
        "Pháp Luật TP.HCM",
        "Sài Gòn Giải Phóng",
        "Công an nhân dân",
        "Quân đội nhân dân",
    )
)
_DATELINE_RE = re.compile(
    # A bare token needs a space before the dash so "COVID-19 - …" is left alone.
    r"(?:\((?P<paren>[^()\n]{1,30})\)\s*|(?P<bare>[^\s()\-–—]{2,30})\s+)[-–—]\s*"
)
_DOMAIN_TOKEN_RE = re.compile(r"[\w.-]+\.(?:vn|com|net|org|info)", re.IGNORECASE)


def _looks_like_site(token: str, *, in_parens: bool) -> bool:
    token = token.strip()
    if not token or token.replace(".", "").isdigit():
        return False
    if _DOMAIN_TOKEN_RE.fullmatch(token):
        return True
    # All-caps acronyms: TTO, NDO, SGGPO, NLĐO, ĐCSVN, VOV.VN. Spaces would let a
    # shouted headline through, so acronyms are single tokens.
    if " " not in token and token.upper() == token and sum(c.isalpha() for c in token) >= 2:
        return len(token) <= 15
    # Free-form names ("Báo Hà Tĩnh") only inside parentheses, where they can't be
    # the subject of an ordinary sentence.
    return in_parens and canonical_tone_form(token) in _KNOWN_SITE_TOKENS


def strip_dateline(lead: str) -> str:
    """Remove a leading site dateline such as "(Baohatinh.vn) - " or "TTO - ".

    Only at the very start, and only when the token looks like a site (a domain, an
    all-caps acronym or a known site name); otherwise the lead is returned unchanged.

    >>> strip_dateline("\ufeff (Baohatinh.vn) – Sáng nay, …")
    'Sáng nay, …'
    >>> strip_dateline("(Xem thêm) - bài liên quan")
    '(Xem thêm) - bài liên quan'
    """
    text = lead.lstrip("\ufeff \t\r\n\u00a0")
    match = _DATELINE_RE.match(text)
    if match is None:
        return lead
    in_parens = match.group("paren") is not None
    token = match.group("paren") if in_parens else match.group("bare")
    if not _looks_like_site(token, in_parens=in_parens):
        return lead
    return text[match.end() :]


_IMAGE_EXT = r"(?:jpe?g|png|gif|webp|heic|heif|avif|bmp|tiff?)"
# A file name is one token, optionally followed by what cameras and OS copies append
# ("DSC_1 copy.jpg", "photo 2.JPEG", "anh (1).png"); any other word makes it a sentence.
_IMAGE_LINE_RE = re.compile(rf"[\w.()\-]+(?:\s+(?:copy|\d+|\(\d+\)))*\.{_IMAGE_EXT}", re.IGNORECASE)


def is_image_filename_line(s: str) -> bool:
    """True when the whole line is just an image file name left in the body.

    >>> is_image_filename_line("DSCa_5695 copy.jpg"), is_image_filename_line("photo 2.JPEG")
    (True, True)
    >>> is_image_filename_line("Xem ảnh anh-1.png tại đây")
    False
    """
    return _IMAGE_LINE_RE.fullmatch(normalize_text(s)) is not None


_CAPTION_RE = re.compile(
    r"\(?\s*(?:ảnh|nguồn|photo|video|clip|đồ họa|infographic)"
    r"(?:\s+(?:minh họa|tư liệu|chụp màn hình|internet))?\s*(?:[:\-–)]|$)"
)
_CAPTION_MAX_CHARS = 80


def is_caption_credit(s: str) -> bool:
    """True for a short photo/source credit line ("Ảnh: Đình Nhất", "Nguồn: VTV").

    >>> is_caption_credit("(Ảnh: TTXVN)"), is_caption_credit("Ảnh minh hoạ")
    (True, True)
    >>> is_caption_credit("Ảnh hưởng của bão số 3 rất lớn")
    False
    """
    text = normalize_text(s)
    if not text or len(text) > _CAPTION_MAX_CHARS:
        return False
    # Tone key so "minh hoạ" and "minh họa" are one spelling for the regex.
    return _CAPTION_RE.match(canonical_tone_form(text)) is not None


_EMAIL_RE = re.compile(r"\S+@\S+\.\w+")
# Compound labels contain the separators (",", "và") so they go before splitting.
_BYLINE_PREFIX_RE = re.compile(
    r"^\s*(?:bài\s*(?:,|và|&|/|-)\s*ảnh|bài viết|tác giả|thực hiện)\s*:\s*", re.IGNORECASE
)
_AUTHOR_SPLIT_RE = re.compile(r"\s*[-–—,;/|&]\s*|\s+(?:và|and)\s+", re.IGNORECASE)
# Per-part labels: "Theo X", "Ảnh: X", "PV X" and generic "Nhóm PV" bylines.
_PART_LABEL_RE = re.compile(
    r"^(?:(?:theo|nhóm pv|nhóm phóng viên|phóng viên|pv|ctv)\b\.?\s*:?|"
    r"(?:bài|ảnh|video|clip|đồ họa|đồ hoạ)\s*:)\s*",
    re.IGNORECASE,
)
_PAREN_RE = re.compile(r"\s*\([^()]*\)")
# Professional titles printed before a name ("BS Đoàn Văn Hải", "PGS.TS Lê B", "ThS. Trần C"):
# not part of the name. Case-sensitive, as sites print them, and only before another word.
_TITLE_RE = re.compile(r"^(?:(?:PGS|GS|TS|ThS|Ths|BS|Bs|BSCK(?:II|I|1|2)|CK(?:II|I|1|2)|KS|LS"
                       r"|DS|NCS)(?:\.\s*|\s+))+(?=\w)")


def _clean_author(part: str) -> str:
    part = part.strip(" .:'\"")
    whole_paren = re.fullmatch(r"\((.+)\)", part)
    if whole_paren:
        part = whole_paren.group(1)  # "(TTXVN)" alone names the source
    part = _PAREN_RE.sub("", part)  # "(thực hiện)", "(TTXVN)" after a name
    while True:
        stripped = _PART_LABEL_RE.sub("", part, count=1)
        if stripped == part:
            return _TITLE_RE.sub("", part).strip(" .:'\"")
        part = stripped


# A byline box that also prints the time ("Hà Anh 09:43, 04/09/2026"): the names end there.
_BYLINE_TIME_RE = re.compile(r"\s*(?:\b\d{1,2}[:h]\d{2}\b|\b\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}\b).*$")
# An avatar's initial printed before the name ("H Hà Anh"): one bare capital, no dot.
_AVATAR_INITIAL_RE = re.compile(r"^(\w)\s+(?=\1)", re.UNICODE)


def split_authors(s: str) -> list[str]:
    """Split a byline into author names, dropping labels, emails and qualifiers, and the
    time or the avatar initial a byline box prints with the name.

    >>> split_authors("Bài, ảnh: Thu Hà - Hoài Nam (thực hiện)")
    ['Thu Hà', 'Hoài Nam']
    >>> split_authors("Theo TTXVN"), split_authors("Nhóm PV"), split_authors("")
    (['TTXVN'], [], [])
    >>> split_authors("H Hà Anh 09:43, 04/09/2026"), split_authors("Q.Chung")
    (['Hà Anh'], ['Q.Chung'])
    >>> split_authors("BS ĐOÀN VĂN HẢI"), split_authors("PGS.TS Lê Bình, ThS. Trần Chi")
    (['ĐOÀN VĂN HẢI'], ['Lê Bình', 'Trần Chi'])
    """
    text = _EMAIL_RE.sub(" ", normalize_text(s))
    text = _BYLINE_TIME_RE.sub("", text)
    text = _AVATAR_INITIAL_RE.sub("", text)
    text = _BYLINE_PREFIX_RE.sub("", text)
    names: list[str] = []
    seen: set[str] = set()
    for part in _AUTHOR_SPLIT_RE.split(text):
        name = _clean_author(part)
        key = name.casefold()
        if name and key not in seen:
            seen.add(key)
            names.append(name)
    return names


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

VN_TZ = timezone(timedelta(hours=7))

# Plausibility window: anything outside is a mis-parse, not a news date.
_MIN_YEAR, _MAX_YEAR = 1990, 2100

_ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?",
    re.IGNORECASE,
)
# Dates in running text need separators, so an article id such as "242182" never
# reads as a date.
_DMY_RE = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)")
_YMD_RE = re.compile(r"(?<!\d)(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?!\d)")
_WORDY_DATE_RE = re.compile(
    r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})(?!\d)", re.IGNORECASE
)
_TIME_RE = re.compile(
    r"(?<![\d:])(\d{1,2})[:hg](\d{2})(?::(\d{2}))?(?!\d)"
    r"(?:\s*(am|pm|sáng|sa|chiều|tối|ch)\b)?",
    re.IGNORECASE,
)
_GMT_RE = re.compile(r"(?:gmt|utc)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_RELATIVE_RE = re.compile(
    r"(\d{1,4})\s*(giây|phút|giờ|tiếng|ngày|tuần|tháng|năm)\s*trước", re.IGNORECASE
)
# Month and year are approximated (30 and 365 days): these strings are approximate
# by nature and only fill in when a page gives nothing better.
_RELATIVE_UNITS: dict[str, timedelta] = {
    "giây": timedelta(seconds=1),
    "phút": timedelta(minutes=1),
    "giờ": timedelta(hours=1),
    "tiếng": timedelta(hours=1),
    "ngày": timedelta(days=1),
    "tuần": timedelta(weeks=1),
    "tháng": timedelta(days=30),
    "năm": timedelta(days=365),
}
_DAY_WORDS: dict[str, int] = {"hôm nay": 0, "hôm qua": 1, "hôm kia": 2}
_JUST_NOW_RE = re.compile(r"^(?:vừa xong|vừa mới|vừa đăng|mới đây)$", re.IGNORECASE)


def _as_vn(dt: datetime) -> datetime:
    # Naive values from Vietnamese pages are local time.
    return dt.replace(tzinfo=VN_TZ) if dt.tzinfo is None else dt.astimezone(VN_TZ)


def _offset(sign: str, hours: str, minutes: str | None) -> timezone | None:
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def _parse_iso(s: str) -> datetime | None:
    m = _ISO_RE.fullmatch(s)
    if m is None:
        return None
    tz: timezone | None = None
    raw_tz = m.group("tz")
    if raw_tz:
        if raw_tz.upper() == "Z":
            tz = UTC
        else:
            digits = raw_tz[1:].replace(":", "")
            tz = _offset(raw_tz[0], digits[:2], digits[2:])
            if tz is None:
                return None
    micro = int((m.group("frac") or "0")[:6].ljust(6, "0"))
    return _build(
        int(m.group("y")),
        int(m.group("mo")),
        int(m.group("d")),
        int(m.group("h") or 0),
        int(m.group("mi") or 0),
        int(m.group("s") or 0),
        micro,
        tz,
    )


def _build(
    y: int, mo: int, d: int, h: int, mi: int, sec: int, micro: int, tz: timezone | None
) -> datetime | None:
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        return None
    try:
        return _as_vn(datetime(y, mo, d, h, mi, sec, micro, tzinfo=tz))
    except ValueError:
        return None  # 32/13, 29/02 in a common year, 25:00…


def _find_date(s: str) -> tuple[date, tuple[int, int]] | None:
    """First date in free text, with the span it occupies."""
    for regex, order in ((_WORDY_DATE_RE, "dmy"), (_DMY_RE, "dmy"), (_YMD_RE, "ymd")):
        m = regex.search(s)
        if m is None:
            continue
        a, b, c = (int(g) for g in m.groups())
        y, mo, d = (c, b, a) if order == "dmy" else (a, b, c)
        if not _MIN_YEAR <= y <= _MAX_YEAR:
            return None
        try:
            return date(y, mo, d), m.span()
        except ValueError:
            return None
    return None


def _clock(m: re.Match[str]) -> tuple[int, int, int] | None:
    """Hour, minute, second of a _TIME_RE match; None when out of range."""
    h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    meridiem = (m.group(4) or "").lower()
    if meridiem in ("am", "sa", "sáng") and h == 12:
        h = 0  # 12:xx AM is just after midnight
    elif meridiem in ("pm", "ch", "chiều", "tối") and h < 12:
        h += 12
    if h > 23 or mi > 59 or sec > 59:
        return None
    return h, mi, sec


def _parse_relative(s: str, now: datetime) -> datetime | None:
    lowered = s.lower()
    if _JUST_NOW_RE.match(lowered):
        return now
    m = _RELATIVE_RE.search(lowered)
    if m:
        try:
            moment = now - int(m.group(1)) * _RELATIVE_UNITS[m.group(2)]
        except OverflowError:
            return None  # "9999 năm trước" falls before year 1
        return moment if moment.year >= _MIN_YEAR else None
    for word, days_back in _DAY_WORDS.items():
        if lowered.startswith(word):
            m = _TIME_RE.search(lowered)
            clock = _clock(m) if m else None
            if clock is None:
                return None
            day = now.date() - timedelta(days=days_back)
            return datetime(day.year, day.month, day.day, *clock, tzinfo=VN_TZ)
    return None


def parse_vn_datetime(s: str, *, now: datetime | None = None) -> datetime | None:
    """Parse a date/time string from a Vietnamese news page into an aware +07:00 datetime.

    Accepts ISO 8601 variants, "dd/mm/yyyy[ hh:mm[:ss]]" with weekday, "|"/"-"/","
    separators, 12-hour AM/PM, "ngày 23 tháng 5 năm 2024", "(GMT+7)" suffixes,
    entity-escaped offsets and relative forms ("2 giờ trước", "Hôm qua lúc 10:30",
    "vừa xong") counted from ``now`` (default: the current time). Naive values are
    taken as +07:00. Returns None for anything unparsable or impossible; never raises.

    >>> parse_vn_datetime("Thứ năm, 23/5/2024, 10:30 (GMT+7)").isoformat()
    '2024-05-23T10:30:00+07:00'
    >>> parse_vn_datetime("2025-08-30T01:07:33Z").isoformat()
    '2025-08-30T08:07:33+07:00'
    >>> parse_vn_datetime("242182") is None
    True
    """
    if not isinstance(s, str):
        return None
    text = normalize_text(s)
    if not text:
        return None
    iso = _parse_iso(text)
    if iso is not None or _ISO_RE.fullmatch(text):
        return iso
    found = _find_date(text)
    if found is None:
        # Only without an explicit date: "Hôm qua, 23/05/2024" trusts the date.
        ref = _as_vn(now) if now is not None else datetime.now(VN_TZ)
        relative = _parse_relative(text, ref)
        return relative.replace(microsecond=0) if relative is not None else None
    day, (start, end) = found
    # Blank out the date so its digits can't be read as a time.
    rest = text[:start] + " " + text[end:]
    m = _TIME_RE.search(rest)
    clock = _clock(m) if m else (0, 0, 0)  # a date alone means midnight
    if clock is None:
        return None  # "25:00" is junk, not midnight
    tz: timezone | None = None
    gmt = _GMT_RE.search(rest)
    if gmt:
        tz = _offset(gmt.group(1), gmt.group(2), gmt.group(3))
        if tz is None:
            return None
    return _build(day.year, day.month, day.day, *clock, 0, tz)


def to_iso(dt: datetime) -> str:
    """ISO 8601 in +07:00 with seconds and no microseconds (naive = Vietnam time).

    >>> to_iso(datetime(2024, 5, 22, 4, 45, 0, 123, tzinfo=UTC))
    '2024-05-22T11:45:00+07:00'
    """
    return _as_vn(dt).replace(microsecond=0).isoformat(timespec="seconds")


def utc_now_iso(now: datetime | None = None) -> str:
    """UTC timestamp like "2025-09-01T03:00:00Z" for crawl metadata.

    ``now`` exists for tests; naive values are taken as UTC.

    >>> utc_now_iso(datetime(2025, 9, 1, 10, 0, 0, 999, tzinfo=VN_TZ))
    '2025-09-01T03:00:00Z'
    """
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
