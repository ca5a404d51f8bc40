"""The run report: one self-contained HTML page from one or more run manifests.

``python -m crawler report MANIFEST_OR_DIR... -o report.html``. The page needs no network and
no JavaScript: inline CSS and SVG only. It shows the latest run (per-site table and bars,
field-coverage heat map, HTTP statuses and failures, timeline) and, given several runs, the
trend per site. Every figure taken from a manifest is written as ``<… data-run=RUN
data-ptr=/json/pointer>VALUE</…>``, so a test (or a reader) can check it against the manifest.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from crawler.summary import COVERAGE_FIELDS

# Colours: articles, not articles, failures, duplicates.
COLOURS = {"emitted": "#2b8a3e", "not_articles": "#868e96", "failures": "#c92a2a",
           "duplicates": "#e67700", "pages": "#1c7ed6", "errors": "#c92a2a",
           "articles": "#2b8a3e"}

CSS = """
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#212529}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #dee2e6}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 8px;border:1px solid #dee2e6;
text-align:right}th{background:#f1f3f5}td.l,th.l{text-align:left}
.muted{color:#868e96}.bad{color:#c92a2a;font-weight:600}.ok{color:#2b8a3e;font-weight:600}
.legend span{display:inline-block;margin-right:12px}.sw{display:inline-block;width:10px;
height:10px;margin-right:4px}svg text{font:11px system-ui,sans-serif}
"""


class ReportError(ValueError):
    """No manifest could be read from the given paths."""


def find_manifests(paths: Iterable[str | Path]) -> list[Path]:
    """Manifest files named directly, or found under the given folders (recursively)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(path.rglob("*.manifest.json")))
        elif path.is_file():
            found.append(path)
        else:
            raise ReportError(f"no such file or folder: {path}")
    return found


def load_runs(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """The manifests, oldest run first; unreadable ones raise ReportError naming the file."""
    runs = []
    for path in find_manifests(paths):
        try:
            manifest = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReportError(f"{path}: not a readable manifest ({exc})") from None
        if not isinstance(manifest, dict) or "run_id" not in manifest:
            raise ReportError(f"{path}: not a run manifest (no run_id)")
        runs.append(manifest)
    if not runs:
        raise ReportError("no *.manifest.json found")
    return sorted(runs, key=lambda m: (m.get("started_at") or "", m["run_id"]))


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def fig(run: dict[str, Any], pointer: str, value: Any, tag: str = "td",
        cls: str = "") -> str:
    """One figure from the manifest, tagged with where it comes from."""
    shown = "–" if value is None else value
    klass = f' class="{cls}"' if cls else ""
    return (f'<{tag}{klass} data-run="{esc(run["run_id"])}" data-ptr="{esc(pointer)}">'
            f"{esc(shown)}</{tag}>")


def ptr(*parts: Any) -> str:
    """A JSON pointer (RFC 6901) to a value of the manifest.

    >>> ptr("sites", 0, "http_status", "200"), ptr("a/b", "c~d")
    ('/sites/0/http_status/200', '/a~1b/c~0d')
    """
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(doc: Any, pointer: str) -> Any:
    """The value a JSON pointer names in doc.

    >>> resolve({"a": [{"b/c": 3}]}, "/a/0/b~1c")
    3
    """
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        doc = doc[int(token)] if isinstance(doc, list) else doc[token]
    return doc


def heat(percent: float | None) -> str:
    """Background colour of a coverage cell: red (0 %) to green (100 %).

    >>> heat(100.0), heat(None)
    ('hsl(120,60%,80%)', '#f1f3f5')
    """
    if percent is None:
        return "#f1f3f5"
    return f"hsl({round(1.2 * max(0.0, min(100.0, percent)))},60%,80%)"


def site_bars(run: dict[str, Any]) -> str:
    """Horizontal stacked bars per site: emitted, duplicates, not articles, failures."""
    sites = run.get("sites") or []
    if not sites:
        return '<p class="muted">no per-site data in this manifest</p>'
    parts = []
    for s in sites:
        parts.append({
            "emitted": s["articles"]["emitted"],
            "duplicates": s["articles"]["duplicates"],
            "not_articles": s["not_articles"],
            "failures": sum(s["failures"].values()),
        })
    widest = max(1, *(sum(p.values()) for p in parts))
    row_h, label_w, bar_w = 22, 170, 520
    height = row_h * len(sites) + 8
    out = [f'<svg role="img" aria-label="articles per site" width="{label_w + bar_w + 60}" '
           f'height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (s, p) in enumerate(zip(sites, parts, strict=True)):
        y = 4 + i * row_h
        out.append(f'<text x="0" y="{y + 14}">{esc(s["site"])}</text>')
        x = float(label_w)
        for kind, n in p.items():
            w = bar_w * n / widest
            if w > 0:
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" '
                           f'fill="{COLOURS[kind]}"><title>{esc(kind)}: {n}</title></rect>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 14}">{sum(p.values())}</text>')
    out.append("</svg>")
    legend = "".join(f'<span><span class="sw" style="background:{COLOURS[k]}"></span>{k}</span>'
                     for k in ("emitted", "duplicates", "not_articles", "failures"))
    return "".join(out) + f'<div class="legend">{legend}</div>'


def site_table(run: dict[str, Any]) -> str:
    rows = ['<table><tr><th class="l">site</th><th>pages</th><th>articles</th><th>updated</th>'
            '<th>duplicates</th><th>marked duplicate_of</th><th>already seen</th>'
            '<th>invalid</th><th>not articles</th><th>failures</th><th>p50 ms</th>'
            '<th>p95 ms</th><th>bytes</th><th>drift: pages checked</th><th>missing fields</th>'
            '<th class="l">extraction (extractor version)</th></tr>']
    for i, s in enumerate(run.get("sites") or []):
        a = s["articles"]
        layers = ", ".join(
            f"{esc(layer)}: {n} ({esc(s['extractor_versions'].get(layer, '?'))})"
            for layer, n in s["extraction"].items()) or "–"
        rows.append(
            "<tr>" + fig(run, ptr("sites", i, "site"), s["site"], cls="l")
            + fig(run, ptr("sites", i, "pages_fetched"), s["pages_fetched"])
            + "".join(fig(run, ptr("sites", i, "articles", k), a[k])
                      for k in ("emitted", "updated", "duplicates", "marked_duplicate_of",
                                "already_seen", "invalid"))
            + fig(run, ptr("sites", i, "not_articles"), s["not_articles"])
            + f"<td>{sum(s['failures'].values())}</td>"
            + fig(run, ptr("sites", i, "latency_ms", "p50"), s["latency_ms"]["p50"])
            + fig(run, ptr("sites", i, "latency_ms", "p95"), s["latency_ms"]["p95"])
            + fig(run, ptr("sites", i, "bytes"), s["bytes"])
            + drift_cells(run, i, s)
            + f'<td class="l">{layers}</td></tr>')
    rows.append("</table>")
    return "".join(rows)


def drift_cells(run: dict[str, Any], i: int, site: dict[str, Any]) -> str:
    """Pages the layout-health check saw, and fields missing on them (manifest 1.1+)."""
    drift = site.get("drift")
    if not drift:
        return "<td>–</td><td>–</td>"
    missing = ", ".join(f"{esc(k)} {n}" for k, n in drift["missing"].items()
                        if k != "article") or "none"
    return fig(run, ptr("sites", i, "drift", "checked"), drift["checked"]) + \
        f'<td class="l">{missing}</td>'


def per_site_status(run: dict[str, Any]) -> str:
    out = ['<table><tr><th class="l">site</th><th class="l">HTTP status</th>'
           "<th>responses</th></tr>"]
    for i, s in enumerate(run.get("sites") or []):
        for code, n in s["http_status"].items():
            cls = "bad" if code.startswith(("4", "5")) else ""
            out.append(f'<tr><td class="l">{esc(s["site"])}</td>'
                       f'<td class="l {cls}">{esc(code)}</td>'
                       + fig(run, ptr("sites", i, "http_status", code), n) + "</tr>")
    out.append("</table>")
    return "".join(out)


def coverage_map(run: dict[str, Any]) -> str:
    head = "".join(f"<th>{esc(f)}</th>" for f in COVERAGE_FIELDS)
    rows = [f'<table><tr><th class="l">site (% of articles with the field)</th>{head}</tr>']
    for i, s in enumerate(run.get("sites") or []):
        cells = []
        for f in COVERAGE_FIELDS:
            value = s["coverage"].get(f)
            cells.append(fig(run, ptr("sites", i, "coverage", f), value).replace(
                "<td ", f'<td style="background:{heat(value)}" ', 1))
        rows.append(f'<tr><td class="l">{esc(s["site"])}</td>{"".join(cells)}</tr>')
    rows.append("</table>")
    return "".join(rows)


def statuses_and_failures(run: dict[str, Any]) -> str:
    out = ['<table><tr><th class="l">HTTP status (all sites)</th><th>responses</th></tr>']
    for code, n in (run.get("http_status") or {}).items():
        cls = "bad" if code.startswith(("4", "5")) else ""
        out.append(f'<tr><td class="l {cls}">{esc(code)}</td>'
                   + fig(run, ptr("http_status", code), n) + "</tr>")
    out.append("</table>")
    out.append('<table><tr><th class="l">site</th><th class="l">failure</th><th>count</th></tr>')
    any_failure = False
    for i, s in enumerate(run.get("sites") or []):
        for reason, n in s["failures"].items():
            any_failure = True
            out.append(f'<tr><td class="l">{esc(s["site"])}</td><td class="l">{esc(reason)}'
                       f'</td>{fig(run, ptr("sites", i, "failures", reason), n)}</tr>')
    if not any_failure:
        out.append('<tr><td class="l muted" colspan="3">no failed fetch</td></tr>')
    out.append("</table>")
    rows = (run.get("urls") or {}).get("not_emitted") or []
    if rows:
        out.append('<details><summary>URLs not emitted, with the reason '
                   f"({len(rows)})</summary><table>"
                   '<tr><th class="l">outcome</th><th class="l">reason</th>'
                   '<th class="l">URL</th></tr>')
        for r in rows[:500]:
            out.append(f'<tr><td class="l">{esc(r["outcome"])}</td>'
                       f'<td class="l">{esc(r["reason"])}</td>'
                       f'<td class="l">{esc(r["url"])}</td></tr>')
        out.append("</table></details>")
    return "".join(out)


def polyline_chart(series: dict[str, list[float | None]], labels: list[str], *,
                   width: int = 640, height: int = 160, title: str = "") -> str:
    """Lines over a common x axis (one point per label; None: no point), as inline SVG."""
    n = max((len(v) for v in series.values()), default=0)
    top = max([1.0, *(x for v in series.values() for x in v if x is not None)])
    left, bottom = 40, 20
    plot_w, plot_h = width - left - 10, height - bottom - 10

    def xy(i: int, v: float) -> str:
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        return f"{x:.1f},{10 + plot_h - plot_h * v / top:.1f}"

    out = [f'<svg role="img" aria-label="{esc(title)}" width="{width}" height="{height}" '
           'xmlns="http://www.w3.org/2000/svg">',
           f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 10}" y2="{10 + plot_h}" '
           'stroke="#adb5bd"/>',
           f'<text x="0" y="16">{top:g}</text><text x="0" y="{10 + plot_h}">0</text>']
    for name, values in series.items():
        colour = COLOURS.get(name, "#1c7ed6")
        known = [(i, v) for i, v in enumerate(values) if v is not None]
        points = " ".join(xy(i, v) for i, v in known)
        if len(known) > 1:
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                       f'points="{points}"><title>{esc(name)}</title></polyline>')
        for i, v in known:
            x, y = xy(i, v).split(",")
            out.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}">'
                       f"<title>{esc(name)} {esc(labels[i] if i < len(labels) else i)}: "
                       f"{v:g}</title></circle>")
    if labels:
        out.append(f'<text x="{left}" y="{height - 4}">{esc(labels[0])}</text>')
        if len(labels) > 1:
            out.append(f'<text x="{width - 10}" y="{height - 4}" text-anchor="end">'
                       f"{esc(labels[-1])}</text>")
    out.append("</svg>")
    legend = "".join(f'<span><span class="sw" style="background:{COLOURS.get(k, "#1c7ed6")}">'
                     f"</span>{esc(k)}</span>" for k in series)
    return "".join(out) + f'<div class="legend">{legend}</div>'


def timeline(run: dict[str, Any]) -> str:
    t = run.get("timeline") or {}
    if not t.get("pages"):
        return '<p class="muted">no timeline in this manifest</p>'
    width = t["bucket_seconds"]
    labels = [f"{i * width:g} s" for i in range(len(t["pages"]))]
    series: dict[str, list[float | None]] = {
        k: [float(x) for x in t[k]] for k in ("pages", "articles", "errors") if k in t}
    return (f"<p>per {fig(run, '/timeline/bucket_seconds', width, tag='span')} s</p>"
            + polyline_chart(series, labels, title="run timeline"))


def coverage_mean(site: dict[str, Any]) -> float | None:
    """Mean field coverage of a site's articles in a run; None when it emitted none."""
    values = [v for v in site["coverage"].values() if v is not None]
    return round(sum(values) / len(values), 1) if values else None


def shown_number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def trend(runs: list[dict[str, Any]]) -> str:
    """Articles, mean coverage and failures per run, for each site."""
    names = sorted({s["site"] for r in runs for s in r.get("sites") or []})
    labels = [r["run_id"] for r in runs]
    out = []
    for name in names:
        rows = [next((s for s in r.get("sites") or [] if s["site"] == name), None)
                for r in runs]
        articles: list[float | None] = [
            float(s["articles"]["emitted"]) if s else None for s in rows]
        failures: list[float | None] = [
            float(sum(s["failures"].values())) if s else None for s in rows]
        cover = [coverage_mean(s) if s else None for s in rows]
        out.append(f"<h3>{esc(name)}</h3>")
        out.append(polyline_chart({"articles": articles, "failures": failures}, labels,
                                  title=f"{name}: articles and failures per run"))
        out.append(polyline_chart({"coverage %": cover}, labels, height=120,
                                  title=f"{name}: mean field coverage per run"))
        table = ['<table><tr><th class="l">run</th><th>articles</th><th>failures</th>'
                 "<th>mean coverage %</th></tr>"]
        for run, site in zip(runs, rows, strict=True):
            if site is None:
                continue
            i = run["sites"].index(site)
            table.append(f'<tr><td class="l">{esc(run["run_id"])}</td>'
                         + fig(run, ptr("sites", i, "articles", "emitted"),
                               site["articles"]["emitted"])
                         + f"<td>{sum(site['failures'].values())}</td>"
                         f"<td>{esc(shown_number(coverage_mean(site)))}</td></tr>")
        table.append("</table>")
        out.append("".join(table))
    return "".join(out)


def render(runs: list[dict[str, Any]]) -> str:
    """The report page for runs (oldest first); the last one is shown in detail."""
    run = runs[-1]
    status = str(run.get("status", "?"))
    status_cls = "ok" if status == "finished" else "bad"
    files = ", ".join(esc(f.get("file", "")) for f in run.get("files") or []) or "none"
    head = (
        f"<h1>Crawl report: {esc(run.get('spider', '?'))} run "
        f"{fig(run, '/run_id', run['run_id'], tag='span')}</h1>"
        f'<p>status <span class="{status_cls}">'
        f"{fig(run, '/status', status, tag='span')}</span>, "
        f"started {fig(run, '/started_at', run.get('started_at'), tag='span')}, "
        f"finished {fig(run, '/finished_at', run.get('finished_at'), tag='span')} "
        f"({fig(run, '/elapsed_seconds', run.get('elapsed_seconds'), tag='span')} s): "
        f"{fig(run, '/articles_written', run.get('articles_written'), tag='b')} articles "
        f"written, {fig(run, '/pages_fetched', run.get('pages_fetched'), tag='span')} pages "
        f"fetched, {fig(run, '/fetch_failed', run.get('fetch_failed'), tag='span')} failed "
        f"fetches. Files: {files}.</p>"
    )
    health = run.get("health") or []
    health_html = ("".join(f'<p class="bad">layout health: {esc(h)}</p>' for h in health)
                   if health else "")
    body = [head, health_html,
            "<h2>Sites</h2>", site_bars(run), site_table(run),
            "<h2>Field coverage</h2>", coverage_map(run),
            "<h2>HTTP statuses and failures</h2>", statuses_and_failures(run),
            per_site_status(run),
            "<h2>Run timeline</h2>", timeline(run)]
    if len(runs) > 1:
        body += [f"<h2>Trend over {len(runs)} runs</h2>", trend(runs)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Crawl report {esc(run['run_id'])}</title>"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")


def write_report(paths: Iterable[str | Path], output: Path) -> Path:
    html_text = render(load_runs(paths))
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".part")
    tmp.write_text(html_text, "utf-8")
    tmp.replace(output)
    return output
