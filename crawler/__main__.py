"""Operator commands of vnnews-crawler (``python -m crawler --help`` lists them all)."""

from __future__ import annotations

import argparse
import errno
import json
import subprocess
import sys
import time
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def cmd_serve(args: argparse.Namespace) -> int:
    from crawler.faults import FaultPlan, standard_plan
    from crawler.server import DEFAULT_ROOT, make_server

    root = Path(args.root) if args.root else DEFAULT_ROOT
    if not root.is_dir():
        print(f"error: --root {root}: no such folder", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"error: --port {args.port}: must be 0..65535", file=sys.stderr)
        return 2
    plan: FaultPlan | None = None
    try:
        if args.faults:
            plan = FaultPlan.load(Path(args.faults))
        elif args.fault_rate:
            plan = standard_plan(rate=args.fault_rate)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: --faults {args.faults}: {exc}", file=sys.stderr)
        return 2
    try:
        server = make_server(args.port, root, plan)
    except OSError as exc:
        reason = "port in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {reason}", file=sys.stderr)
        return 2
    port = server.server_address[1]
    print(f"serving {args.root or DEFAULT_ROOT} on http://127.0.0.1:{port}", flush=True)
    print(port, file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def page_size_cap() -> int:
    """The crawl's response size cap (DOWNLOAD_MAXSIZE): a saved page is held to it too."""
    from crawler import settings

    return int(settings.DOWNLOAD_MAXSIZE)


def read_page(path: Path, limit: int | None = None) -> bytes:
    """A saved page's bytes (.html, or gzipped), never more than the size cap: a bigger file,
    or a gzip bomb, raises PageTooLarge after reading at most ``limit`` bytes of it; corrupt
    gzip raises ValueError."""
    from crawler.extract.encoding import PageTooLarge, gunzip_bounded

    limit = page_size_cap() if limit is None else limit
    size = path.stat().st_size
    if size > limit:
        raise PageTooLarge(f"{size} bytes, past the {limit}-byte page size cap")
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if path.suffix == ".gz" or data[:2] == b"\x1f\x8b":
        try:
            return gunzip_bounded(data, limit)
        except PageTooLarge:
            raise PageTooLarge(f"inflates past the {limit}-byte page size cap") from None
    return data


def page_url(html: bytes) -> str | None:
    """The URL a saved page names for itself: its canonical link, else og:url.

    >>> page_url(b'<head><meta property="og:url" content="https://a.vn/x-post1.html"></head>')
    'https://a.vn/x-post1.html'
    >>> page_url(b"<p>no head</p>") is None
    True
    """
    from parsel import Selector

    sel = Selector(text=html.decode("utf-8", "replace"))
    for query in ("link[rel~=canonical]::attr(href)", "meta[property='og:url']::attr(content)",
                  "meta[name='og:url']::attr(content)"):
        value = (sel.css(query).get() or "").strip()
        if value.startswith(("http://", "https://")):
            return value
    return None


def url_problem(url: str) -> str | None:
    """Why url cannot be a page's URL, or None.

    >>> url_problem("notaurl"), url_problem("https://baohatinh.vn/a.html")
    ('not an http(s) URL with a host', None)
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL with a host"
    return None


def describe_used(used: str) -> str:
    """What extracted a page, for operators: profile or family, and the extractor version."""
    from crawler.sites import registry
    from crawler.sites.dispatch import extractor_version

    kind, _, name = used.partition(":")
    if kind == "profile" and name in registry():
        profile = registry()[name]
        return f"used={used} family={profile.family or '-'} extractor={extractor_version(used)}"
    return f"used={used} extractor={extractor_version(used)}"


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extraction import NotAnArticle, extract_with_sources
    from crawler.sites.dispatch import describe_sources
    from crawler.text import utc_now_iso

    path = Path(args.file)
    if path.is_dir():
        print(f"error: {path} is a folder, not a saved page", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    from crawler.extract.encoding import PageTooLarge

    try:
        html = read_page(path)
    except PageTooLarge as exc:
        print(f"error: {path}: {exc} (DOWNLOAD_MAXSIZE): not a news page", file=sys.stderr)
        return 2
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        print(f"error: {path}: cannot read (corrupt gzip?): {exc}", file=sys.stderr)
        return 2
    url = args.url or page_url(html)
    if not url:
        print(f"error: {path} names no canonical link or og:url: give --url", file=sys.stderr)
        return 2
    problem = url_problem(url)
    if problem:
        print(f"error: --url {url!r}: {problem}", file=sys.stderr)
        return 2
    try:
        article, extraction = extract_with_sources(html, url,
                                                   crawled_at=args.crawled_at or utc_now_iso())
    except NotAnArticle as exc:
        print(f"not an article: {exc}", file=sys.stderr)
        return 1
    # Which layer produced each field ("-": none found it); a profile's misses filled by a
    # fallback are what the crawl's health monitor reports as layout drift.
    print(f"{describe_used(extraction.used)} fields: "
          f"{describe_sources(extraction.sources, extraction.profile_layer)}", file=sys.stderr)
    for reason in extraction.refusals:
        print(f"refused by {reason}", file=sys.stderr)
    print(json.dumps(asdict(article), ensure_ascii=False, indent=2 if args.pretty else None))
    return 0


def schema_files() -> dict[Path, str]:
    """The JSON Schemas generated from the code: the article lines and the run manifest."""
    from crawler.items import schema_text
    from crawler.manifest_schema import manifest_schema_text

    return {ROOT / "schemas" / "article.schema.json": schema_text(),
            ROOT / "schemas" / "manifest.schema.json": manifest_schema_text()}


def cmd_schema(args: argparse.Namespace) -> int:
    files = schema_files()
    if args.check:
        stale = [p.name for p, text in files.items()
                 if not p.is_file() or p.read_text("utf-8") != text]
        print("schemas up to date" if not stale else
              f"schema out of date: {', '.join(stale)}: run python -m crawler schema")
        return 1 if stale else 0
    for target, text in files.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the offline copy, crawl it on embedded defaults, print a short summary."""
    from crawler.server import serve_in_thread

    out = Path(args.output).resolve()
    out.mkdir(parents=True, exist_ok=True)
    server, base = serve_in_thread(0)
    started = time.monotonic()
    print(f"Crawling the offline {args.spider} copy served on {base} (it holds deliberate traps: "
          "a dead link, pages that are not articles; their warnings are expected)...",
          flush=True)
    cmd = [sys.executable, "-m", "scrapy", "crawl", args.spider, "-s", f"MIRROR={base}",
           "-s", f"FEED_DIR={out}", "-s", f"LOG_LEVEL={args.log_level}",
           # The demo keeps its own state beside its feeds: a second run emits nothing new.
           "-s", f"STATE_URI=sqlite:///{out}/state.sqlite3"]
    try:
        code = subprocess.call(cmd, cwd=ROOT)
    finally:
        server.shutdown()
    manifests = sorted(out.glob(f"{args.spider}-*.manifest.json"), key=lambda p: p.stat().st_mtime)
    if code != 0 or not manifests:
        print(f"demo crawl failed (exit {code})", file=sys.stderr)
        return code or 1
    m = json.loads(manifests[-1].read_text("utf-8"))
    dropped = ", ".join(f"{k}={v}" for k, v in m["dropped"].items()) or "none"
    seen = m["store"].get("articles", 0) - m["articles_written"]
    unchanged = m["counters"].get("discovery/topic_not_modified", 0)
    print(f"\nDemo crawl of the offline {args.spider} copy (run {m['run_id']}):")
    files = ", ".join(f["file"] for f in m["files"])
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    where = f"-> {shown}/{files}" if files else "(no feed file: nothing new)"
    print(f"  articles written : {m['articles_written']} new articles, {seen} already seen"
          f" ({unchanged} topic pages unchanged since the last run) {where}")
    print(f"  dropped          : {dropped}")
    print(f"  not articles     : {m['not_articles']}, failed fetches: {m['fetch_failed']}")
    statuses = ", ".join(f"{code}: {n}" for code, n in m["http_status"].items())
    print(f"  pages fetched    : {m['pages_fetched']}  (HTTP {statuses})")
    warcs = (m.get("archive") or {}).get("files") or []
    if warcs:
        print(f"  WARC archive     : {', '.join(f['file'] for f in warcs)} "
              f"({sum(f['records'] for f in warcs)} records, "
              f"{sum(f['bytes'] for f in warcs) / 1024:.0f} KB; "
              f"python -m crawler reextract {shown})")
    print(f"  time             : {time.monotonic() - started:.1f} s")
    for line in deliberate_traps(m, ROOT / "fixtures" / "site" / "expected_articles.json"):
        print(f"  deliberate       : {line}")
    from crawler.report import write_report

    report = write_report([out], out / "report.html")
    print(f"  report           : {report}")
    return 0


def deliberate_traps(manifest: dict[str, Any], expected_path: Path) -> list[str]:
    """The fixture's deliberate traps the run met, said as such (the demo's warnings for them
    are expected): dead links and pages that are not articles."""
    try:
        expected = json.loads(expected_path.read_text("utf-8"))
    except (OSError, ValueError):
        return []
    rows = manifest.get("urls", {}).get("not_emitted", [])
    dead = [r for r in rows if r["url"] in set(expected.get("dead", []))
            and r["outcome"] == "failed"]
    not_articles = [r for r in rows if r["url"] in set(expected.get("not_articles", []))
                    and r["outcome"] == "not_article"]
    lines = []
    if dead:
        codes = ", ".join(sorted({r["reason"].removeprefix("HTTP ") for r in dead}))
        noun = "dead link" if len(dead) == 1 else "dead links"
        lines.append(f"{len(dead)} {noun} ({codes}) — deliberate in the offline copy")
    if not_articles:
        noun = "page" if len(not_articles) == 1 else "pages"
        lines.append(f"{len(not_articles)} {noun} with an article URL that are not articles "
                     "(video, photo gallery) — deliberate in the offline copy")
    return lines


def cmd_report(args: argparse.Namespace) -> int:
    """One self-contained HTML page from run manifests (crawler/report.py)."""
    from crawler.report import ReportError, write_report

    try:
        path = write_report(args.manifests, Path(args.output))
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    """Bound the state store and the feed folders by age (crawler/prune.py)."""
    from crawler.prune import PruneError, run

    try:
        lines = run(args.days, args.state, args.feeds, root=ROOT, dry_run=args.dry_run)
    except PruneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def cmd_reextract(args: argparse.Namespace) -> int:
    """Today's extraction over archived article pages (crawler/reextract.py)."""
    from crawler.reextract import run

    overrides = {}
    for pair in args.set or []:
        name, sep, value = pair.partition("=")
        if not sep:
            print(f"error: -s {pair!r}: use NAME=VALUE", file=sys.stderr)
            return 2
        overrides[name] = value
    state = args.state or overrides.pop("STATE_URI", None)
    try:
        code, summary = run(args.paths, output=args.output, state=state,
                            previous=args.previous or [], settings_overrides=overrides)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rate = summary["pages"] / summary["elapsed_seconds"] if summary["elapsed_seconds"] else 0
    print(f"re-extracted {summary['pages']} archived article pages from "
          f"{len(summary['files'])} WARC files in {summary['elapsed_seconds']:.1f} s "
          f"({rate:.1f} pages/s): {summary['articles_written']} articles written"
          + (f" -> {args.output}" if args.output else "")
          + (f"; dropped {summary['dropped']}" if summary["dropped"] else ""))
    for line in summary["report"]:
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
                                   "utf-8")
    return code


def cmd_push(args: argparse.Namespace) -> int:
    """Queue topic page URLs for the Redis-mode workers of a spider."""
    import os

    from crawler.redis.mode import push_start_urls
    from crawler.store import redact_uri

    url = args.redis_url or os.environ.get("REDIS_URL", "")
    if not url:
        print("error: set REDIS_URL (or --redis-url) to push start URLs", file=sys.stderr)
        return 2
    try:
        size = push_start_urls(url, args.spider, args.urls)
    except Exception as exc:
        print(f"error: cannot push to {redact_uri(url)}: {type(exc).__name__}", file=sys.stderr)
        return 2
    print(f"pushed {len(args.urls)} URLs for {args.spider} ({size} waiting) to {redact_uri(url)}")
    return 0


def cmd_state(args: argparse.Namespace) -> int:
    """The state store's integrity check, and its rebuild from the delivered feeds."""
    from crawler import statetool

    if args.action == "check":
        return statetool.cmd_check(args.state, ROOT)
    return statetool.cmd_rebuild(args.state, ROOT, [Path(f) for f in args.feeds])


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="serve the offline site copies on 127.0.0.1")
    p.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    p.add_argument("--root", default=None, help="folder with one subfolder per host")
    p.add_argument("--faults", default=None, help="JSON fault plan (see crawler/faults.py)")
    p.add_argument("--fault-rate", type=float, default=0.0,
                   help="inject transient faults into this share of responses, plus traps")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("extract", help="extract one saved page as the crawl would")
    p.add_argument("--url", default=None,
                   help="the page's real URL (default: its canonical link, else og:url)")
    p.add_argument("--crawled-at", default=None, help="fixed crawled_at (UTC, ...Z)")
    p.add_argument("--pretty", action="store_true", help="indent the JSON")
    p.add_argument("file", help="saved page (.html or .html.gz)")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("schema", help="write schemas/*.schema.json (articles, manifest) "
                                         "from the code")
    p.add_argument("--check", action="store_true", help="only check the file is up to date")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("prune", help="forget old articles in the store and delete old feeds")
    p.add_argument("--days", required=True,
                   help="keep what was seen in the last DAYS days (at least 1)")
    p.add_argument("--state", default="sqlite:///.state/crawler.sqlite3", help="STATE_URI")
    p.add_argument("--feeds", nargs="*", default=[], help="feed folders to prune")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be removed (counts, bytes), remove nothing")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("reextract", help="extract archived (WARC) article pages again")
    p.add_argument("paths", nargs="+", metavar="WARC_OR_DIR")
    p.add_argument("-O", "--output", default=None,
                   help="feed file (JSON Lines, overwritten); default: FEED_DIR's feeds")
    p.add_argument("--state", default=None,
                   help="STATE_URI: write only changed articles, as their next revision")
    p.add_argument("--previous", nargs="*", default=None, metavar="FEED_OR_DIR",
                   help="earlier feeds to compare with (default: the feeds beside the WARCs)")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE",
                   help="a Scrapy setting, as with scrapy crawl -s")
    p.add_argument("--json", default=None, help="also write the summary (per site) as JSON")
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("state", help="check the state store, or rebuild it from the feeds")
    p.add_argument("action", choices=("check", "rebuild"))
    p.add_argument("--state", default="sqlite:///.state/crawler.sqlite3", help="STATE_URI")
    p.add_argument("--feeds", nargs="*", default=[],
                   help="rebuild: feed folders holding the delivered *.jsonl and manifests")
    p.set_defaults(func=cmd_state)

    p = sub.add_parser("push", help="queue start URLs for Redis-mode workers")
    p.add_argument("spider")
    p.add_argument("urls", nargs="+")
    p.add_argument("--redis-url", default=None, help="default: $REDIS_URL")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("report", help="HTML report (tables, charts) from run manifests")
    p.add_argument("manifests", nargs="+", metavar="MANIFEST_OR_DIR",
                   help="manifest files, or folders searched for *.manifest.json")
    p.add_argument("-o", "--output", default="report.html", help="the HTML file to write")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("demo", help="offline demo crawl of the bundled fixture site")
    p.add_argument("--spider", default="baohatinh")
    p.add_argument("--output", default=str(ROOT / "output" / "demo"))
    p.add_argument("--log-level", default="WARNING")
    p.set_defaults(func=cmd_demo)
    # Written from the parser itself, so a command added later is listed too.
    parser.description = (
        "Operator commands of vnnews-crawler:\n\n  python -m crawler "
        + " | ".join(sub.choices) + "\n\nCrawls run through Scrapy: scrapy crawl SPIDER (scrapy "
        "sites lists the spiders and their sites).\npython -m crawler COMMAND --help describes "
        "each command.")
    return parser


if __name__ == "__main__":
    sys.exit(main())
