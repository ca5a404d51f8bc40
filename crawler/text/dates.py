"""Dates of Vietnamese news pages: ISO forms, day-first dates with their time, wordy and
relative forms, all read as +07:00.

Every function here is pure (the clock is only read when a caller leaves ``now`` unset) so
that parsed dates are reproducible across runs.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from crawler.text.normalize import normalize_text

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
