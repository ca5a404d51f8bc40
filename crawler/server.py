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
import re
import socket
import struct
import threading
import time
from email.utils import formatdate
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from crawler import faults
from crawler.faults import FaultPlan, FaultRule

logger = logging.getLogger(__name__)

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "site"
# Fixed so that conditional requests (If-Modified-Since) behave the same on every run.
FIXTURE_MTIME = formatdate(1756688400, usegmt=True)


# Longest request target answered (real article URLs stay under 300 characters); longer ones,
# like a NUL byte or a malformed escape in the path, get 400 before any file name is built.
MAX_TARGET_CHARS = 2048


class BadPath(ValueError):
    """A request path no file can have (NUL byte, malformed escape, too long)."""


def host_folder(root: Path, host: str) -> Path | None:
    """The folder of HOST directly under root, or None: never ``.``/``..`` nor a nested or
    escaping path, whatever the spelling."""
    if host in ("", ".", "..") or any(c in host for c in "/\\\0") or host.startswith("."):
        return None
    folder = root / host
    try:
        real = folder.resolve()
    except (OSError, ValueError):
        return None
    return folder if real.parent == root.resolve() and real.is_dir() else None


def decode_path(path: str) -> str:
    """The percent-decoded path; raises BadPath for what no file name can hold."""
    if len(path) > MAX_TARGET_CHARS:
        raise BadPath(f"path longer than {MAX_TARGET_CHARS} characters")
    try:
        text = unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise BadPath("path is not UTF-8") from None
    if any(ord(c) < 32 for c in text):
        raise BadPath("control character in path")
    return text


def resolve(root: Path, host: str, path: str, query: str) -> Path | None:
    """The file serving HOST/PATH?QUERY, or None. Never escapes the host's folder: a ``.`` or
    ``..`` segment answers nothing. Raises BadPath for a path no file can have."""
    folder = host_folder(root, host)
    if folder is None:
        return None
    base = folder.resolve()
    rel = decode_path(path).lstrip("/")
    if any(part in (".", "..") for part in rel.replace("\\", "/").split("/")):
        return None
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    try:
        candidate = (base / rel).resolve()
        if not candidate.is_relative_to(base):
            return None
        if query:
            try:
                with_query = candidate.with_name(f"{candidate.name}@{query}")
                if with_query.is_file():
                    return with_query
            except (OSError, ValueError):
                pass  # a query no file name can hold ("/", NUL, too long): the page itself
        return candidate if candidate.is_file() else None
    except (OSError, ValueError):
        # A name too long for the file system: no such page.
        return None


@cache
def _redirects(root: Path, host: str) -> dict[str, str]:
    path = root / host / "_redirects.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def _content_type(path: Path) -> str:
    name = path.name.split("@", 1)[0]
    # Vietnamese CMSs give HTML pages many endings: .chn (cafef), .tpo, .ldo, .vov.
    if name.endswith((".html", ".htm", ".chn", ".tpo", ".ldo", ".vov")) or "." not in name:
        return "text/html; charset=utf-8"
    guessed, _ = mimetypes.guess_type(name)
    if (guessed and guessed.startswith("text/")) or name.endswith((".xml", ".rss")):
        return f"{guessed or 'application/xml'}; charset=utf-8"
    return guessed or "application/octet-stream"


class FixtureHandler(BaseHTTPRequestHandler):
    server_version = "fixture-site/1.0"
    protocol_version = "HTTP/1.1"
    root: Path = DEFAULT_ROOT
    plan: FaultPlan | None = None

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        try:
            if len(self.path) > MAX_TARGET_CHARS:
                raise BadPath(f"request target longer than {MAX_TARGET_CHARS} characters")
            parts = urlsplit(self.path)
            decode_path(parts.path)
        except ValueError as exc:
            # NUL bytes, bad escapes, 5,000-character paths: a client error, never a traceback.
            logger.info("400 for %r: %s", self.path[:200], exc)
            self._send(HTTPStatus.BAD_REQUEST, b"bad request path\n", "text/plain", head)
            return
        segments = parts.path.lstrip("/").split("/", 1)
        host = segments[0].lower()
        path = "/" + (segments[1] if len(segments) > 1 else "")
        if host_folder(self.root, host) is None:
            self._send(HTTPStatus.NOT_FOUND, b"unknown host\n", "text/plain", head)
            return
        target = _redirects(self.root, host).get(path)
        if target:
            self._redirect(self._mirror_location(target))
            return
        rule = self.plan.choose(f"{host}{path}?{parts.query}") if self.plan else None
        if rule is not None and self._inject(rule, host, path, parts.query, head):
            return
        file = resolve(self.root, host, path, parts.query)
        data = file.read_bytes() if file is not None else None
        if self.plan is not None and self.plan.traps:
            data = self._with_traps(host, path, parts.query, file, data)
        if data is None:
            self._send(HTTPStatus.NOT_FOUND, _NOT_FOUND_PAGE, "text/html; charset=utf-8", head)
            return
        etag = '"' + hashlib.sha1(data).hexdigest()[:20] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        ctype = _content_type(file) if file is not None else "text/html; charset=utf-8"
        self._send(HTTPStatus.OK, data, ctype, head, etag=etag)

    def _redirect(self, location: str, status: HTTPStatus = HTTPStatus.MOVED_PERMANENTLY) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _own(self, host: str, path: str, query: str = "") -> str:
        own = f"http://{self.headers.get('Host', 'localhost')}"
        return f"{own}/{host}{path}" + (f"?{query}" if query else "")

    def _page(self, host: str, path: str, query: str) -> bytes | None:
        file = resolve(self.root, host, path, query)
        return file.read_bytes() if file is not None else None

    def _inject(self, rule: FaultRule, host: str, path: str, query: str, head: bool) -> bool:
        """Answer with the rule's fault; False when the fault lets the page through."""
        kind, params = rule.kind, rule.params
        if kind in ("500", "503", "404"):
            body = f"<html><body><h1>{kind}</h1></body></html>".encode()
            self._send(HTTPStatus(int(kind)), body, "text/html; charset=utf-8", head)
        elif kind == "429":
            self.send_response(HTTPStatus.TOO_MANY_REQUESTS)
            self.send_header("Retry-After", str(params.get("retry_after", 1)))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif kind == "slow":
            time.sleep(float(params.get("seconds", 3)))
            return False
        elif kind == "reset":
            # RST instead of FIN: the client sees "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif kind == "truncate":
            data = self._page(host, path, query) or _NOT_FOUND_PAGE
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif kind == "empty":
            self._send(HTTPStatus.OK, b"", "text/html; charset=utf-8", head)
        elif kind == "oversize":
            data = self._page(host, path, query) or b""
            pad = int(params.get("bytes", 9 * 1024 * 1024)) - len(data)
            filler = b"<!-- " + b"x" * max(pad, 0) + b" -->"
            self._send(HTTPStatus.OK, data.replace(b"</body>", filler + b"</body>"),
                       "text/html; charset=utf-8", head)
        elif kind in ("cp1258", "latin1_lie"):
            page = self._page(host, path, query)
            if page is None:
                return False
            text = page.decode("utf-8")
            if kind == "cp1258":
                text = re.sub(r'charset="?utf-8"?', 'charset="windows-1258"', text, flags=re.I)
                body, charset = faults.encode_cp1258(text), "windows-1258"
            else:
                # The header (and meta) lie: they say latin-1, the bytes are UTF-8.
                text = re.sub(r'charset="?utf-8"?', 'charset="iso-8859-1"', text, flags=re.I)
                body, charset = text.encode("utf-8"), "iso-8859-1"
            self._send(HTTPStatus.OK, body, f"text/html; charset={charset}", head)
        elif kind == "redirect_offsite":
            # A page moved to another site (the mirror maps the Location back to its host).
            target = str(params.get("host", "tin-khac.example"))
            self._redirect(self._own(target, path, query), HTTPStatus.MOVED_PERMANENTLY)
        elif kind == "redirect_loop":
            flip = "" if "loop=1" in query else "loop=1"
            self._redirect(self._own(host, path, flip), HTTPStatus.FOUND)
        elif kind == "redirect_chain":
            hop = int(parse_qs(query).get("hop", ["0"])[0])
            if hop >= int(params.get("hops", 3)):
                return False
            self._redirect(self._own(host, path, f"hop={hop + 1}"), HTTPStatus.FOUND)
        return True

    def _with_traps(self, host: str, path: str, query: str, file: Path | None,
                    data: bytes | None) -> bytes | None:
        """List pages grow hostile links and an endless next page; calendars never end."""
        cal = re.match(r"^/lich/(\d{4})/(\d{2})/(\d{2})/$", path)
        if cal:
            y, m, d = (int(x) for x in cal.groups())
            return faults.calendar_page(host, y, m, d).encode()
        page = int(parse_qs(query).get("page", ["1"])[0] or 1)
        is_list = path.endswith("/") and (data is None or b"content-list" in data)
        if not is_list:
            return data
        if data is None:
            return faults.endless_list_page(host, path, page).encode() if page > 1 else None
        text = data.decode("utf-8")
        if 'rel="next"' not in text:
            text = text.replace("</body>", faults.endless_list_page(host, path, page)
                                .split("<body>", 1)[1])
        text = text.replace("</body>", faults.trap_block(host, path, query) + "</body>", 1)
        return text.encode("utf-8")

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


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-answer (a cancelled oversize download, a killed crawler)
        # is expected here: no traceback on stderr for it.
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            logger.debug("client %s went away", client_address)
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def make_server(port: int = 0, root: Path = DEFAULT_ROOT,
                plan: FaultPlan | None = None) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1 (port 0: a free one); call serve_forever() to run it."""
    handler = type("Handler", (FixtureHandler,), {"root": root.resolve(), "plan": plan})
    return FixtureServer(("127.0.0.1", port), handler)


def serve_in_thread(port: int = 0, root: Path = DEFAULT_ROOT,
                    plan: FaultPlan | None = None) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a daemon thread; returns it and its base URL (for MIRROR)."""
    server = make_server(port, root, plan)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
