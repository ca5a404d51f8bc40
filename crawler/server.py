"""A local HTTP server for the offline copies of the sites in fixtures/site/.

One folder per host: a request for ``/HOST/PATH?QUERY`` is answered from
``fixtures/site/HOST/PATH`` (``index.html`` for a path ending in ``/``; ``@QUERY`` appended to
the file name when such a file exists, else the query is ignored, as real sites ignore tracking
parameters). ``HOST/_redirects.json`` maps paths to 301 targets. Binds 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import threading
from email.utils import formatdate
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "site"
# Fixed so that conditional requests (If-Modified-Since) behave the same on every run.
FIXTURE_MTIME = formatdate(1756688400, usegmt=True)


def resolve(root: Path, host: str, path: str, query: str) -> Path | None:
    """The file serving HOST/PATH?QUERY, or None. Never escapes root."""
    base = (root / host).resolve()
    rel = unquote(path).lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    candidate = (base / rel).resolve()
    if not candidate.is_relative_to(base):
        return None
    if query:
        with_query = candidate.with_name(f"{candidate.name}@{query}")
        if with_query.is_file():
            return with_query
    return candidate if candidate.is_file() else None


@cache
def _redirects(root: Path, host: str) -> dict[str, str]:
    path = root / host / "_redirects.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def _content_type(path: Path) -> str:
    name = path.name.split("@", 1)[0]
    if name.endswith((".html", ".htm")) or "." not in name:
        return "text/html; charset=utf-8"
    guessed, _ = mimetypes.guess_type(name)
    if (guessed and guessed.startswith("text/")) or name.endswith((".xml", ".rss")):
        return f"{guessed or 'application/xml'}; charset=utf-8"
    return guessed or "application/octet-stream"


class FixtureHandler(BaseHTTPRequestHandler):
    server_version = "fixture-site/1.0"
    root: Path = DEFAULT_ROOT

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        parts = urlsplit(self.path)
        segments = parts.path.lstrip("/").split("/", 1)
        host = segments[0].lower()
        path = "/" + (segments[1] if len(segments) > 1 else "")
        if not host or not (self.root / host).is_dir():
            self._send(HTTPStatus.NOT_FOUND, b"unknown host\n", "text/plain", head)
            return
        target = _redirects(self.root, host).get(path)
        if target:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self._mirror_location(target))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        file = resolve(self.root, host, path, parts.query)
        if file is None:
            self._send(HTTPStatus.NOT_FOUND, _NOT_FOUND_PAGE, "text/html; charset=utf-8", head)
            return
        data = file.read_bytes()
        etag = '"' + hashlib.sha1(data).hexdigest()[:20] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(HTTPStatus.OK, data, _content_type(file), head, etag=etag)

    def _mirror_location(self, target: str) -> str:
        # A reverse proxy in front of the real site would answer with its own address: the
        # crawler's mirror handler maps it back to the real URL.
        real = urlsplit(target)
        if real.netloc and (self.root / real.netloc.lower()).is_dir():
            query = f"?{real.query}" if real.query else ""
            own = f"http://{self.headers.get('Host', 'localhost')}"
            return f"{own}/{real.netloc.lower()}{real.path}{query}"
        return target

    def _send(self, status: HTTPStatus, data: bytes, ctype: str, head: bool,
              etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", FIXTURE_MTIME)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


_NOT_FOUND_PAGE = (
    "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>404 - Không tìm "
    "thấy trang</title></head><body><h1>Không tìm thấy trang</h1></body></html>"
).encode()


def make_server(port: int = 0, root: Path = DEFAULT_ROOT) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1 (port 0: a free one); call serve_forever() to run it."""
    handler = type("Handler", (FixtureHandler,), {"root": root.resolve()})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def serve_in_thread(port: int = 0, root: Path = DEFAULT_ROOT) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a daemon thread; returns it and its base URL (for MIRROR)."""
    server = make_server(port, root)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
