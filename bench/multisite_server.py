"""Several generated news sites at once, every answer delayed: a latency-bound crawl target.

``workers_bench`` needs a crawl whose speed is set by the network, not by our CPU: many sites
(so per-site politeness is not the limit), small pages (a few KB: parsing costs next to
nothing) and a fixed delay before every response (500 ms by default, slept in the handler's
own thread, so delays of concurrent requests overlap as they would on the Internet).

Hosts are ``site1.baohatinh-bench.vn`` ... ``siteN.baohatinh-bench.vn``: no site profile
matches them, so the ``news`` spider builds a generic profile per host from its start URLs and
recognises the Báo Hà Tĩnh CMS family (``cms-post``) in the markup. Pages are compact versions
of that CMS's markup: ``h1.article__title``, ``div.article__sapo``, ``time`` in
``.article__meta``, ``div.article__body[itemprop=articleBody]`` with the author as its last,
right-aligned line, and a "Đọc thêm" box of ``article.story`` items; topic pages list 20
``article.story`` items, newest first, with ``ul.pagination`` (``rel=next``).

Every page is a pure function of its URL and of the sizes, so two runs see the same bytes. The
layout is the mirror's (``/HOST/PATH?QUERY``, see crawler/mirror.py). ``/_stats`` (no host)
answers at once with the server's counters (responses, the time of the last one), which the
benchmark uses to time a crawl to its last page. Binds 127.0.0.1 only.

    .venv/bin/python -m bench.multisite_server --sites 8 --articles 150 --delay 0.5
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import random
import re
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from bench.sitegen import slugify, vocabulary

DOMAIN = "baohatinh-bench.vn"
# (slug, name): each site has these topics; article i belongs to topic i % len(TOPICS).
TOPICS: tuple[tuple[str, str], ...] = (
    ("thoi-su", "Thời sự"),
    ("kinh-te", "Kinh tế"),
    ("xa-hoi", "Xã hội"),
)
PER_PAGE = 20
# Ids per site in disjoint ranges, far from the fixtures' and sitegen's (<= ~450,000), so no
# two articles anywhere share an id.
ID_BASE = 600_000
IDS_PER_SITE = 100_000
NEWEST_EPOCH = 1756652400  # 2025-08-31T22:00:00+07:00; each older article 10 minutes earlier
STEP_SECONDS = 600
ROBOTS = b"User-agent: *\nDisallow: /tim-kiem/\n"
_NOT_FOUND = b"<html><body><h1>404</h1></body></html>"


def host_name(k: int) -> str:
    return f"site{k + 1}.{DOMAIN}"


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.gmtime(epoch + 7 * 3600))


def _words(rng: random.Random, lo: int, hi: int) -> str:
    text = " ".join(rng.choices(vocabulary(), k=rng.randint(lo, hi)))
    return text[:1].upper() + text[1:]


class MultiSite:
    """``sites`` sites of ``articles`` articles each, over TOPICS, 20 per topic page."""

    def __init__(self, sites: int, articles: int, per_page: int = PER_PAGE):
        if articles < len(TOPICS) or articles > IDS_PER_SITE:
            raise ValueError(f"articles per site must be in [{len(TOPICS)}, {IDS_PER_SITE}]")
        self.sites = sites
        self.articles = articles
        self.per_page = per_page
        self.hosts = [host_name(k) for k in range(sites)]
        self._index = {h: k for k, h in enumerate(self.hosts)}
        # Titles are needed by list pages and related boxes: computed once per article.
        self._titles: dict[tuple[int, int], str] = {}
        self._lock = threading.Lock()

    # --- identity of article i of site k -----------------------------------------------------

    def article_id(self, k: int, i: int) -> int:
        return ID_BASE + k * IDS_PER_SITE + i

    def title(self, k: int, i: int) -> str:
        with self._lock:
            found = self._titles.get((k, i))
        if found is None:
            found = _words(random.Random(f"title|{k}|{i}"), 7, 14)
            with self._lock:
                self._titles[(k, i)] = found
        return found

    def article_url(self, k: int, i: int) -> str:
        slug = slugify(self.title(k, i))
        return f"https://{self.hosts[k]}/{slug}-post{self.article_id(k, i)}.html"

    def epoch(self, i: int) -> int:
        return NEWEST_EPOCH - i * STEP_SECONDS

    def topic_count(self, t: int) -> int:
        return (self.articles - t + len(TOPICS) - 1) // len(TOPICS)

    def pages_of(self, t: int) -> int:
        return -(-self.topic_count(t) // self.per_page)

    def max_pages(self) -> int:
        return max(self.pages_of(t) for t in range(len(TOPICS)))

    def topic_urls(self) -> list[str]:
        return [f"https://{h}/{slug}/" for h in self.hosts for slug, _ in TOPICS]

    def article_urls(self) -> list[str]:
        return [self.article_url(k, i) for k in range(self.sites) for i in range(self.articles)]

    def page_count(self) -> int:
        """Pages a full crawl fetches: robots.txt, list pages and articles of every site."""
        lists = sum(self.pages_of(t) for t in range(len(TOPICS)))
        return self.sites * (1 + lists + self.articles)

    # --- pages -------------------------------------------------------------------------------

    def _story(self, k: int, i: int, summary: bool) -> str:
        title = html.escape(self.title(k, i))
        url = self.article_url(k, i)
        parts = [f'<article class="story"><h2 class="story__heading"><a class="cms-link" '
                 f'href="{url}" title="{title}">{title}</a></h2>']
        if summary:
            epoch = self.epoch(i)
            parts.append(f'<time class="time" datetime="{_iso(epoch)}" data-time="{epoch}">'
                         f"{time.strftime('%d/%m/%Y %H:%M', time.gmtime(epoch + 25200))}</time>")
        parts.append("</article>")
        return "".join(parts)

    def article_page(self, k: int, i: int) -> bytes:
        rng = random.Random(f"body|{k}|{i}")
        host = self.hosts[k]
        slug, name = TOPICS[i % len(TOPICS)]
        title = html.escape(self.title(k, i))
        lead = html.escape(_words(rng, 20, 35)) + "."
        # Distinct random text per (site, article): no two bodies are near-duplicates, so
        # dedupe emits every article (the benchmark checks the full set arrives).
        paras = "\n".join(f"<p>{html.escape(_words(rng, 25, 45))}.</p>"
                          for _ in range(rng.randint(4, 7)))
        author = " ".join(w.capitalize() for w in rng.choices(vocabulary(), k=2))
        # "Đọc thêm": two older articles of the same topic, as the CMS shows them.
        related = "".join(self._story(k, j, False)
                          for j in (i + len(TOPICS), i + 2 * len(TOPICS)) if j < self.articles)
        iso = _iso(self.epoch(i))
        return (
            '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
            f"<title>{title}</title>"
            f'<link rel="canonical" href="{self.article_url(k, i)}">'
            f'<meta property="og:description" content="{lead}">'
            f'<meta property="article:published_time" content="{iso}">'
            "</head><body>"
            f'<div class="breadcrumb"><a href="https://{host}/">Trang chủ</a>'
            f'<a href="https://{host}/{slug}/">{name}</a></div>'
            '<div class="article">'
            f'<h1 class="article__title cms-title">{title}</h1>'
            f'<div class="article__meta"><time class="time" datetime="{iso}" '
            f'data-time="{self.epoch(i)}">{iso[:16]}</time></div>'
            f'<div class="article__sapo cms-desc">{lead}</div>'
            '<div class="article__body cms-body" itemprop="articleBody">\n'
            f"{paras}\n"
            f'<p style="text-align: right;"><strong>{author}</strong></p></div>'
            '<div class="article__related"><h3 class="box-heading">Đọc thêm</h3>'
            f'<div class="box-content">{related}</div></div>'
            "</div></body></html>"
        ).encode()

    def topic_page(self, k: int, t: int, page: int) -> bytes | None:
        total = self.pages_of(t)
        if not 1 <= page <= total:
            return None
        slug, name = TOPICS[t]
        base = f"https://{self.hosts[k]}/{slug}/"
        first = (page - 1) * self.per_page
        items = [t + len(TOPICS) * pos
                 for pos in range(first, min(first + self.per_page, self.topic_count(t)))]
        stories = "\n".join(self._story(k, i, True) for i in items)
        nav = ""
        if page < total:
            nav = (f'<li class="page-item"><a class="page-link next" rel="next" '
                   f'href="{base}?page={page + 1}">›</a></li>')
        self_url = base if page == 1 else f"{base}?page={page}"
        return (
            '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
            f"<title>{name} - Trang {page}</title>"
            f'<link rel="canonical" href="{self_url}"></head><body>'
            f'<h1 class="box-heading"><a class="title" href="{base}">{name}</a></h1>'
            f'<div class="box-content content-list">\n{stories}\n</div>'
            f'<div class="box-pagination"><ul class="pagination">{nav}</ul></div>'
            "</body></html>"
        ).encode()

    def resolve(self, host: str, path: str, query: str) -> bytes | None:
        """The page at https://HOST/PATH?QUERY, or None (404)."""
        k = self._index.get(host)
        if k is None:
            return None
        if path == "/robots.txt":
            return ROBOTS
        m = re.fullmatch(r"/[a-z0-9-]+-post(\d+)\.html", path)
        if m:
            i = int(m.group(1)) - self.article_id(k, 0)
            if 0 <= i < self.articles and self.article_url(k, i) == f"https://{host}{path}":
                return self.article_page(k, i)
            return None
        for t, (slug, _) in enumerate(TOPICS):
            if path == f"/{slug}/":
                page = re.fullmatch(r"page=(\d+)", query)
                return self.topic_page(k, t, int(page.group(1)) if page else 1)
        return None


class Counters:
    """What the server answered: the benchmark times a crawl to its last page with these."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.responses = 0
        self.articles = 0
        self.not_found = 0
        self.last_response_at = 0.0  # time.time(): comparable with the benchmark's clock
        self.in_flight = 0
        self.max_in_flight = 0

    def snapshot(self) -> dict[str, float | int]:
        with self.lock:
            return {"responses": self.responses, "articles": self.articles,
                    "not_found": self.not_found, "last_response_at": self.last_response_at,
                    "max_in_flight": self.max_in_flight}


class Handler(BaseHTTPRequestHandler):
    server_version = "multisite-bench/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy's connection pool expects
    site: MultiSite
    delay: float
    counters: Counters

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/_stats":
            self._send(HTTPStatus.OK, json.dumps(self.counters.snapshot()).encode(),
                       "application/json")
            return
        c = self.counters
        with c.lock:
            c.in_flight += 1
            c.max_in_flight = max(c.max_in_flight, c.in_flight)
        data: bytes | None = None
        path = ""
        try:
            # The latency under test: this thread sleeps, the others keep serving.
            time.sleep(self.delay)
            host, _, path = unquote(parts.path).lstrip("/").partition("/")
            data = self.site.resolve(host.lower(), "/" + path, parts.query)
            if data is None:
                self._send(HTTPStatus.NOT_FOUND, _NOT_FOUND, "text/html; charset=utf-8")
            else:
                ctype = "text/plain" if path == "robots.txt" else "text/html; charset=utf-8"
                self._send(HTTPStatus.OK, data, ctype)
        finally:
            with c.lock:
                c.in_flight -= 1
                c.responses += 1
                c.articles += int(data is not None and path.endswith(".html"))
                c.not_found += int(data is None)
                c.last_response_at = time.time()

    def _send(self, status: HTTPStatus, data: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return None  # thousands of lines per crawl; the counters say what happened


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Two workers open 16+ connections at once; the default backlog of 5 would make some
    # wait for a SYN retry (1 s), i.e. latency that is not the one under test.
    request_queue_size = 256

    def handle_error(self, request: object, client_address: object) -> None:
        # A worker closing its connections at exit is normal here: no traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def make_server(site: MultiSite, delay: float = 0.5, port: int = 0) -> Server:
    """A server for site bound to 127.0.0.1 (port 0: a free one); call serve_forever()."""
    handler = type("BoundHandler", (Handler,),
                   {"site": site, "delay": delay, "counters": Counters()})
    return Server(("127.0.0.1", port), handler)


def serve_in_thread(site: MultiSite, delay: float = 0.5,
                    port: int = 0) -> tuple[Server, str]:
    """Start a server in a daemon thread; returns it and its base URL (for MIRROR)."""
    server = make_server(site, delay, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> int:
    parser = argparse.ArgumentParser(description="serve N generated sites, each answer delayed")
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--articles", type=int, default=150, help="articles per site")
    parser.add_argument("--delay", type=float, default=0.5, help="seconds before each answer")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    site = MultiSite(args.sites, args.articles)
    vocabulary()  # read the fixtures before the first request, not during it
    server = make_server(site, args.delay, args.port)
    # Same shape of first line as `python -m crawler serve`, so one parser reads all servers.
    print(f"serving {args.sites} sites x {args.articles} articles (+{args.delay} s per answer) "
          f"on http://127.0.0.1:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
