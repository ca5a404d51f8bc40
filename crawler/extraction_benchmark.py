"""The article-extraction-benchmark (Zyte, 181 mostly English pages): its published metric
(4-token shingles, see shingle_counts), pure and documented by doctests; its files; and runs of
the generic fallback (crawler.extract.generic.extract, no profile, no CMS family) and of
trafilatura over it, next to the tools whose outputs ship with it. Every run checks the scorer
first: it must give trafilatura's reference output the published F1 (0.958 ± 0.005).
``python -m crawler.evaluate --benchmark [DIR]`` prints the table (benchmark_main).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.extract.base import NotAnArticle
from crawler.extract.clean import clean_article, raw_to_article
from crawler.extract.generic import extract

# Tokens of the published metric: \w+ runs, case kept.
_TOKEN_RE = re.compile(r"\w+")


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


