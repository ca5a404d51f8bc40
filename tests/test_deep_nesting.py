"""Hostile nesting (issue 11, item 8): tree walks are iterative, so a page nesting elements
far past Python's recursion limit extracts, or is refused, without a RecursionError and in
bounded time."""

from __future__ import annotations

import sys
import time

import pytest
from lxml import etree
from parsel import Selector

from crawler.extract import NotAnArticle
from crawler.extract.base import BodyRules, walk_body
from crawler.extract.generic.body import score_containers
from crawler.sites.dispatch import extract_any

DEPTH = 100_000  # what the parser is given; it keeps a few thousand levels of it
# Trees built in code keep every level; lxml itself slows down on very deep chains (freeing an
# element proxy walks up its ancestors), so these stay at a depth that is still far past the
# recursion limit.
BUILT_DEPTH = 10_000
SENTENCE = "Người dân đổ xô đi mua vàng trong sáng nay tại các cửa hàng ở Hà Nội."
HEAD = ("<html><head><title>Tin vàng</title><meta property='og:type' content='article'>"
        "</head><body><h1>Người dân đổ xô đi mua vàng</h1>")


def _deep_tree(depth: int, tag: str = "div", text: str | None = SENTENCE) -> etree._Element:
    """A chain of ``depth`` nested elements built directly (the HTML parser caps nesting
    depth, a tree built in code does not), each holding a line of text."""
    root = etree.Element("div")
    node = root
    for _ in range(depth):
        node = etree.SubElement(node, tag)
        node.text = text
        node.tail = "đuôi"
    return root


def test_walk_body_has_no_depth_limit() -> None:
    assert BUILT_DEPTH > sys.getrecursionlimit() * 5
    started = time.process_time()
    parts = walk_body(Selector(root=_deep_tree(BUILT_DEPTH), type="html"), "https://x.vn/",
                      BodyRules())
    assert time.process_time() - started < 30
    assert len(parts.blocks) == 2 * BUILT_DEPTH  # each level's text and its tail in the parent
    assert parts.blocks[0].text == SENTENCE and parts.blocks[-1].text == "đuôi"


def test_inline_nesting_has_no_depth_limit() -> None:
    root = etree.Element("div")
    p = etree.SubElement(root, "p")
    node = p
    for _ in range(BUILT_DEPTH):
        node = etree.SubElement(node, "span")
        node.text = "a"
    parts = walk_body(Selector(root=root, type="html"), "https://x.vn/", BodyRules())
    assert [b.text for b in parts.blocks] == ["a" * BUILT_DEPTH]


def test_container_scoring_has_no_depth_limit() -> None:
    root = _deep_tree(BUILT_DEPTH // 4, tag="div")
    started = time.process_time()
    scores = score_containers(root)
    assert time.process_time() - started < 30
    assert len(scores) >= BUILT_DEPTH // 4 - 1


@pytest.mark.parametrize("inner", [
    "<div>" * DEPTH + f"<p>{SENTENCE}</p>" + "</div>" * DEPTH,
    f"<div>{SENTENCE}" * DEPTH + "</div>" * DEPTH,
    "<p>" + "<span>chữ " * DEPTH + "</span>" * DEPTH + "</p>",
])
def test_hostile_page_extracts_or_is_refused(inner: str) -> None:
    html = HEAD + inner + "</body></html>"
    started = time.process_time()
    try:
        raw, used = extract_any(html, "https://baovidu.vn/tin-vang.html")
    except NotAnArticle:
        pass
    else:
        assert used == "generic" and raw["title"]
    assert time.process_time() - started < 30
