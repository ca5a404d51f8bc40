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

The scoring functions are pure and documented by their doctests.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.truth import Extracted

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
    from crawler.extract.base import page_url, selector_for

    return page_url(selector_for(html, "https://localhost/"))


def ours(html: bytes, url: str) -> tuple[dict[str, Any], str]:
    """Our cleaned article (as a dict) and what extracted it."""
    from dataclasses import asdict

    from crawler.extract.clean import clean_article, raw_to_article
    from crawler.sites.dispatch import extract_any

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
    from crawler.extract.base import NotAnArticle
    from crawler.urls import site_of

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


# --- the article-extraction-benchmark (Zyte): its published metric, pure ------------------------

# Body F1 published with the benchmark for the tools whose outputs ship in reference_outputs/
# (html-text is its whole-page-text baseline).
PUBLISHED_F1 = {"trafilatura": 0.958, "newspaper": 0.949, "news_please": 0.948,
                "readability": 0.922, "html-text": 0.665}
# The versions the benchmark's README gives for the two output files that carry none.
README_VERSIONS = {"newspaper": "0.9.3.1", "news_please": "1.6.16"}
# How close our scorer must come to a published figure: the figures are given to 3 decimals.
SCORER_TOLERANCE = 0.005
SHINGLE_N = 4

Counts = tuple[float, float, float]  # one page's TP, FP, FN, normalised to sum 1


def shingles(text: str, n: int = SHINGLE_N) -> Counter[tuple[str, ...]]:
    """The multiset of n-token shingles of a text, tokens being \\w+ runs as written (the
    published metric keeps case). A text of fewer than n tokens is a single shingle.

    >>> sorted(shingles("a b c d e"))
    [('a', 'b', 'c', 'd'), ('b', 'c', 'd', 'e')]
    >>> shingles("Only two!"), shingles("")
    (Counter({('Only', 'two'): 1}), Counter())
    """
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))
                   if tokens[i:i + n])


def shingle_counts(expected: str, predicted: str, n: int = SHINGLE_N) -> Counts:
    """One page's TP, FP, FN over shingle multisets, divided by their sum so that a long page
    weighs no more than a short one in the averages.

    >>> shingle_counts("a b c d e", "a b c d")
    (0.5, 0.0, 0.5)
    >>> shingle_counts("a b c d", ""), shingle_counts("", "")
    ((0.0, 0.0, 1.0), (0.0, 0.0, 0.0))
    """
    gold, pred = shingles(expected, n), shingles(predicted, n)
    tp = sum((gold & pred).values())
    fp = sum((pred - gold).values())
    fn = sum((gold - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def page_precision(tp: float, fp: float, fn: float) -> float:
    """One page's precision; a page with nothing to find and nothing found is perfect.

    >>> page_precision(0.5, 0.25, 0.25), page_precision(0.0, 0.0, 0.0)
    (0.6666666666666666, 1.0)
    """
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def page_recall(tp: float, fp: float, fn: float) -> float:
    """One page's recall (a page with no expected body never reaches the recall mean).

    >>> page_recall(0.5, 0.25, 0.25), page_recall(0.0, 0.0, 1.0)
    (0.6666666666666666, 0.0)
    """
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def benchmark_scores(pages: Sequence[Counts]) -> dict[str, float]:
    """Precision averaged over the pages with a prediction (an empty prediction costs recall,
    not precision), recall averaged over the pages with an expected body, F1 their harmonic
    mean; rounded to 4 places.

    >>> benchmark_scores([(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)])  # 2nd page: nothing predicted
    {'precision': 1.0, 'recall': 0.5, 'f1': 0.6667}
    """
    precisions = [page_precision(*c) for c in pages if c[0] + c[1] > 0]
    recalls = [page_recall(*c) for c in pages if c[0] + c[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}


def score_bodies(truth: Mapping[str, str], predicted: Mapping[str, str]) -> dict[str, float]:
    """The published figures of predicted bodies (page id -> text; a missing page counts as an
    empty prediction) against the ground truth.

    >>> score_bodies({"p1": "one two three four five"}, {"p1": "one two three four"})
    {'precision': 1.0, 'recall': 0.5, 'f1': 0.6667}
    """
    return benchmark_scores([shingle_counts(body, predicted.get(key) or "")
                             for key, body in truth.items()])


def reference_output(data: Mapping[str, Any]) -> tuple[str | None, dict[str, str]]:
    """(tool version, page id -> body) of one reference output file. Two layouts ship: the
    repo's newer {"version", "output": {id: {...}}} and the older bare {id: {...}}.

    >>> reference_output({"version": "2.0.0", "output": {"p1": {"articleBody": "x"}}})
    ('2.0.0', {'p1': 'x'})
    >>> reference_output({"p1": {"articleBody": None}})
    (None, {'p1': ''})
    """
    if isinstance(data.get("output"), dict):
        version, pages = data.get("version"), data["output"]
    else:
        version, pages = None, data
    return version, {key: (page or {}).get("articleBody") or "" for key, page in pages.items()}


def scorer_check(measured_f1: float, published_f1: float = PUBLISHED_F1["trafilatura"],
                 tolerance: float = SCORER_TOLERANCE) -> bool:
    """The scorer reproduces a published figure.

    >>> scorer_check(0.9581), scorer_check(0.95)
    (True, False)
    """
    return abs(measured_f1 - published_f1) <= tolerance + 1e-9


# --- the benchmark's files and the two live extractors ------------------------------------------

def default_benchmark_dir() -> Path:
    """$SHARED_DIR/evaldata/article-extraction-benchmark, SHARED_DIR defaulting to the folder
    next to the repository (where reference data lives, out of the project's commits)."""
    repo = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("SHARED_DIR", repo.parent / "shared")) / "evaldata" / \
        "article-extraction-benchmark"


def load_ground_truth(root: Path) -> dict[str, dict[str, str]]:
    """page id -> {"url", "articleBody"}."""
    truth: dict[str, dict[str, str]] = json.loads((root / "ground-truth.json").read_text("utf-8"))
    return truth


def load_reference_outputs(root: Path) -> dict[str, tuple[str | None, dict[str, str]]]:
    """tool -> (version, page id -> body), from reference_outputs/<tool>.json.gz."""
    return {path.name.removesuffix(".json.gz"):
            reference_output(json.loads(gzip.decompress(path.read_bytes())))
            for path in sorted((root / "reference_outputs").glob("*.json.gz"))}


def benchmark_pages(root: Path, truth: Mapping[str, Mapping[str, str]]
                    ) -> Iterator[tuple[str, str, str]]:
    """(page id, url, html) for every labelled page; the pages are gzipped UTF-8."""
    for key, page in truth.items():
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes())
        yield key, page["url"], html.decode("utf-8")


def generic_body(html: str, url: str) -> str:
    """Our generic fallback's body, cleaned as a crawl would; "" when it refuses the page."""
    from crawler.extract.base import NotAnArticle
    from crawler.extract.clean import clean_article, raw_to_article
    from crawler.extract.generic import extract

    try:
        raw = extract(html, url)
    except NotAnArticle:
        return ""
    return clean_article(raw_to_article(raw, crawled_at="1970-01-01T00:00:00Z")).body


def trafilatura_body(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, output_format="txt") or ""


@dataclass
class Run:
    """One extractor over the benchmark: bodies, CPU seconds per page, pages it crashed on."""

    bodies: dict[str, str] = field(default_factory=dict)
    cpu: list[float] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def run_extractor(extractor: Callable[[str, str], str],
                  pages: Iterable[tuple[str, str, str]]) -> Run:
    """Run one extractor over the pages, timing each call in this process's CPU time (other
    processes' load is not counted). A crash is an empty prediction, kept in ``errors``."""
    run = Run()
    for key, url, html in pages:
        start = time.process_time()
        try:
            run.bodies[key] = extractor(html, url)
        except Exception as exc:  # one page's crash must not hide 180 pages' figures
            run.bodies[key] = ""
            run.errors[key] = repr(exc)
        run.cpu.append(time.process_time() - start)
    return run


def run_figures(truth: Mapping[str, str], run: Run) -> dict[str, Any]:
    """Scores, empty predictions, crashes and CPU ms per page (mean and median) of one run."""
    return {**score_bodies(truth, run.bodies),
            "empty": sum(1 for key in truth if not run.bodies.get(key)),
            "errors": len(run.errors),
            "cpu_ms_per_page": round(1000 * statistics.mean(run.cpu), 2) if run.cpu else None,
            "cpu_ms_median": round(1000 * statistics.median(run.cpu), 2) if run.cpu else None}


def run_benchmark(root: Path, *, live_trafilatura: bool = True) -> dict[str, Any]:
    """Every figure of the benchmark: the scorer check, the reference tools, ours, and
    trafilatura run live (unless turned off)."""
    meta = load_ground_truth(root)
    truth = {key: page.get("articleBody") or "" for key, page in meta.items()}
    pages = list(benchmark_pages(root, meta))
    reference: dict[str, dict[str, Any]] = {
                 tool: {"version": version or README_VERSIONS.get(tool),
                        **score_bodies(truth, bodies),
                        "empty": sum(1 for key in truth if not bodies.get(key)),
                        "published_f1": PUBLISHED_F1.get(tool)}
                 for tool, (version, bodies) in load_reference_outputs(root).items()}
    measured = reference.get("trafilatura", {}).get("f1", 0.0)
    figures: dict[str, Any] = {
        "pages": len(pages),
        "scorer_check": {"tool": "trafilatura", "published_f1": PUBLISHED_F1["trafilatura"],
                         "measured_f1": measured, "tolerance": SCORER_TOLERANCE,
                         "ok": scorer_check(measured)},
        "ours_generic": run_figures(truth, run_extractor(generic_body, pages)),
        "reference": reference,
    }
    if live_trafilatura:
        import trafilatura

        figures["trafilatura_live"] = {"version": trafilatura.__version__,
                                       **run_figures(truth, run_extractor(trafilatura_body,
                                                                          pages))}
    return figures


def benchmark_table(figures: Mapping[str, Any]) -> str:
    """Ours, trafilatura live and the reference tools side by side, best F1 first."""
    rows = [("ours (generic fallback)", "", figures["ours_generic"])]
    if "trafilatura_live" in figures:
        live = figures["trafilatura_live"]
        rows.append(("trafilatura (run here)", live["version"], live))
    rows += [(f"{tool} (reference output)", ref["version"] or "", ref)
             for tool, ref in figures["reference"].items()]
    rows.sort(key=lambda row: -row[2]["f1"])
    lines = [f"{'extractor':<34} {'version':<8} {'prec':>6} {'recall':>6} {'F1':>6} "
             f"{'publ.':>6} {'empty':>5} {'CPU ms/page mean/median':>23}"]
    for name, version, f in rows:
        cpu = ("-" if f.get("cpu_ms_per_page") is None
               else f"{f['cpu_ms_per_page']:.1f} / {f['cpu_ms_median']:.1f}")
        lines.append(f"{name:<34} {version:<8} {f['precision']:>6.3f} {f['recall']:>6.3f} "
                     f"{f['f1']:>6.3f} {fmt3(f.get('published_f1')):>6} {f['empty']:>5} "
                     f"{cpu:>23}")
    return "\n".join(lines)


def fmt3(value: float | None) -> str:
    """A score cell, to the published figures' 3 decimals.

    >>> fmt3(0.9581), fmt3(None)
    ('0.958', '-')
    """
    return "-" if value is None else f"{value:.3f}"


def benchmark_main(root: Path, live_trafilatura: bool = True) -> int:
    if not (root / "ground-truth.json").is_file():
        print(f"error: no ground-truth.json under {root}", file=sys.stderr)
        return 2
    figures = run_benchmark(root, live_trafilatura=live_trafilatura)
    check = figures["scorer_check"]
    print(f"scorer check: trafilatura reference output F1 {check['measured_f1']:.4f}, "
          f"published {check['published_f1']:.3f} (± {check['tolerance']}): "
          + ("ok" if check["ok"] else "MISMATCH"))
    if not check["ok"]:
        return 3
    print(f"\n{figures['pages']} pages; empty = no body predicted (ours: refused as not an "
          "article); CPU = this process, per page\n")
    print(benchmark_table(figures))
    return 0


# --- ground truth: real pages read by a person (crawler.truth holds the checks) -------------

@dataclass
class TruthResult:
    """One truth file: the page, what extracted it, and each check for ours and trafilatura."""

    name: str
    site: str
    kind: str
    used: str
    ours: dict[str, bool | None]
    theirs: dict[str, bool | None]  # empty: trafilatura was not run
    related_share: float | None = None
    error: str = ""


def default_truth_dir() -> Path:
    repo = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("SHARED_DIR", repo.parent / "shared")) / "html" / "truth"


def truth_cases(root: Path) -> list[tuple[dict[str, Any], Path]]:
    """(truth, page) for every truth/*.json whose page (named by "file", in the folder above
    or in the same one) exists; a truth whose page is missing is reported on stderr."""
    cases = []
    for path in sorted(root.glob("*.json")):
        truth = json.loads(path.read_text("utf-8"))
        name = truth.get("file") or f"{path.stem}.html"
        page = next((p for p in (root.parent / name, root / name) if p.is_file()), None)
        if page is None:
            print(f"warning: {path.name}: page {name} not found", file=sys.stderr)
            continue
        cases.append((truth, page))
    return cases


def ours_on_truth(html: bytes, truth: Mapping[str, Any]) -> tuple[Extracted, str]:
    """Our view of a truth page through the crawl's own code paths: the extraction dispatch
    with no profile given (profile, family or generic, as for any crawled URL) and, for a
    list page, the list-page discovery the spider runs with the site's profile (the generic
    one for a site without a module)."""
    from crawler.discovery import article_links, next_page_href
    from crawler.extract import NotAnArticle, extract_with_info
    from crawler.extract.base import selector_for
    from crawler.extract.encoding import decode_page
    from crawler.sites import generic_profile, profile_for_url
    from crawler.truth import Extracted, canonical_link

    url = truth["url"]
    text, _ = decode_page(html)
    try:
        article, used = extract_with_info(text, url, crawled_at="1970-01-01T00:00:00Z")
    except NotAnArticle as exc:
        got, used = Extracted(refused=True), f"not-article: {exc}"
    else:
        got = Extracted(
            title=article.title, published=article.published_at, authors=list(article.authors),
            lead=article.lead or "", paragraphs=[p for p in article.body.split("\n\n") if p],
            captions=[i["caption"] for i in article.images if i.get("caption")],
            related_titles=[r["title"] for r in article.related], tags=list(article.tags),
            section=article.section or "")
    if truth.get("kind") == "list":
        profile = profile_for_url(url) or generic_profile(url)
        sel = selector_for(text, url)
        got.links = article_links(sel, url, profile)
        href = next_page_href(sel, profile, 2, {})
        got.next_page = canonical_link(href, url) if href else None
    return got, used


def trafilatura_on_truth(html: bytes, truth: Mapping[str, Any]) -> Extracted | None:
    """trafilatura's view (bare_extraction with metadata) in the checks' shape; None when it is
    not installed. It has no image captions, related links or link discovery: those checks
    fail where they apply (list links are not applicable)."""
    try:
        import trafilatura
    except ImportError:
        return None
    from crawler.extract.encoding import decode_page
    from crawler.truth import Extracted

    text, _ = decode_page(html)
    doc = trafilatura.bare_extraction(
        text, url=truth["url"], with_metadata=True, include_comments=False,
        # The checks compare the time of day: ask for it (trafilatura's default is the date).
        date_extraction_params={"extensive_search": True, "original_date": True,
                                "outputformat": "%Y-%m-%dT%H:%M:%S%z"})
    if doc is None:
        return Extracted(refused=True)
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    body = data.get("text") or ""
    if not body.strip():
        return Extracted(refused=True)
    categories = data.get("categories") or []
    return Extracted(
        title=data.get("title") or "", published=data.get("date"),
        authors=[a.strip() for a in (data.get("author") or "").split(";") if a.strip()],
        lead=data.get("description") or "",
        paragraphs=[line for line in body.split("\n") if line.strip()],
        tags=[t for tag in data.get("tags") or [] for t in tag.split(",") if t.strip()],
        section=categories[-1] if categories else "")


def evaluate_truth_case(truth: Mapping[str, Any], page: Path, *,
                        with_trafilatura: bool = True) -> TruthResult:
    from crawler.truth import related_share, score

    html = page.read_bytes()
    name = truth.get("name") or page.stem
    try:
        got, used = ours_on_truth(html, truth)
    except Exception as exc:  # one page's crash is a failed page, not a lost report
        from crawler.truth import Extracted

        got, used = Extracted(refused=True), f"error: {exc!r}"
    theirs = trafilatura_on_truth(html, truth) if with_trafilatura else None
    return TruthResult(name=name, site=truth.get("site") or "?",
                       kind=truth.get("kind") or "article", used=used,
                       ours=score(truth, got),
                       theirs=score(truth, theirs) if theirs is not None else {},
                       related_share=related_share(truth, got))


def evaluate_truth(root: Path, *, with_trafilatura: bool = True) -> list[TruthResult]:
    return [evaluate_truth_case(truth, page, with_trafilatura=with_trafilatura)
            for truth, page in truth_cases(root)]


def truth_figures(results: Sequence[TruthResult]) -> dict[str, Any]:
    """Machine-readable figures: per page, per check and overall, ours and trafilatura's."""
    from crawler.truth import CHECKS, overall, pass_rates

    ours_rates = pass_rates([r.ours for r in results])
    theirs_rates = pass_rates([r.theirs for r in results if r.theirs])
    return {
        "pages": [{"name": r.name, "site": r.site, "kind": r.kind, "used": r.used,
                   "ours": r.ours, "trafilatura": r.theirs or None,
                   "related_share": r.related_share} for r in results],
        "checks": {c: {"ours": list(ours_rates.get(c, (0, 0))),
                       "trafilatura": list(theirs_rates.get(c, (0, 0)))}
                   for c in CHECKS if c in ours_rates},
        "overall": {"ours": list(overall([r.ours for r in results])),
                    "trafilatura": list(overall([r.theirs for r in results if r.theirs]))},
        "refused_articles": [r.name for r in results
                             if r.kind == "article" and r.used.startswith(("not-article",
                                                                           "error"))],
    }


def truth_report(results: Sequence[TruthResult]) -> str:
    """A table per page (checks passed / applicable, ours and trafilatura's, and the failed
    checks), per check, and overall."""
    from crawler.truth import CHECKS, overall, pass_rates, pct

    def cell(scores: Mapping[str, bool | None]) -> str:
        if not scores:
            return "-"
        passed, total = overall([scores])
        return f"{passed}/{total} {pct(passed, total)}"

    rows = [["page", "site", "used", "ours", "trafilatura", "ours failed"]]
    for r in sorted(results, key=lambda r: (r.site, r.name)):
        failed = ",".join(k for k, v in r.ours.items() if v is False)
        rows.append([r.name, r.site, r.used[:40], cell(r.ours), cell(r.theirs), failed])
    lines = _table(rows)
    ours_rates = pass_rates([r.ours for r in results])
    theirs_rates = pass_rates([r.theirs for r in results if r.theirs])
    rows = [["check", "ours", "", "trafilatura", ""]]
    for c in CHECKS:
        if c not in ours_rates:
            continue
        op, ot = ours_rates[c]
        tp, tt = theirs_rates.get(c, (0, 0))
        rows.append([c, f"{op}/{ot}", pct(op, ot), f"{tp}/{tt}" if theirs_rates else "-",
                     pct(tp, tt) if theirs_rates else "-"])
    op, ot = overall([r.ours for r in results])
    tp, tt = overall([r.theirs for r in results if r.theirs])
    rows.append(["overall", f"{op}/{ot}", pct(op, ot), f"{tp}/{tt}" if tt else "-",
                 pct(tp, tt) if tt else "-"])
    return "\n".join([*lines, "", *_table(rows)])


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def truth_main(root: Path, *, with_trafilatura: bool = True, as_json: bool = False) -> int:
    if not root.is_dir():
        print(f"error: no such folder: {root}", file=sys.stderr)
        return 2
    results = evaluate_truth(root, with_trafilatura=with_trafilatura)
    if not results:
        print(f"no truth files under {root}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(truth_figures(results), ensure_ascii=False, indent=1))
    else:
        print(truth_report(results))
    return 0


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
