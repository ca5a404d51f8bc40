"""The generated site (bench.sitegen), rendered on the fly from the URL: nothing on disk.

50,000 articles of ~300 KB would be 15 GB on disk; rendered per request they cost ~1 ms of
CPU each. Same layout and bytes as a folder written by ``bench.sitegen`` and served by
``python -m crawler serve --root DIR`` (``/HOST/PATH?QUERY``; ``?page=N`` for list pages).

A small asyncio HTTP/1.1 server with keep-alive rather than http.server: one thread, no
per-request thread start, so its own CPU stays far below the crawler's (the benchmark reports
it). Binds 127.0.0.1 only.

    .venv/bin/python -m bench.lazy_server --articles 50000 --port 0
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from urllib.parse import unquote, urlsplit

from bench.sitegen import HOST, Site, templates

_NOT_FOUND = b"<html><body><h1>404</h1></body></html>"


def make_handler(
    site: Site,
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, _, headers = head.partition(b"\r\n")
                method, target, _ = request_line.decode("latin-1").split(" ", 2)
                parts = urlsplit(target)
                host, _, path = unquote(parts.path).lstrip("/").partition("/")
                data = site.resolve("/" + path, parts.query) if host == HOST else None
                status = b"200 OK" if data is not None else b"404 Not Found"
                body = data if data is not None else _NOT_FOUND
                ctype = b"text/plain" if path == "robots.txt" else b"text/html; charset=utf-8"
                close = b"connection: close" in headers.lower()
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype
                             + b"\r\nContent-Length: " + str(len(body)).encode()
                             + (b"\r\nConnection: close" if close else b"") + b"\r\n\r\n")
                if method != "HEAD":
                    writer.write(body)
                await writer.drain()
                if close:
                    return
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return handle


async def serve(n: int, port: int) -> None:
    site = Site(n)
    templates()  # compile before the first request, not during the crawl
    site.article_page(0)
    server = await asyncio.start_server(make_handler(site), "127.0.0.1", port, backlog=512)
    bound = server.sockets[0].getsockname()[1]
    # Same first line as `python -m crawler serve`, so one parser reads both.
    print(f"serving generated {HOST} ({n} articles) on http://127.0.0.1:{bound}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> int:
    parser = argparse.ArgumentParser(description="serve a generated site, rendered per request")
    parser.add_argument("--articles", "-n", type=int, default=5000)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.articles, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
