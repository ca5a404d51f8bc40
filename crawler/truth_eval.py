"""Real pages read by a person, scored: ours (through the crawl's own extraction dispatch and
list-page discovery) and trafilatura's views of every ``truth/*.json`` page go through the checks
of crawler.truth; per page, per check and overall figures, as a table or JSON.
``python -m crawler.evaluate --truth [DIR] [--json]`` prints them (truth_main).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.discovery import article_links, next_page_href
from crawler.extract.base import selector_for
from crawler.extract.encoding import decode_page
from crawler.extraction import NotAnArticle, extract_with_info
from crawler.sites import generic_profile, profile_for_url
from crawler.truth import (
    CHECKS,
    Extracted,
    canonical_link,
    overall,
    pass_rates,
    pct,
    related_share,
    score,
)


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
    html = page.read_bytes()
    name = truth.get("name") or page.stem
    try:
        got, used = ours_on_truth(html, truth)
    except Exception as exc:  # one page's crash is a failed page, not a lost report
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

