"""Scoring extractions against ground truth written by a person reading each real page.

A truth file (``$SHARED_DIR/html/truth/<name>.json``, format in ``$SHARED_DIR/html/README.md``)
names its page (``file``, in the folder above) and what a correct extractor gives for it. Every
check below is a pure function of the truth and of an extraction mapped to :class:`Extracted`;
ours and trafilatura's go through the same checks. A check returns True (pass), False (fail) or
None (not applicable: the truth has nothing to compare, e.g. no captions on the page).

Decisions, so that figures mean the same from run to run:

- text comparisons use :func:`norm`: NFC, entities, zero-width and NBSP removed, whitespace runs
  collapsed, case folded, typographic quotes and dashes made plain;
- ``published``: the same instant as the truth's (visible) time within a minute; a time without
  a zone is read as +07:00; a bare date never passes (the truth has the time). ``published_alt``
  (the machine-readable time when it differs) is not accepted: where it differs by seconds the
  minute tolerance covers it, where it differs more (month and day swapped) it is wrong;
- ``authors``: set equality with ``authors``, or with ``authors_alt`` when the truth has one;
  an empty truth list passes only an empty extraction (or one equal to ``authors_alt``);
- ``lead``: the lead starts with ``lead_start``; a null ``lead_start`` (the page has no sapo)
  passes only an empty lead;
- ``first_para`` / ``last_para``: the first / last body paragraph starts with the truth's words;
- ``para_count``: within ``max(2, 20%)`` of the truth's (approximate) count;
- ``captions_out``: no caption text inside the body; ``captions_found``: every caption is the
  start of, or starts, some ``images[].caption``, the shorter holding at least half of the
  longer (a credit such as "(Ảnh: Reuters)" may be cut; trafilatura has no image captions: it
  fails where a page has captions);
- ``forbidden``: none of the forbidden strings inside the body;
- ``related``: at least 80% of ``related_titles`` among ``related[].title`` (the fraction is
  kept in the details);
- ``tags``: an empty truth list passes only no tags; else the sets (trailing separators
  stripped) overlap by at least half of their union (Jaccard >= 0.5);
- ``section``: the last segment of a breadcrumb ("A > B" -> "B") on both sides, compared with
  :func:`norm`;
- list pages: ``refused`` (not an article), ``links`` (every ``article_links_sample`` URL among
  the links discovery selects, canonicalised, tracking query dropped), ``link_count`` (found
  between 80% and 150% of ``article_count``: a list page also links a few "most read" stories)
  and ``next_page`` (the next page URL, when the truth has one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from crawler.text import normalize_text
from crawler.urls import canonical_url

ARTICLE_CHECKS = ("title", "published", "authors", "lead", "first_para", "last_para",
                  "para_count", "captions_out", "captions_found", "forbidden", "related",
                  "tags", "section")
LIST_CHECKS = ("refused", "links", "link_count", "next_page")
CHECKS = ARTICLE_CHECKS + LIST_CHECKS

PARA_TOLERANCE_SHARE = 0.2
PARA_TOLERANCE_MIN = 2
DATE_TOLERANCE = timedelta(minutes=1)
RELATED_MIN_SHARE = 0.8
TAGS_MIN_JACCARD = 0.5
LINK_COUNT_RANGE = (0.8, 1.5)
VN = timezone(timedelta(hours=7))

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-",
                         "—": "-", "…": "..."})


@dataclass
class Extracted:
    """One extractor's view of a page, in the shape the checks read."""

    refused: bool = False
    title: str = ""
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    lead: str = ""
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    related_titles: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    section: str = ""
    # List pages: article links discovery selects, the next page (None: not run / not found).
    links: list[str] | None = None
    next_page: str | None = None

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


# --- normalisation ----------------------------------------------------------------------------

def norm(text: str | None) -> str:
    """Text as compared: normalised, plain quotes and dashes, case folded.

    >>> norm("  HLV Tuchel \\u201cđỗ xe\\u00a0buýt\\u201d ") == norm('hlv tuchel "đỗ xe buýt"')
    True
    >>> norm("Hoa\\u0300") == norm("Hoà"), norm(None)
    (True, '')
    """
    if not text:
        return ""
    return normalize_text(text).translate(_QUOTES).casefold()


def last_segment(section: str | None) -> str:
    """The most specific part of a breadcrumb.

    >>> last_segment("Sức khỏe > Bác sĩ của bạn"), last_segment("Y tế"), last_segment(None)
    ('bác sĩ của bạn', 'y tế', '')
    """
    parts = [p for p in re.split(r"\s*[>»/|]\s*", norm(section)) if p]
    return parts[-1] if parts else ""


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 time (a missing zone is +07:00); None for a bare date or garbage.

    >>> parse_instant("2026-07-16T08:46:00+0700") == parse_instant("2026-07-16T01:46:00Z")
    True
    >>> parse_instant("2026-07-16"), parse_instant("soon")
    (None, None)
    """
    if not value or not re.search(r"\d[T ]\d{1,2}:\d{2}", value.strip()):
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=VN)


def _tag_key(tag: str) -> str:
    return norm(tag).strip(" ,;.|")


def canonical_link(url: str, base: str | None = None) -> str:
    """A link as compared: the crawler's canonical form (tracking parameters, fragment and
    mobile host dropped).

    >>> canonical_link("/a-188.chn?utm_source=x", "https://cafef.vn/du-lieu/")
    'https://cafef.vn/a-188.chn'
    """

    return canonical_url(url.strip(), base)


# --- article checks ---------------------------------------------------------------------------

def check_title(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    if not truth.get("title"):
        return None
    return norm(got.title) == norm(truth["title"])


def check_published(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    want = parse_instant(truth.get("published"))
    if want is None:
        return None
    have = parse_instant(got.published)
    return have is not None and abs(have - want) <= DATE_TOLERANCE


def _name_set(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in (norm(x) for x in names) if n)


def check_authors(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    if "authors" not in truth:
        return None
    have = _name_set(got.authors)
    wanted = [_name_set(truth.get("authors") or [])]
    if truth.get("authors_alt"):
        wanted.append(_name_set(truth["authors_alt"]))
    return have in wanted


def check_lead(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    if "lead_start" not in truth:
        return None
    if truth["lead_start"] is None:
        return not norm(got.lead)
    return bool(norm(got.lead)) and norm(got.lead).startswith(norm(truth["lead_start"]))


def check_first_para(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    if not truth.get("first_para_start"):
        return None
    return bool(got.paragraphs) and norm(got.paragraphs[0]).startswith(
        norm(truth["first_para_start"]))


def check_last_para(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    if not truth.get("last_para_start"):
        return None
    return bool(got.paragraphs) and norm(got.paragraphs[-1]).startswith(
        norm(truth["last_para_start"]))


def para_tolerance(expected: int) -> int:
    """How far a paragraph count may be from the truth's approximate one.

    >>> para_tolerance(5), para_tolerance(30)
    (2, 6)
    """
    return max(PARA_TOLERANCE_MIN, round(expected * PARA_TOLERANCE_SHARE))


def check_para_count(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    expected = truth.get("paragraphs")
    if not isinstance(expected, int):
        return None
    return abs(len(got.paragraphs) - expected) <= para_tolerance(expected)


def check_captions_out(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    captions = [norm(c) for c in truth.get("captions") or [] if norm(c)]
    if not captions:
        return None
    body = norm(got.body)
    return bool(body) and not any(c in body for c in captions)


def check_captions_found(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    captions = [norm(c) for c in truth.get("captions") or [] if norm(c)]
    if not captions:
        return None
    have = [norm(c) for c in got.captions if norm(c)]
    return all(any(caption_matches(h, c) for h in have) for c in captions)


def caption_matches(have: str, want: str) -> bool:
    """An extracted caption is the truth's, give or take a trailing credit: one starts the
    other, the shorter holding at least half of the longer (a bare "Ảnh" is no caption).

    >>> caption_matches("messi tỏa sáng rực rỡ giúp argentina vào chung kết",
    ...                 "messi tỏa sáng rực rỡ giúp argentina vào chung kết (ảnh: reuters).")
    True
    >>> caption_matches("ảnh", "ảnh minh họa: người dân đi mua vàng")
    False
    """
    short, long = sorted((have, want), key=len)
    return long.startswith(short) and 2 * len(short) >= len(long)


def check_forbidden(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    forbidden = [norm(f) for f in truth.get("forbidden") or [] if norm(f)]
    if not forbidden:
        return None
    body = norm(got.body)
    return bool(body) and not any(f in body for f in forbidden)


def related_share(truth: Mapping[str, Any], got: Extracted) -> float | None:
    """Share of the truth's related titles found among the extracted related titles.

    >>> related_share({"related_titles": ["A b", "C"]}, Extracted(related_titles=["a  B"]))
    0.5
    """
    wanted = [norm(t) for t in truth.get("related_titles") or [] if norm(t)]
    if not wanted:
        return None
    have = {norm(t) for t in got.related_titles}
    return sum(w in have for w in wanted) / len(wanted)


def check_related(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    share = related_share(truth, got)
    return None if share is None else share >= RELATED_MIN_SHARE


def check_tags(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    if "tags" not in truth:
        return None
    want = {k for k in map(_tag_key, truth.get("tags") or []) if k}
    have = {k for k in map(_tag_key, got.tags) if k}
    if not want:
        return not have
    return len(want & have) / len(want | have) >= TAGS_MIN_JACCARD


def check_section(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    if not truth.get("section"):
        return None
    return bool(got.section) and last_segment(got.section) == last_segment(truth["section"])


# --- list checks ----------------------------------------------------------------------------

def check_refused(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    return got.refused


def check_links(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    sample = truth.get("article_links_sample") or []
    if not sample or got.links is None:
        return None
    have = {canonical_link(u) for u in got.links}
    return all(canonical_link(u) in have for u in sample)


def check_link_count(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    count = truth.get("article_count")
    if not isinstance(count, int) or got.links is None:
        return None
    low, high = LINK_COUNT_RANGE
    return low * count <= len(set(map(canonical_link, got.links))) <= high * count


def check_next_page(truth: Mapping[str, Any], got: Extracted) -> bool | None:
    if not truth.get("next_page") or got.links is None:
        return None
    if not got.next_page:
        return False
    return canonical_link(got.next_page) == canonical_link(truth["next_page"])


ARTICLE_CHECKERS = {
    "title": check_title, "published": check_published, "authors": check_authors,
    "lead": check_lead, "first_para": check_first_para, "last_para": check_last_para,
    "para_count": check_para_count, "captions_out": check_captions_out,
    "captions_found": check_captions_found, "forbidden": check_forbidden,
    "related": check_related, "tags": check_tags, "section": check_section,
}
LIST_CHECKERS = {"refused": check_refused, "links": check_links,
                 "link_count": check_link_count, "next_page": check_next_page}


def score(truth: Mapping[str, Any], got: Extracted) -> dict[str, bool | None]:
    """Every check of the truth's kind. A refused article page fails every check that applies.

    >>> t = {"kind": "article", "title": "Giá vàng", "paragraphs": 3}
    >>> s = score(t, Extracted(title="GIÁ VÀNG", paragraphs=["a", "b"]))
    >>> s["title"], s["para_count"], s["captions_out"]
    (True, True, None)
    >>> score(t, Extracted(refused=True))["title"]
    False
    """
    if truth.get("kind") == "list":
        return {name: check(truth, got) for name, check in LIST_CHECKERS.items()}
    out = {name: check(truth, got) for name, check in ARTICLE_CHECKERS.items()}
    if got.refused:
        out = {name: (None if value is None else False) for name, value in out.items()}
    return out


def pass_rates(scores: Sequence[Mapping[str, bool | None]]) -> dict[str, tuple[int, int]]:
    """(passed, applicable) per check over many pages.

    >>> pass_rates([{"title": True, "lead": None}, {"title": False, "lead": True}])
    {'title': (1, 2), 'lead': (1, 1)}
    """
    out: dict[str, tuple[int, int]] = {}
    for s in scores:
        for name, value in s.items():
            passed, total = out.get(name, (0, 0))
            if value is not None:
                out[name] = (passed + bool(value), total + 1)
            else:
                out.setdefault(name, (passed, total))
    return out


def overall(scores: Sequence[Mapping[str, bool | None]]) -> tuple[int, int]:
    """(passed, applicable) over every check of every page."""
    rates = pass_rates(scores).values()
    return sum(p for p, _ in rates), sum(t for _, t in rates)


def pct(passed: int, total: int) -> str:
    """A pass-rate cell.

    >>> pct(1, 3), pct(0, 0)
    ('33%', '-')
    """
    return f"{100 * passed / total:.0f}%" if total else "-"

