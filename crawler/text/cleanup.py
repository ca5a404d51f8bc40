"""Cleaning rules for Vietnamese news text: a lead's site dateline, image file names and
photo credits left in the body, bylines split into author names. Pure functions."""

from __future__ import annotations

import re

from crawler.text.normalize import canonical_tone_form, normalize_text, renormalize

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


def is_image_filename_line(s: str, *, normalized: bool = False) -> bool:
    """True when the whole line is just an image file name left in the body
    (``normalized``: ``s`` is what normalize_text returned).

    >>> is_image_filename_line("DSCa_5695 copy.jpg"), is_image_filename_line("photo 2.JPEG")
    (True, True)
    >>> is_image_filename_line("Xem ảnh anh-1.png tại đây")
    False
    """
    text = renormalize(s) if normalized else normalize_text(s)
    return _IMAGE_LINE_RE.fullmatch(text) is not None


_CAPTION_RE = re.compile(
    r"\(?\s*(?:ảnh|nguồn|photo|video|clip|đồ họa|infographic)"
    r"(?:\s+(?:minh họa|tư liệu|chụp màn hình|internet))?\s*(?:[:\-–)]|$)"
)
_CAPTION_MAX_CHARS = 80


def is_caption_credit(s: str, *, normalized: bool = False) -> bool:
    """True for a short photo/source credit line ("Ảnh: Đình Nhất", "Nguồn: VTV")
    (``normalized``: ``s`` is what normalize_text returned).

    >>> is_caption_credit("(Ảnh: TTXVN)"), is_caption_credit("Ảnh minh hoạ")
    (True, True)
    >>> is_caption_credit("Ảnh hưởng của bão số 3 rất lớn")
    False
    """
    text = renormalize(s) if normalized else normalize_text(s)
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
