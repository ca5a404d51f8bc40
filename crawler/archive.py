"""WARC archive of every response (ISO 28500, written with ``warcio``).

A downloader middleware placed next to the download handler sees each response as it came off
the wire (still content-encoded, before redirects and retries are handled) and the request as it
was sent (user agent, referer, conditional headers). With ``MIRROR`` the handler fetched from
the mirror, but request and response already carry the real URL here, so ``WARC-Target-URI``
is the real one.

Per response: a ``request`` record and a ``response`` record (``WARC-Concurrent-To`` links
them), each its own gzip member, so any record can be read on its own (replay seeks to it).
A 200 whose payload is the same as the last archived fetch of that URL (this run or an earlier
one, per ``WARC-Payload-Digest``) is a ``revisit`` record (identical-payload-digest profile,
HTTP headers only, ``WARC-Refers-To`` the original). A 304 is a ``response`` record with its
status line and no payload. Each record names the role the crawl gave the page
(``WARC-Page-Role``: article, list, feed, robots, other), so re-extraction knows the pages the
crawl treated as articles.

Files: ``<ARCHIVE_DIR>/<spider>-<run id>-0001.warc.gz``, rolled over past ``ARCHIVE_MAX_BYTES``,
written as ``*.warc.gz.part`` and renamed when complete (like the feeds); each starts with a
``warcinfo`` record. Records are built, digested, compressed and written in one background
thread (hashlib and zlib release the GIL), so the crawl's own thread only copies references.
"""

from __future__ import annotations

import base64
import hashlib
import http
import io
import logging
import os
import queue
import sqlite3
import threading
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import BufferWARCWriter

from crawler.feeds import manifest_path, new_run_id
from crawler.runcontext import RunContext, redis_url

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"
WARC_SUFFIX = ".warc.gz"
ROLE_HEADER = "WARC-Page-Role"
INDEX_NAME = "archive-index.sqlite3"
# Hop-by-hop framing the HTTP client already removed from the body: kept in a WARC it would
# describe bytes that are not there (a reader would try to de-chunk a plain body).
_DROP_HEADERS = {"transfer-encoding"}
_SENTINEL = object()


def payload_digest(body: bytes) -> str:
    """The WARC payload digest warcio writes (``sha1:`` + base32).

    >>> payload_digest(b"")
    'sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ'
    """
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def page_role(request: Request) -> str:
    """The role the crawl gives a page, from the callback that will read it.

    >>> from scrapy import Request
    >>> page_role(Request("https://a.vn/robots.txt"))
    'robots'
    """
    if urlsplit(request.url).path == "/robots.txt":
        return "robots"
    name = getattr(request.callback, "__name__", "")
    return {"parse_article": "article", "parse_list": "list",
            "parse_feed": "feed"}.get(name, "other")


def http_date_to_warc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Capture:
    """One exchange as the crawl saw it: copied out of Scrapy's objects in the reactor thread."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    date: str
    role: str
    protocol: str = "HTTP/1.1"


def capture(request: Request, response: Response, role: str | None = None) -> Capture:
    parts = urlsplit(request.url)
    req_headers = [("Host", parts.netloc)]
    req_headers += [(k.decode("latin-1"), v.decode("latin-1"))
                    for k, values in request.headers.items() for v in values]
    resp_headers = [(k.decode("latin-1"), v.decode("latin-1"))
                    for k, values in response.headers.items() for v in values
                    if k.decode("latin-1").lower() not in _DROP_HEADERS]
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    return Capture(url=request.url, method=request.method, request_headers=req_headers,
                   request_body=request.body or b"", status=response.status,
                   response_headers=resp_headers, body=response.body,
                   date=http_date_to_warc(datetime.now(UTC)), role=role or page_role(request),
                   protocol=protocol if protocol.startswith("HTTP/") else "HTTP/1.1")


def status_line(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


class DigestIndex:
    """Last archived payload of each URL (digest, record id, date, file), across runs, so an
    unchanged page fetched again is a revisit. Entries are committed only when the file
    holding their record is complete: a revisit never refers to a record in a ``.part``."""

    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS payloads (url TEXT PRIMARY KEY, "
                        "digest TEXT NOT NULL, record_id TEXT NOT NULL, date TEXT NOT NULL, "
                        "file TEXT NOT NULL)")
        self.db.commit()
        self.pending: dict[str, tuple[str, str, str, str]] = {}

    def get(self, url: str) -> tuple[str, str, str, str] | None:
        if url in self.pending:
            return self.pending[url]
        row = self.db.execute("SELECT digest, record_id, date, file FROM payloads WHERE url = ?",
                              (url,)).fetchone()
        return tuple(row) if row else None

    def note(self, url: str, digest: str, record_id: str, date: str, file: str) -> None:
        self.pending[url] = (digest, record_id, date, file)

    def commit(self) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO payloads (url, digest, record_id, date, file) "
                "VALUES (?, ?, ?, ?, ?)",
                [(u, *v) for u, v in self.pending.items()])
        self.pending.clear()

    def forget_files(self, names: list[str]) -> int:
        """Drop entries whose record lives in a file that no longer exists (pruned)."""
        with self.db:
            cur = self.db.executemany("DELETE FROM payloads WHERE file = ?",
                                      [(n,) for n in names])
        return cur.rowcount

    def files(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT file FROM payloads")]

    def close(self) -> None:
        self.db.close()


@dataclass
class ArchiveFile:
    name: str
    records: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    sha256: str = ""

    def report(self) -> dict[str, Any]:
        return {"file": self.name, "records": self.records,
                "by_type": dict(sorted(self.by_type.items())), "bytes": self.bytes,
                "sha256": self.sha256}


class WarcFiles:
    """Rolling WARC files: ``<prefix>-NNNN.warc.gz``, written aside and renamed when done.

    Not thread-safe: one thread writes (ArchiveMiddleware's writer thread, or a test)."""

    def __init__(self, folder: Path, prefix: str, *, max_bytes: int, gzip_level: int,
                 index: DigestIndex | None, info: dict[str, str]):
        self.folder = folder
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.level = gzip_level
        self.index = index
        self.info = info
        self.done: list[ArchiveFile] = []
        self._builder = BufferWARCWriter(gzip=False, warc_version="1.1")
        self._out: Any = None
        self._sha: Any = None
        self._current: ArchiveFile | None = None

    # --- files ---------------------------------------------------------------------------------

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{self.prefix}-{len(self.done) + 1:04d}{WARC_SUFFIX}"
        self._current = ArchiveFile(name)
        self._out = (self.folder / (name + PART_SUFFIX)).open("wb")
        self._sha = hashlib.sha256()
        info = self._builder.create_warcinfo_record(name, dict(self.info))
        self._emit(info)

    def _finish(self) -> None:
        current = self._current
        if current is None:
            return
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        current.sha256 = self._sha.hexdigest()
        final = self.folder / current.name
        final.with_name(final.name + PART_SUFFIX).replace(final)
        if self.index is not None:
            self.index.commit()
        self.done.append(current)
        self._current = self._out = self._sha = None

    def close(self) -> list[dict[str, Any]]:
        self._finish()
        return [f.report() for f in self.done]

    # --- records -------------------------------------------------------------------------------

    def _emit(self, record: Any) -> None:
        buf = io.BytesIO()
        self._builder._write_warc_record(buf, record)
        # One gzip member per record: readers can seek to any record and read it alone.
        comp = zlib.compressobj(self.level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        data = comp.compress(buf.getvalue()) + comp.flush()
        self._out.write(data)
        self._sha.update(data)
        assert self._current is not None
        self._current.records += 1
        self._current.bytes += len(data)
        kind = record.rec_headers.get_header("WARC-Type")
        self._current.by_type[kind] = self._current.by_type.get(kind, 0) + 1

    def write(self, cap: Capture) -> str:
        """Archive one exchange; returns the record type written for the response."""
        if self._current is None:
            self._open()
        assert self._current is not None
        b = self._builder
        extra = {"WARC-Date": cap.date, ROLE_HEADER: cap.role}
        resp_headers = StatusAndHeaders(status_line(cap.status), cap.response_headers,
                                        protocol=cap.protocol)
        digest = payload_digest(cap.body)
        earlier = self.index.get(cap.url) if self.index is not None else None
        if cap.status == 200 and earlier is not None and earlier[0] == digest:
            _, ref_id, ref_date, _ = earlier
            resp = b.create_revisit_record(cap.url, digest, cap.url, ref_date,
                                           http_headers=resp_headers,
                                           warc_headers_dict=extra)
            resp.rec_headers.add_header("WARC-Refers-To", ref_id)
        else:
            resp = b.create_warc_record(cap.url, "response", payload=io.BytesIO(cap.body),
                                        length=len(cap.body), http_headers=resp_headers,
                                        warc_headers_dict={**extra,
                                                           "WARC-Payload-Digest": digest})
            if cap.status == 200 and self.index is not None:
                self.index.note(cap.url, digest, resp.rec_headers.get_header("WARC-Record-ID"),
                                cap.date, self._current.name)
        path = urlsplit(cap.url)
        target = (path.path or "/") + (f"?{path.query}" if path.query else "")
        req_headers = StatusAndHeaders(f"{cap.method} {target} HTTP/1.1", cap.request_headers,
                                       is_http_request=True)
        req = b.create_warc_record(cap.url, "request", payload=io.BytesIO(cap.request_body),
                                   length=len(cap.request_body), http_headers=req_headers,
                                   warc_headers_dict={"WARC-Date": cap.date})
        req.rec_headers.add_header("WARC-Concurrent-To",
                                   resp.rec_headers.get_header("WARC-Record-ID"))
        self._emit(req)
        self._emit(resp)
        if self._current.bytes >= self.max_bytes:
            self._finish()
        return str(resp.rec_headers.get_header("WARC-Type"))


def prune_index(folder: Path) -> int:
    """After old WARC files are deleted: forget their payloads, so the next fetch of those
    URLs is archived in full instead of as a revisit of a record that is gone."""
    path = folder / INDEX_NAME
    if not path.is_file():
        return 0
    index = DigestIndex(path)
    try:
        return index.forget_files([f for f in index.files() if not (folder / f).exists()])
    finally:
        index.close()


def archive_dir(settings: Any, spider_name: str) -> Path:
    """ARCHIVE_DIR, else beside the feeds: the feed folder (FEED_DIR), or, when the user's
    ``-O``/``-o`` feed replaces it, the folder of that file (where its manifest goes too)."""
    raw = settings.get("ARCHIVE_DIR")
    if raw:
        return Path(raw % {"name": spider_name})
    return manifest_path(settings, spider_name, "").parent


def salvage_parts(folder: Path, prefix: str, own_run: str) -> list[str]:
    """``.part`` WARC files of a dead run of this spider: keep the complete records (each is
    a gzip member) and give the file its final name, so what was fetched is not lost.

    Called while this run holds the spider's lock (one machine), so no live run owns them."""
    from warcio.archiveiterator import ArchiveIterator

    saved = []
    for part in sorted(folder.glob(f"{prefix}-*{WARC_SUFFIX}{PART_SUFFIX}")):
        if own_run in part.name:
            continue
        good = 0
        try:
            with part.open("rb") as fh:
                it = ArchiveIterator(fh)
                for record in it:
                    record.content_stream().read()
                    good = it.get_record_offset() + it.get_record_length()
        except Exception as exc:  # a torn last record: keep everything before it
            logger.info("archive %s: torn record after byte %d (%s)", part.name, good,
                        type(exc).__name__)
        if good == 0:
            part.unlink()
            continue
        with part.open("r+b") as fh:
            fh.truncate(good)
        final = part.with_name(part.name[: -len(PART_SUFFIX)])
        part.replace(final)
        saved.append(final.name)
        logger.warning("archive: kept %s of a killed run (%d bytes of complete records)",
                       final.name, good)
    return saved


class ArchiveMiddleware:
    """Downloader middleware writing every response (and its request) to WARC files."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.max_bytes = settings.getint("ARCHIVE_MAX_BYTES")
        self.level = settings.getint("ARCHIVE_GZIP_LEVEL")
        self.revisits = settings.getbool("ARCHIVE_REVISITS")
        self.files: WarcFiles | None = None
        self.report: list[dict[str, Any]] = []
        self.salvaged: list[str] = []
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=settings.getint("ARCHIVE_QUEUE"))
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._counts: dict[str, int] = {}
        self._salvage_done = False
        self._inline = False
        RunContext.of(crawler).archive = self

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED"):
            raise NotConfigured("ARCHIVE_ENABLED is off")
        if settings.get("REPLAY"):
            # A replayed crawl re-reads an archive: writing it again would only copy it.
            raise NotConfigured("REPLAY is on: nothing is fetched, nothing is archived")
        mw = cls(crawler)
        spider = getattr(crawler, "spider", None)
        if spider is not None:
            # Now, before spider_opened: there the state manager removes the dead runs'
            # feed .part files, and a WARC .part in the same folder would go with them.
            mw.salvage(spider)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def salvage(self, spider: Spider) -> None:
        if redis_url(self.crawler.settings) or self._salvage_done:
            return  # Redis workers share folders with live peers: their .part are not ours
        self._salvage_done = True
        folder = archive_dir(self.crawler.settings, spider.name)
        if folder.is_dir():
            self.salvaged = salvage_parts(folder, spider.name,
                                          getattr(spider, "run_id", None) or "-")

    def spider_opened(self, spider: Spider) -> None:
        folder = archive_dir(self.crawler.settings, spider.name)
        run_id = getattr(spider, "run_id", None) or new_run_id()
        prefix = f"{spider.name}-{run_id}"
        folder.mkdir(parents=True, exist_ok=True)
        self.salvage(spider)
        index = DigestIndex(folder / INDEX_NAME) if self.revisits else None
        import scrapy

        info = {"software": f"vnnews-crawler (Scrapy {scrapy.__version__}, warcio)",
                "format": "WARC File Format 1.1",
                "conformsTo": "http://iipc.github.io/warc-specifications/specifications/"
                              "warc-format/warc-1.1/",
                "isPartOf": prefix, "spider": spider.name, "run-id": run_id,
                "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY")
                else "ignore",
                "http-header-user-agent": self.crawler.settings.get("USER_AGENT", "")}
        self.files = WarcFiles(folder, prefix, max_bytes=self.max_bytes,
                               gzip_level=self.level, index=index, info=info)
        self._thread = threading.Thread(target=self._run, name="warc-writer", daemon=True)
        self._thread.start()
        self._inline = not self.crawler.settings.getbool("ARCHIVE_THREAD")

    def _run(self) -> None:
        assert self.files is not None
        while True:
            item = self._queue.get()
            if item is _SENTINEL:
                break
            self._write(item)

    def _write(self, item: Capture) -> None:
        assert self.files is not None
        if self._error is not None:
            return
        try:
            kind = self.files.write(item)
            self._counts[kind] = self._counts.get(kind, 0) + 1
        except Exception as exc:  # disk full, folder gone: the crawl goes on, counted
            self._error = exc
            logger.error("archive: cannot write %s: %s; archiving stops for this run",
                         item.url, exc)

    def process_response(self, request: Request, response: Response) -> Response:
        if self._thread is None or self._error is not None:
            return response
        stats = self.crawler.stats
        assert stats is not None
        try:
            cap = capture(request, response)
        except Exception as exc:  # a response we cannot describe must not stop the crawl
            stats.inc_value("archive/capture_failed")
            logger.warning("archive: cannot capture %s: %s", request.url, exc)
            return response
        if self._inline:
            self._write(cap)
        else:
            # Blocks when the writer is ARCHIVE_QUEUE exchanges behind: bounded memory.
            self._queue.put(cap)
        stats.inc_value("archive/responses")
        return response

    def spider_closed(self, spider: Spider) -> None:
        if self._thread is None or self.files is None:
            return
        self._queue.put(_SENTINEL)
        self._thread.join()
        self._thread = None
        stats = self.crawler.stats
        assert stats is not None
        try:
            self.report = self.files.close()
        except OSError as exc:
            self._error = exc
            logger.error("archive: cannot complete %s: %s", self.files.prefix, exc)
        if self.files.index is not None:
            self.files.index.close()
        for kind, n in self._counts.items():
            stats.set_value(f"archive/records_{kind}", n)
        if self._error is not None:
            stats.set_value("archive/error", str(self._error))
        stats.set_value("archive/files", len(self.report))
        stats.set_value("archive/bytes", sum(f["bytes"] for f in self.report))


def archive_report(crawler: Crawler) -> dict[str, Any] | None:
    """The manifest's ``archive`` section: folder, files (records by type, bytes, SHA-256),
    files of a killed run kept, error. None when the archive is off."""
    mw = RunContext.of(crawler).archive
    if mw is None or mw.files is None:
        return None
    return {"dir": str(mw.files.folder), "files": mw.report, "salvaged": mw.salvaged,
            "error": str(mw._error) if mw._error else None}
