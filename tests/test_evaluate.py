"""crawler.evaluate: scoring functions, the golden-folder run, the report, and the pinned
minimum scores of our extraction (the CI gate):

- fixtures/sites (golden expected.json): body F1 per site and title/date/author on every case;
- ../shared/html (real pages, skipped when absent): every article found by its site profile
  with title, +07:00 date, byline and body, every list page refused;
- the article-extraction-benchmark (skipped when absent): the scorer reproduces the published
  figures from the shipped reference outputs, and our generic fallback stays above a floor.
  trafilatura is never run live here (the reference outputs stand in for it).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from crawler.evaluate import (
    evaluate_dir,
    evaluate_page,
    fields_present,
    golden_cases,
    main,
    mean,
    report,
    syllables,
    token_prf,
)
from crawler.extraction_benchmark import (
    PUBLISHED_F1,
    SCORER_TOLERANCE,
    benchmark_table,
    default_benchmark_dir,
    run_benchmark,
    score_bodies,
    shingle_counts,
)
from crawler.sites import profile_for_url

# Pinned minimums. Floors sit a little under what was measured, so that they catch a
# regression without failing on noise; they are gates, not targets.
MIN_GOLDEN_SITE_F1 = 0.99  # measured 1.00 on every site (March 2026)
# Generic fallback on the article-extraction-benchmark, measured F1 0.857 (P 0.924, R 0.799,
# 28 of 181 pages refused as not articles) in March 2026. Mostly English pages: reported, not
# tuned for.
MIN_BENCHMARK_F1 = 0.825
# Real pages whose site prints no byline: an author found there would be invented.
NO_BYLINE = {"baochinhphu.vn"}


def test_token_prf_counts_repeated_syllables() -> None:
    # "vàng" twice predicted, once expected: only one copy counts as a hit.
    assert token_prf("vàng vàng tăng", "vàng tăng") == (0.667, 1.0, 0.8)
    assert token_prf("hoàn toàn khác", "một hai") == (0.0, 0.0, 0.0)


def test_syllables_ignore_case_and_punctuation() -> None:
    assert syllables("«Hà Nội», 7-3!") == ["hà", "nội", "7", "3"]


def test_fields_present_flags_empty_values() -> None:
    present = fields_present({"title": "T", "lead": None, "body": "b", "tags": []})
    assert present["title"] and present["body"]
    assert not present["lead"] and not present["tags"] and not present["authors"]


# --- (a) golden cases: pinned minimums --------------------------------------------------------

def test_golden_cases_meet_pinned_minimums() -> None:
    cases = golden_cases(FIXTURES / "sites")
    results = [(evaluate_page(page, url, expected, with_trafilatura=False), expected)
               for page, url, expected in cases]
    print("\n" + report([r for r, _ in results]))
    sites = {r.site for r, _ in results}
    assert len(sites) >= 10, sites  # a lost fixture folder must not pass by having no cases
    for site in sorted(sites):
        f1 = mean(r.ours_f1 for r, _ in results if r.site == site and r.ours_f1 is not None)
        assert f1 is not None and f1 >= MIN_GOLDEN_SITE_F1, f"{site}: body F1 {f1}"
    for r, expected in results:
        case = "/".join(Path(r.path).parts[-3:-1])
        profile = profile_for_url(r.url)
        assert profile is not None and r.used == f"profile:{profile.slug}", case
        assert r.ours["title"] and r.ours["published_at"], case
        # Every golden case with a byline must give its author; the one without must not.
        assert r.ours["authors"] == bool(expected["authors"]), case


def test_page_url_comes_from_the_page(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        '<html><head><link rel="canonical" href="https://vnexpress.net/a-5048001.html"></head>'
        '<body><h1 class="title-detail">Tiêu đề</h1><p class="description">Sapo</p>'
        '<article class="fck_detail"><p class="Normal">Một đoạn văn.</p></article></body></html>',
        "utf-8")
    result = evaluate_page(page, with_trafilatura=False)
    assert result.url == "https://vnexpress.net/a-5048001.html"
    assert result.used == "profile:vnexpress"
    assert result.ours_f1 is None  # no expected.json: nothing to score against
    assert result.theirs == {}  # trafilatura was not run


def test_not_an_article_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "list.html"
    page.write_text("<html><body><h1>Danh sách</h1><a href='/a'>A</a></body></html>", "utf-8")
    result = evaluate_page(page, url="https://baovidu.vn/thoi-su/", with_trafilatura=False)
    assert not result.is_article
    assert "baovidu.vn" in report([result])


def test_main_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(FIXTURES / "sites"), "--golden", "--no-trafilatura"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[:4] == ["site", "pages", "articles", "used"]
    vnexpress = next(line for line in out.splitlines() if line.startswith("vnexpress.net"))
    assert "1/-" in vnexpress and "1.00" in vnexpress  # ours found, trafilatura not run


def test_main_rejects_missing_folder(tmp_path: Path) -> None:
    assert main([str(tmp_path / "nope")]) == 2
    assert main(["--benchmark", str(tmp_path)]) == 2  # no ground-truth.json there


def test_expected_json_matches_article_fields() -> None:
    from crawler.items import Article

    for case in (FIXTURES / "sites").glob("*/article/expected.json"):
        assert list(json.loads(case.read_text("utf-8"))) == list(Article.__dataclass_fields__)


# --- (b) real pages of ../shared/html ---------------------------------------------------------

def test_real_pages_meet_pinned_minimums(shared: Path) -> None:
    html_dir = shared / "html"
    if not html_dir.is_dir():
        pytest.skip(f"{html_dir} is absent: real reference pages not available")
    # Pages with a truth file are scored field by field by tests/test_evaluate_truth.py; their
    # names follow no "_article" convention.
    results = [r for r in evaluate_dir(html_dir, with_trafilatura=False)
               if not (html_dir / "truth" / f"{Path(r.path).stem}.json").is_file()]
    print("\n" + report(results))
    # The file names say what each page is ("..._article.html"; every other is a list page).
    articles = [r for r in results if "_article" in Path(r.path).name]
    lists = [r for r in results if "_article" not in Path(r.path).name]
    assert len(articles) >= 10 and len(lists) >= 10, (len(articles), len(lists))
    problems = []
    for r in articles:
        name, profile = Path(r.path).name, profile_for_url(r.url)
        if profile is None or r.used != f"profile:{profile.slug}":
            problems.append(f"{name}: extracted by {r.used}, not its site profile")
            continue
        if not (r.ours["title"] and r.ours["body"]):
            problems.append(f"{name}: no title or no body")
        if not (r.article.get("published_at") or "").endswith("+07:00"):
            problems.append(f"{name}: published_at {r.article.get('published_at')!r}")
        if r.ours["authors"] != (r.site not in NO_BYLINE):
            problems.append(f"{name}: authors {r.article.get('authors')!r}")
    problems += [f"{Path(r.path).name}: list page taken for an article ({r.used})"
                 for r in lists if r.is_article]
    assert not problems, "\n".join(problems)


# --- (c) the article-extraction-benchmark: its metric, the scorer check, our floor -----------

def test_shingles_count_every_copy() -> None:
    # "a b c d" twice expected (plus the 3 shingles across the seam), once predicted.
    assert shingle_counts("a b c d a b c d", "a b c d") == (0.2, 0.0, 0.8)


def test_published_metric_keeps_case() -> None:
    # Unlike our syllable metric, the benchmark's tokens are compared as written.
    assert shingle_counts("The cat sat down", "the cat sat down") == (0.0, 0.5, 0.5)


def test_empty_prediction_counts_against_recall_only() -> None:
    text = "one two three four five six"
    scores = score_bodies({"p1": text, "p2": text}, {"p1": text})
    assert scores == {"precision": 1.0, "recall": 0.5, "f1": 0.6667}


ARTICLE_PAGE = """<html><head><meta property="og:type" content="article">
<title>Harbour reopens after storm</title></head><body><nav><a href="/">Home</a></nav>
<h1>Harbour reopens after storm</h1><div class="article-body">
<p>The harbour reopened on Monday morning after a week of repairs to the storm walls.</p>
<p>Fishing boats were the first to leave, followed by the ferry to the northern islands.</p>
<p>Officials said the cost of the repairs would be shared between the town and the state.</p>
<p>Shops along the quay expect visitors to return by the end of the month, they said.</p>
</div></body></html>"""
ARTICLE_BODY = ("The harbour reopened on Monday morning after a week of repairs to the storm "
                "walls.\n\nFishing boats were the first to leave, followed by the ferry to the "
                "northern islands.\n\nOfficials said the cost of the repairs would be shared "
                "between the town and the state.\n\nShops along the quay expect visitors to "
                "return by the end of the month, they said.")
LIST_PAGE = "<html><body><h1>News</h1><ul><li><a href='/a'>A story</a></li></ul></body></html>"


def _write_benchmark(root: Path) -> None:
    """A two-page benchmark folder laid out like the real one."""
    truth = {"art": {"url": "https://news.example/harbour", "articleBody": ARTICLE_BODY},
             "lst": {"url": "https://news.example/", "articleBody": "A short list body here"}}
    (root / "html").mkdir(parents=True)
    (root / "reference_outputs").mkdir()
    (root / "ground-truth.json").write_text(json.dumps(truth), "utf-8")
    for key, html in (("art", ARTICLE_PAGE), ("lst", LIST_PAGE)):
        (root / "html" / f"{key}.html.gz").write_bytes(gzip.compress(html.encode("utf-8")))
    # A "reference output" equal to the truth scores 1.0: the scorer check must then fail.
    perfect = {"version": "2.0.0", "output": {k: {"articleBody": v["articleBody"]}
                                              for k, v in truth.items()}}
    (root / "reference_outputs" / "trafilatura.json.gz").write_bytes(
        gzip.compress(json.dumps(perfect).encode("utf-8")))


def test_benchmark_run_on_a_tiny_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_benchmark(tmp_path)
    figures = run_benchmark(tmp_path, live_trafilatura=False)
    ours = figures["ours_generic"]
    assert (ours["empty"], ours["errors"], ours["precision"]) == (1, 0, 1.0)  # list refused
    assert ours["recall"] == 0.5 and ours["cpu_ms_per_page"] > 0
    assert figures["reference"]["trafilatura"]["f1"] == 1.0
    assert not figures["scorer_check"]["ok"]
    assert "trafilatura_live" not in figures
    # A scorer that does not give the published figure stops the CLI before any table.
    assert main(["--benchmark", str(tmp_path), "--no-trafilatura"]) == 3
    assert "MISMATCH" in capsys.readouterr().out


@pytest.fixture(scope="module")
def benchmark() -> dict[str, Any]:
    root = default_benchmark_dir()
    if not (root / "ground-truth.json").is_file():
        pytest.skip(f"{root} is absent: the article-extraction-benchmark is not available "
                    "(set SHARED_DIR)")
    # Our extractor on all 181 pages (~6 s); trafilatura only through its reference output.
    return run_benchmark(root, live_trafilatura=False)


def test_scorer_reproduces_published_figures(benchmark: dict[str, Any]) -> None:
    print("\n" + benchmark_table(benchmark))
    assert benchmark["scorer_check"]["ok"], benchmark["scorer_check"]
    for tool, published in PUBLISHED_F1.items():
        measured = benchmark["reference"][tool]["f1"]
        assert abs(measured - published) <= SCORER_TOLERANCE, (tool, measured, published)


def test_generic_fallback_stays_above_its_floor(benchmark: dict[str, Any]) -> None:
    ours = benchmark["ours_generic"]
    assert benchmark["pages"] == 181
    assert ours["errors"] == 0  # a crash on a foreign page is a bug, not a refusal
    assert ours["f1"] >= MIN_BENCHMARK_F1, ours
