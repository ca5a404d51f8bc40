"""The indexed CSS path (crawler.extract.base.select) must find exactly what parsel's CSS finds,
in the same order: it replaces page-wide XPath walks in every site spec."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import fields
from pathlib import Path

import pytest
from parsel import Selector

import crawler.sites
from crawler.extract.base import _plan, select, select_values, selector_for, walk_body
from crawler.extract.spec import PageSpec
from crawler.sites.cmspost import BODY_RULES

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "fixtures" / "sites").glob("*/*/page.html"))

TRICKY = """<html><head><title>t</title></head><body>
<div class="x box"><p class="x">one <a href="/1">a1</a></p>
  <div class="x inner"><a href="/2" class="t">a2</a><span class="x"><a href="/3">a3</a></span></div>
</div>
<section data-role="sapo" class="y"> s <a href="/4">a4</a></section>
<ul class="breadcrumb"><li><a href="/c">Chuyên mục</a></li><li><a href="/d">Con</a></li></ul>
<span class="breadcrumb"><a href="/e">inline crumb</a></span>
<div class="box  x"><h3 class="title-news"><a href="/5">a5</a></h3></div>
<div id="main" type="RelatedNewsBox"><h3 class="t"><a href="/6">a6</a></h3></div>
<table class="picture"><tr><td class="caption">cap</td></tr></table>
</body></html>"""

QUERIES = [
    ".x", ".x .x", ".x a", ".box .x a", "div.x", "p.x", "span.x a", ".breadcrumb a",
    "ul.breadcrumb li a", "[data-role=sapo]", "[data-role=sapo] a", "section", "section a",
    ".box .title-news a", "[type=RelatedNewsBox] .t a", "#main a", "td.caption", "h3",
    ".missing a", "a", "div.x.box", ".x.inner a.t", "[id^=ma] a",
]


def spec_queries() -> list[str]:
    """Every element query of every site spec and profile."""
    out: set[str] = set()
    for mod in pkgutil.iter_modules(crawler.sites.__path__):
        module = importlib.import_module(f"crawler.sites.{mod.name}")
        spec = getattr(module, "SPEC", None)
        if isinstance(spec, PageSpec):
            for f in fields(spec):
                value = getattr(spec, f.name)
                if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
                    out.update(value)
        for name in ("TITLE_CSS", "SAPO_CSS", "TAG_CSS", "TOPIC_CSS", "BODY_CSS"):
            out.update(getattr(module, name, ()))
    return sorted(q for q in out if "::" not in q)


def same(sel: Selector, query: str) -> None:
    expected = [n.root for n in sel.css(query)]
    got = [n.root for n in select(sel, query)]
    assert got == expected, query


def test_tricky_page_matches_parsel() -> None:
    sel = selector_for(TRICKY, "https://example.vn/")
    for q in QUERIES:
        same(sel, q)
    # The indexed path really is taken for these shapes (else the test proves nothing).
    assert all(_plan(q) is not None for q in (".x .x", "[data-role=sapo] a", "section a"))
    assert select_values(sel, ".box .title-news a::attr(href)") == ["/5"]
    assert select_values(sel, "[data-role=sapo] a::attr(href)") == ["/4"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_spec_queries_match_parsel_on_golden_pages(page: Path) -> None:
    sel = selector_for(page.read_text("utf-8"), "https://example.vn/")
    queries = spec_queries()
    assert len(queries) > 40
    for q in queries:
        same(sel, q)


def test_scoped_queries_match_parsel() -> None:
    sel = selector_for(TRICKY, "https://example.vn/")
    box = sel.css("div.box")[0]
    # Scoped to an element: same results as parsel, including the element itself.
    assert [n.root for n in select(box, ".x")] == [n.root for n in box.css(".x")]
    assert box.root in [n.root for n in select(box, ".x")]
    # Every query from every element of the page: the index answers, kept to the scope.
    for scope in sel.xpath("//body//*"):
        for q in QUERIES:
            same(scope, q)


def test_page_is_indexed_once_per_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Extracting a cms-post page walks the whole document for its index (classes of every
    element, metas, positions) once: every query, scoped or not, and the related-box search
    share it."""
    from crawler.extract import dom
    from crawler.sites import cmspost

    walks: list[int] = []
    real_walk = dom._walk_document

    def counting(root: object, index: dom.DocIndex) -> None:
        walks.append(id(root))
        real_walk(root, index)

    monkeypatch.setattr(dom, "_walk_document", counting)
    page = next(p for p in PAGES if p.parent.parent.name == "baohatinh")
    raw = cmspost.extract(page.read_text("utf-8"), "https://baohatinh.vn/a-post1.html")
    assert raw["paragraphs"] and raw["title"] and raw["related"]
    assert len(walks) == 1


def test_body_rules_as_simple_tests_match_css() -> None:
    html = """<html><body><div class="article__body">
    <p>Đoạn một.</p><div class="sda_middle"><p>quảng cáo</p></div>
    <div id="sdaWeb_1"><p>quảng cáo 2</p></div>
    <table class="picture"><tr><td><img src="/a.jpg"></td></tr><tr><td class="caption">Chú
    thích</td></tr></table><p>Đoạn <span class="share">chia sẻ</span>hai.</p>
    </div></body></html>"""
    sel = selector_for(html, "https://baohatinh.vn/a-post1.html")
    parts = walk_body(sel.css("div.article__body")[0], "https://baohatinh.vn/", BODY_RULES)
    assert [b.text for b in parts.blocks] == ["Đoạn một.", "Đoạn hai."]
    assert parts.images == [{"url": "https://baohatinh.vn/a.jpg", "caption": "Chú\n    thích"}]
