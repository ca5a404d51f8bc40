"""The seed article (shared/seed) is the ground truth of what an article item holds.

The fixture page of the seed article, and its markup variants, must extract to exactly the
text a reader sees: title, lead, body paragraphs, image captions, topic and related titles.
The variants lay the same article out in every form the CMS family's real pages use
(fixtures/README.md): bylines as a right-aligned last line, ``div.t1 > span.t2``,
``div.article__author`` in the body or in the footer (with the meta row's ``.author``); tags
boxes with or without a heading, '#'-prefixed links; the "Chủ đề" and "Đọc thêm" boxes under
different wrappers (``box-related``, ``related-news``, ``box-category``, ``section.suggest``),
inline related boxes in the body; ``table.picture``, ``figure`` and PhotoCMS captions; ``<p>``
or bare ``<div>`` paragraphs; and section boxes ("Tin cùng chuyên mục", "Có thể bạn quan tâm")
that are neither body nor related.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import FIXTURES

from crawler.extraction import extract_article

CASES = ("seed", "seed_figure", "seed_div", "seed_t1t2", "seed_author_body",
         "seed_author_footer")
IMAGE_LINE = re.compile(r"\.(jpe?g|png|webp)$", re.I)


@dataclass
class SeedText:
    title: str = ""
    lead: str = ""
    body: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)


def parse_seed(text: str) -> SeedText:
    """Read the reader's view: blocks separated by blank lines, in page order."""
    lines = [ln.strip() for ln in text.splitlines()]
    seed = SeedText(title=lines[0])
    rest = list(lines[1:])
    nonblank = [ln for ln in rest if ln]
    seed.lead = re.sub(r"^\(Baohatinh\.vn\) - ", "", nonblank[0])
    i = 1
    while i < len(nonblank):
        line = nonblank[i]
        if IMAGE_LINE.search(line):
            seed.captions.append(nonblank[i + 1])
            i += 2
            continue
        if line.startswith("Chủ đề "):
            seed.topics.append(line.removeprefix("Chủ đề "))
            i += 1
            continue
        if line == "Đọc thêm":
            related = nonblank[i + 1:]
            # Each related item: image alt text, heading, summary.
            seed.related = [related[j + 1] for j in range(0, len(related), 3)]
            break
        seed.body.append(line)
        i += 1
    return seed


@pytest.fixture(scope="module")
def seed_text(shared: Path) -> SeedText:
    return parse_seed((shared / "seed" / "baohatinh_article.txt").read_text("utf-8"))


def load_case(name: str):  # type: ignore[no-untyped-def]
    case = FIXTURES / "sites" / "baohatinh" / name
    meta = json.loads((case / "meta.json").read_text("utf-8"))
    return extract_article((case / "page.html").read_bytes(), meta["url"],
                           crawled_at=meta["fetched_at"])


def test_seed_parser_reads_the_whole_seed(seed_text: SeedText) -> None:
    assert seed_text.title.startswith("Tiếp tục xây dựng đội ngũ công nhân")
    assert len(seed_text.captions) == 6
    assert len(seed_text.related) == 8
    assert seed_text.topics == ["Chủ trương - Chính sách"]
    assert len(seed_text.body) == 13


@pytest.mark.parametrize("case", CASES)
def test_seed_page_extracts_exactly_as_the_reader_sees_it(case: str, seed_text: SeedText) -> None:
    art = load_case(case)
    assert art.title == seed_text.title
    assert art.lead == seed_text.lead
    assert art.body.split("\n\n") == seed_text.body
    assert [img["caption"] for img in art.images] == seed_text.captions
    assert art.topics == seed_text.topics
    assert [r["title"] for r in art.related] == seed_text.related
    assert art.authors == ["Thu Hà"] and "Thu Hà" not in art.body
    assert art.tags == ["Nghị quyết 06", "công đoàn", "giai cấp công nhân", "Tỉnh ủy Hà Tĩnh"]
    assert art.section == "Chính trị"
    assert art.published_at and art.published_at.endswith("+07:00")
    assert art.article_id and art.url.endswith(f"-post{art.article_id}.html")
