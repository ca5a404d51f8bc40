"""Measure extraction over a folder of saved pages, side by side with trafilatura.

    python -m crawler.evaluate DIR            # every *.html under DIR (e.g. ../shared/html)
    python -m crawler.evaluate DIR --golden   # cases: */page.html + meta.json + expected.json
    python -m crawler.evaluate --benchmark [DIR]   # the article-extraction-benchmark (181 pages)
    python -m crawler.evaluate --truth [DIR] [--json]   # real pages against truth/*.json
    ... --no-trafilatura                      # ours only (trafilatura not run)

A saved page's URL is its meta.json "url" when there is one, else what the page declares
(rel=canonical, else og:url). Each page is extracted with crawler.sites.dispatch.extract_any
(site profile, then CMS family, then generic) and cleaned as a crawl would; the report shows,
per site, which fields came out, and body precision/recall/F1 over syllables against the
expected body where an expected.json exists, with trafilatura's figures next to ours.

``--benchmark`` scores the generic fallback (crawler.extract.generic.extract, no profile,
no CMS family) and trafilatura on the Zyte article-extraction-benchmark with its published
metric (4-token shingles, see shingle_counts), next to the tools whose outputs ship with it.
DIR defaults to $SHARED_DIR/evaldata/article-extraction-benchmark (SHARED_DIR defaults to
<repo>/../shared). Every run checks the scorer: it must give trafilatura's reference output
the published F1 (0.958 ± 0.005), else no table is printed and the exit code is 3. The set is
mostly English: the figure is reported, the generic extractor is not tuned for it.

The scoring functions are pure and documented by their doctests. The article-extraction-benchmark
lives in crawler.extraction_benchmark, the ground-truth run in crawler.truth_eval (its checks in
crawler.truth); this module is the command line and the saved-folder report.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler.extract.base import NotAnArticle, page_url, selector_for
from crawler.extract.clean import clean_article, raw_to_article
from crawler.extraction_benchmark import benchmark_main, default_benchmark_dir
from crawler.sites.dispatch import extract_any
from crawler.truth_eval import default_truth_dir, truth_main
from crawler.urls import site_of

FIELDS = ("title", "lead", "body", "published_at", "authors", "section", "tags", "images")
_TOKEN_RE = re.compile(r"\w+")


# --- pure scoring --------------------------------------------------------------------------

def syllables(text: str) -> list[str]:
    """Vietnamese text as lower-case syllable tokens (words are space-separated syllables).

    >>> syllables("Giá vàng, hôm nay: TĂNG 2%!")
    ['giá', 'vàng', 'hôm', 'nay', 'tăng', '2']
    >>> syllables("Hoa\u0300") == syllables("Hoà")  # NFD and NFC give the same tokens
    True
    """
    return _TOKEN_RE.findall(unicodedata.normalize("NFC", text).lower())


def token_prf(predicted: str, expected: str) -> tuple[float, float, float]:
    """Bag-of-syllables precision, recall and F1 of a predicted body against the expected one.

    >>> token_prf("một hai ba", "một hai ba bốn")
    (1.0, 0.75, 0.857)
    >>> token_prf("", "một"), token_prf("", "")
    ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    """
    pred, gold = Counter(syllables(predicted)), Counter(syllables(expected))
    if not pred and not gold:
        return 1.0, 1.0, 1.0
    overlap = sum((pred & gold).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision = overlap / sum(pred.values())
    recall = overlap / sum(gold.values())
    return round(precision, 3), round(recall, 3), round(2 * precision * recall
                                                          / (precision + recall), 3)


def fields_present(article: dict[str, Any]) -> dict[str, bool]:
    """Which of FIELDS came out non-empty.

    >>> fields_present({"title": "T", "body": "", "authors": ["A"]})["authors"]
    True
    """
    return {f: bool(article.get(f)) for f in FIELDS}


def mean(values: Iterable[float]) -> float | None:
    """Average, None for no values.

    >>> mean([0.5, 1.0]), mean([])
    (0.75, None)
    """
    vals = list(values)
    return round(sum(vals) / len(vals), 3) if vals else None


def mark(value: bool | None) -> str:
    """One table cell: '✓', '·' (missing) or '-' (not applicable).

    >>> mark(True) + mark(False) + mark(None)
    '✓·-'
    """
    return "-" if value is None else ("✓" if value else "·")


def fmt(value: float | None) -> str:
    """An F1 cell.

    >>> fmt(0.9876), fmt(None)
    ('0.99', '-')
    """
    return "-" if value is None else f"{value:.2f}"


# --- one page --------------------------------------------------------------------------------

@dataclass
class PageResult:
    path: str
    url: str
    site: str
    used: str  # "profile:<slug>", "family:<name>", "generic" or "not-article: <why>"
    ours: dict[str, bool] = field(default_factory=dict)
    theirs: dict[str, bool] = field(default_factory=dict)  # empty: trafilatura was not run
    ours_f1: float | None = None
    theirs_f1: float | None = None
    # Our cleaned article itself, so a check can look at values, not only at presence.
    article: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_article(self) -> bool:
        return not self.used.startswith("not-article")


def declared_url(html: bytes) -> str | None:
    """The URL a saved page declares for itself (rel=canonical, else og:url)."""
    return page_url(selector_for(html, "https://localhost/"))


def ours(html: bytes, url: str) -> tuple[dict[str, Any], str]:
    """Our cleaned article (as a dict) and what extracted it."""
    raw, used = extract_any(html, url)
    article = clean_article(raw_to_article(raw, crawled_at="1970-01-01T00:00:00Z"))
    return asdict(article), used


def trafilatura_fields(html: bytes, url: str) -> dict[str, Any] | None:
    """trafilatura's view of the page mapped to our field names; None when it is not
    installed (or its optional lxml_html_clean dependency is missing)."""
    try:
        import trafilatura
    except ImportError:
        return None
    out = trafilatura.extract(html.decode("utf-8", "replace"), url=url, output_format="json",
                              with_metadata=True, include_comments=False)
    if not out:
        return {}
    data = json.loads(out)
    return {"title": data.get("title"), "lead": data.get("excerpt"), "body": data.get("text"),
            "published_at": data.get("date"), "authors": data.get("author"),
            "section": data.get("categories"), "tags": data.get("tags"),
            "images": data.get("image")}


def evaluate_page(path: Path, url: str | None = None, expected: dict[str, Any] | None = None,
                  *, with_trafilatura: bool = True) -> PageResult:
    html = path.read_bytes()
    url = url or declared_url(html) or "https://unknown.invalid/"
    result = PageResult(str(path), url, site_of(url), used="")
    try:
        article, result.used = ours(html, url)
    except NotAnArticle as exc:
        result.used = f"not-article: {exc}"
        article = {}
    result.ours, result.article = fields_present(article), article
    theirs = trafilatura_fields(html, url) if with_trafilatura else None
    if with_trafilatura:
        result.theirs = fields_present(theirs or {})
    if expected is not None and expected.get("body"):
        result.ours_f1 = token_prf(article.get("body", ""), expected["body"])[2]
        if theirs is not None:
            result.theirs_f1 = token_prf(theirs.get("body") or "", expected["body"])[2]
    return result


# --- folders and report ------------------------------------------------------------------------

def golden_cases(root: Path) -> list[tuple[Path, str, dict[str, Any]]]:
    """(page, url, expected) for each case folder holding page.html, meta.json, expected.json."""
    cases = []
    for page in sorted(root.rglob("page.html")):
        meta, expected = page.parent / "meta.json", page.parent / "expected.json"
        if meta.is_file() and expected.is_file():
            cases.append((page, json.loads(meta.read_text("utf-8"))["url"],
                          json.loads(expected.read_text("utf-8"))))
    return cases


def evaluate_dir(root: Path, golden: bool = False, *,
                 with_trafilatura: bool = True) -> list[PageResult]:
    if golden:
        return [evaluate_page(p, url, exp, with_trafilatura=with_trafilatura)
                for p, url, exp in golden_cases(root)]
    return [evaluate_page(p, with_trafilatura=with_trafilatura)
            for p in sorted(root.rglob("*.html"))]


def report(results: Sequence[PageResult]) -> str:
    """Per site: pages, how they were extracted, each field found (ours / trafilatura) and mean
    body F1 where an expected body exists. A field cell reads "ours/theirs" found counts
    ("ours/-" when trafilatura was not run)."""
    header = ["site", "pages", "articles", "used", *(f[:6] for f in FIELDS), "F1 ours",
              "F1 traf"]
    rows = [header]
    by_site: dict[str, list[PageResult]] = {}
    for r in results:
        by_site.setdefault(r.site or "?", []).append(r)
    for site, rs in sorted(by_site.items()):
        arts = [r for r in rs if r.is_article]
        used = ",".join(sorted({r.used for r in arts})) or "-"
        ran = all(r.theirs for r in arts)
        cells = [f"{sum(r.ours[f] for r in arts)}/"
                 + (str(sum(r.theirs[f] for r in arts)) if ran else "-") for f in FIELDS]
        rows.append([site, str(len(rs)), str(len(arts)), used, *cells,
                     fmt(mean(r.ours_f1 for r in rs if r.ours_f1 is not None)),
                     fmt(mean(r.theirs_f1 for r in rs if r.theirs_f1 is not None))])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path, nargs="?")
    parser.add_argument("--golden", action="store_true",
                        help="DIR holds golden cases (page.html + meta.json + expected.json)")
    parser.add_argument("--benchmark", type=Path, nargs="?", const=default_benchmark_dir(),
                        metavar="DIR", help="score the generic fallback on the "
                        "article-extraction-benchmark (default: %(const)s)")
    parser.add_argument("--truth", type=Path, nargs="?", const=default_truth_dir(),
                        metavar="DIR", help="score every truth/*.json of real pages, ours and "
                        "trafilatura's with the same checks (default: %(const)s)")
    parser.add_argument("--json", action="store_true", help="--truth: machine-readable output")
    parser.add_argument("--no-trafilatura", action="store_true",
                        help="do not run trafilatura (ours only)")
    args = parser.parse_args(argv)
    if args.truth is not None:
        return truth_main(args.truth, with_trafilatura=not args.no_trafilatura,
                          as_json=args.json)
    if args.benchmark is not None:
        return benchmark_main(args.benchmark, live_trafilatura=not args.no_trafilatura)
    if args.dir is None:
        parser.error("give DIR, or --benchmark")
    if not args.dir.is_dir():
        print(f"error: no such folder: {args.dir}", file=sys.stderr)
        return 2
    results = evaluate_dir(args.dir, golden=args.golden,
                           with_trafilatura=not args.no_trafilatura)
    if not results:
        print(f"no pages found under {args.dir}", file=sys.stderr)
        return 1
    print(report(results))
    print("\ncells: fields found by ours/trafilatura among article pages; F1 = body "
          "syllable F1 against expected.json")
    for r in results:
        name = Path(r.path).parent.name if args.golden else Path(r.path).name
        print(f"  {name}: {r.used}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
