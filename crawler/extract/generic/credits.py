"""Who wrote the story: the closing credit line of the body ("Tin và ảnh: X", a short
right-aligned or bold name), author-marked elements, JSON-LD persons, the author meta; and
what closes a story without being its text (promos, a source or agency line: "Theo X",
"(TTXVN/Vietnam+)"), which is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from crawler.extract.base import (
    Block,
    jsonld_person_names,
    meta_content,
)
from crawler.text import normalize_text, split_authors

_SITE_LIKE = re.compile(r"\.(vn|com|net|org)\b|online|báo|news|corp", re.I)


# Labels a CMS prints where no name was filled in.
_PLACEHOLDERS = frozenset({"bút danh", "tác giả", "author", "phóng viên", "admin",
                           "administrator", "biên tập viên", "ban biên tập", "tổng hợp"})


def _plausible_name(name: str) -> bool:
    return 2 <= len(name) <= 40 and not _SITE_LIKE.search(name) and len(name.split()) <= 5 \
        and name.casefold() not in _PLACEHOLDERS


_AUTHOR_CSS = ("[data-role=author]", "[class*=author] .name", "p.author", "a.author",
               "[class*=author-name]", "[rel=author]", "[class*=author]", "[class*=byline]",
               "div.t1 > span.t2")


def site_keys(sel: Selector, url: str) -> set[str]:
    """The site's own name in comparable forms ("vnexpress", "báo hà tĩnh"): a byline
    naming the site credits no person."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    keys = {host.split(".")[0]} if host else set()
    name = meta_content(sel, "og:site_name")
    if name:
        keys.add(_key(name))
    return keys


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", normalize_text(name).casefold())


def generic_authors(sel: Selector, ld: dict[str, Any], credit: str | None,
                    source: str | None = None, site: Collection[str] = ()) -> list[str]:
    names = _generic_authors(sel, ld, credit, source)
    return [n for n in names if _key(n) not in site]


def _generic_authors(sel: Selector, ld: dict[str, Any], credit: str | None,
                     source: str | None = None) -> list[str]:
    """The people credited: the body's closing credit line, else author-marked elements
    (short ones: a byline, not an author box), else JSON-LD persons, else a meta author that
    is not the site's own name. A story closing on a source or agency ("Theo Vietnamnet",
    "TTXVN") credits nobody else unless the page names an author element."""
    if credit:
        names = credit_names(credit)
        if names:
            return names
    for q in _AUTHOR_CSS:
        texts = [_byline_text(n) for n in sel.css(q)]
        texts = [t for t in texts if t and len(t) <= 60 and not _SOURCE_CREDIT.match(t)]
        names = _names([n for t in texts for n in credit_names(t)])
        if names:
            return names
    if source:
        return []
    for candidates in ([n for n in jsonld_person_names(ld.get("author"))
                        if not _AGENCY_IN.search(n)], [meta_content(sel, "author") or ""]):
        names = _names(candidates)
        if names:
            return names
    return []


def _byline_text(node: Selector) -> str:
    """A byline's text; when it marks the person's name (``itemprop=name``), only that: the
    rest is often the source the story came from ("<name>, Đời sống Pháp luật")."""
    named = [normalize_text(" ".join(n.xpath(".//text()").getall()))
             for n in node.css("[itemprop=name]")]
    named = [t for t in named if t]
    if named:
        return ", ".join(named)
    return normalize_text(" ".join(node.xpath(".//text()[not(ancestor::script)]").getall()))


_SOURCE_CREDIT = re.compile(r"^\W*(theo|nguồn)\b", re.I)
_AGENCY_IN = re.compile(r"\b(TTXVN|VNA|Vietnam\+|TTO|AFP|Reuters)\b")


def _names(candidates: list[str]) -> list[str]:
    out: list[str] = []
    for c in candidates:
        for name in split_authors(c):
            if _plausible_name(name) and name.casefold() not in {o.casefold() for o in out}:
                out.append(name)
    return out


def byline_elements(container: Selector) -> set[Any]:
    """Short author-marked elements inside the text block (``div.t1 > span.t2``,
    ``p.author``): they go to ``authors``, not the body."""
    return {node.root for q in _AUTHOR_CSS for node in container.css(q)
            if node.root is not container.root
            and len(normalize_text(" ".join(node.xpath(".//text()").getall()))) <= 60}


_ROLE_LABEL = (r"(?:tin|bài|bài viết|ảnh|video|clip|đồ họa|thực hiện|nhóm phóng viên)"
               r"(?:\s*(?:và|,|&|\+|/)\s*(?:ảnh|bài|video|clip))?\s*:")
ROLE_CREDIT = re.compile(r"^\W*(?:tin|bài|bài viết|thực hiện|nhóm phóng viên)"
                          r"(?:\s*(?:và|,|&|\+|/)\s*(?:ảnh|bài|video|clip))?\s*:", re.I)
_ROLE_LABELS = re.compile(_ROLE_LABEL, re.I)


_NAME_PREFIX = re.compile(r"^\W*(tác giả|người viết|phóng viên|by)\b\s*:?\s*", re.I)


def credit_names(credit: str) -> list[str]:
    """People named in a credit line, role labels left out.

    >>> credit_names("Tin: Tường Minh - Ảnh: Đỗ Hiền"), credit_names("Tin và ảnh: Nam Giang")
    (['Tường Minh', 'Đỗ Hiền'], ['Nam Giang'])
    >>> credit_names("Tạ Nguyên/Báo Tin tức"), credit_names("Tác giả Anh Hoa")
    (['Tạ Nguyên'], ['Anh Hoa'])
    """
    return _names([_ROLE_LABELS.sub(", ", _NAME_PREFIX.sub("", credit))])


_PROMO = re.compile(r"^\W*(mời (quý )?(bạn đọc|độc giả)|bạn đọc có thể"
                    r"|(xem thêm|đọc thêm)(\W*$|\s*:)|tin liên quan\W*$)", re.I)
_AGENCY = re.compile(r"^(TTXVN|VNA|TTXVN/VNA|PV|CTV|BTV|PV-CTV|Vietnam\+|VietnamPlus|AFP"
                     r"|Reuters|AP|Xinhua|TTO|VOV|VTV|Tổng hợp|Nhóm PV)$", re.I)
_CREDIT_MAX = 60


def is_agency(credit: str) -> bool:
    """A credit naming news agencies only ("TTXVN", "(TTXVN/Vietnam+)", "Reuters, AFP").

    >>> is_agency("(TTXVN/Vietnam+)"), is_agency("Minh Tâm/TTXVN")
    (True, False)
    """
    parts = [p for p in re.split(r"\s*[/,;]\s*|\s+-\s+", credit.strip("()[] ")) if p]
    return bool(parts) and all(_AGENCY.match(p) for p in parts)


def trailing_credit(blocks: list[Block]) -> tuple[list[Block], str | None, str | None]:
    """Drop the lines that close a story without being its text: promos ("Mời bạn đọc vào
    chuyên mục..."), then a short right-aligned or bold credit line ("Minh Tâm", "TTXVN",
    "Theo DTO") or a source line ("Theo Vietnamnet"). Returns the blocks, the credit when it
    names people and the credit when it names a source or agency."""
    blocks = list(blocks)
    while blocks and _PROMO.search(normalize_text(blocks[-1].text)):
        blocks.pop()
    if not blocks:
        return blocks, None, None
    text = normalize_text(blocks[-1].text)
    credit = text[1:-1].strip() if text[:1] + text[-1:] in ("()", "[]") else text
    source = (bool(_SOURCE_CREDIT.match(credit)) and len(credit) <= 40
              and not credit.endswith((".", "?", "!"))) or is_agency(credit)
    if source:
        blocks.pop()
        # "H.A<br>(Theo Readers Digest)": the writer's line right above the source line.
        person = _person_credit(blocks[-1]) if blocks else None
        if person:
            blocks.pop()
        return blocks, person, credit
    person = _person_credit(blocks[-1])
    if person is None:
        return blocks, None, None  # a closing sentence in bold, not a byline
    blocks.pop()
    return blocks, person, None


def _person_credit(block: Block) -> str | None:
    """The line's credit when it is a short right-aligned or bold line naming people."""
    text = normalize_text(block.text)
    credit = text[1:-1].strip() if text[:1] + text[-1:] in ("()", "[]") else text
    styled = (block.right_aligned or block.bold) and len(text) <= _CREDIT_MAX and (
        block.right_aligned or not text.endswith((".", ":", "?", "!")))
    names = credit_names(credit)
    if not styled or not names or not all(map(_name_cased, names)):
        return None
    return credit


def _name_cased(name: str) -> bool:
    """Every word of a Vietnamese name starts with a capital ("Minh Tâm", "MAI QUẾ").

    >>> _name_cased("Minh Tâm"), _name_cased("Chúc mừng năm mới")
    (True, False)
    """
    return all(w[:1].isupper() for w in name.split() if w[:1].isalpha())


