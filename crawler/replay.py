"""Reading the archive back: an index of WARC files, and REPLAY, a download handler that
answers every request from it.

``scrapy crawl SPIDER -s REPLAY=WARC_OR_DIR[,...]`` runs the whole crawl, discovery included,
with no network: each request gets the most recent archived response for its URL (a revisit
resolved to the payload it refers to; a 304 only for a conditional request). A URL the archive
does not hold is not fetched: the request fails as "not in archive" (``replay/not_in_archive``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import PART_SUFFIX, ROLE_HEADER
from crawler.mirror import MirrorDownloadHandler
from crawler.runcontext import RunContext
from crawler.runstatus import PreflightError

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

WARC_PATTERNS = ("*.warc.gz", "*.warc")


class NotInArchive(IgnoreRequest):
    """REPLAY is on and the archive holds no response for this URL."""


@dataclass(frozen=True)
class Entry:
    """Where one response or revisit record is, and what the index needs to choose it."""

    url: str
    date: str
    kind: str  # response | revisit
    status: int
    role: str
    path: str
    offset: int
    record_id: str
    digest: str
    refers_to: str
    seq: int  # order of appearance, to break equal dates


def warc_files(paths: Iterable[str | Path]) -> list[Path]:
    """WARC files named or found in the given folders (complete files only: a folder's
    ``.part`` files are skipped; a ``.part`` named explicitly is read)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = {f for pat in WARC_PATTERNS for f in p.glob(pat)}
            out.extend(sorted(f for f in found if not f.name.endswith(PART_SUFFIX)))
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"no WARC file or folder: {p}")
    return out


class ArchiveIndex:
    """Every response and revisit record of some WARC files, by URL and by record id."""

    def __init__(self, paths: Iterable[str | Path]):
        self.files = warc_files(paths)
        self.by_url: dict[str, list[Entry]] = {}
        self.by_id: dict[str, Entry] = {}
        self.by_digest: dict[tuple[str, str], Entry] = {}
        self.skipped: dict[str, int] = {}
        self._handles: dict[str, IO[bytes]] = {}
        seq = 0
        for path in self.files:
            for entry in self._scan(path, seq):
                seq = entry.seq + 1
                self.by_url.setdefault(entry.url, []).append(entry)
                self.by_id[entry.record_id] = entry
                if entry.kind == "response" and entry.digest:
                    self.by_digest[(entry.url, entry.digest)] = entry
        for entries in self.by_url.values():
            entries.sort(key=lambda e: (e.date, e.seq))

    def _scan(self, path: Path, seq: int) -> Iterator[Entry]:
        try:
            with path.open("rb") as fh:
                it = ArchiveIterator(fh)
                for record in it:
                    kind = record.rec_type
                    if kind not in ("response", "revisit") or record.http_headers is None:
                        continue
                    h = record.rec_headers
                    try:
                        status = int(record.http_headers.get_statuscode() or 0)
                    except ValueError:
                        status = 0
                    yield Entry(url=h.get_header("WARC-Target-URI") or "",
                                date=h.get_header("WARC-Date") or "", kind=kind,
                                status=status, role=h.get_header(ROLE_HEADER) or "",
                                path=str(path), offset=it.get_record_offset(),
                                record_id=h.get_header("WARC-Record-ID") or "",
                                digest=h.get_header("WARC-Payload-Digest") or "",
                                refers_to=h.get_header("WARC-Refers-To") or "", seq=seq)
                    seq += 1
        except Exception as exc:  # a torn or foreign file: what was read so far is kept
            logger.warning("archive %s: unreadable after some records (%s: %s)", path,
                           type(exc).__name__, exc)
            self.skipped[str(path)] = self.skipped.get(str(path), 0) + 1

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_url.values())

    def latest(self, url: str, conditional: bool = False) -> Entry | None:
        """The most recent record for url; a 304 only answers a conditional request."""
        for entry in reversed(self.by_url.get(url, ())):
            if entry.status == 304 and not conditional:
                continue
            return entry
        return None

    def original(self, entry: Entry) -> Entry | None:
        """The response record a revisit stands for (by WARC-Refers-To, else URL + digest)."""
        if entry.kind != "revisit":
            return entry
        found = self.by_id.get(entry.refers_to) if entry.refers_to else None
        return found or self.by_digest.get((entry.url, entry.digest))

    def read(self, entry: Entry) -> tuple[int, list[tuple[str, str]], bytes, str]:
        """(status, HTTP headers, raw payload, protocol) of a record; a revisit gets its own
        headers and its original's payload. Raises KeyError when that original is missing."""
        record = self._load(entry)
        headers = list(record.http_headers.headers)
        status = int(record.http_headers.get_statuscode() or 0)
        protocol = record.http_headers.protocol or "HTTP/1.1"
        if entry.kind == "revisit":
            original = self.original(entry)
            if original is None:
                raise KeyError(f"revisit of {entry.url}: the original record is not here")
            body = self._load(original).raw_stream.read()
        else:
            body = record.raw_stream.read()
        return status, headers, body, protocol

    def _load(self, entry: Entry) -> Any:
        fh = self._handles.get(entry.path)
        if fh is None:
            # Kept open for the next records of this file; close() closes them all.
            fh = self._handles[entry.path] = Path(entry.path).open("rb")  # noqa: SIM115
        fh.seek(entry.offset)
        return next(iter(ArchiveIterator(fh)))

    def close(self) -> None:
        for fh in self._handles.values():
            fh.close()
        self._handles.clear()


def parse_paths(value: str | list[str]) -> list[str]:
    items = value if isinstance(value, list) else value.split(",")
    return [s.strip() for s in items if s and s.strip()]


def preflight_replay(crawler: Crawler) -> None:
    """PREFLIGHT_CHECKS hook: a REPLAY naming no WARC file is one error line, exit status 2.
    The index built here is the one the download handler serves from."""
    replay = crawler.settings.get("REPLAY") or ""
    if not replay:
        return
    try:
        index = ArchiveIndex(parse_paths(replay))
    except FileNotFoundError as exc:
        raise PreflightError(f"REPLAY: {exc}") from None
    if not index.by_url:
        raise PreflightError(f"REPLAY: no archived responses in {replay}")
    RunContext.of(crawler).replay_index = index


class ReplayDownloadHandler(MirrorDownloadHandler):
    """HTTP(S) handler: REPLAY when set (no network at all), else MIRROR's behaviour."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.stats = crawler.stats
        replay = crawler.settings.get("REPLAY") or ""
        self.index: ArchiveIndex | None = None
        if replay:
            # `python -m crawler reextract` has read the archive already: shared, not re-read.
            self.index = RunContext.of(crawler).replay_index or ArchiveIndex(parse_paths(replay))
            logger.info("REPLAY on: %d records for %d URLs from %d WARC files; nothing is "
                        "fetched", len(self.index), len(self.index.by_url),
                        len(self.index.files))

    async def download_request(self, request: Request) -> Response:
        if self.index is None:
            return await super().download_request(request)
        stats = self.stats
        assert stats is not None
        conditional = bool(request.headers.get(b"If-None-Match")
                           or request.headers.get(b"If-Modified-Since"))
        entry = self.index.latest(request.url, conditional=conditional)
        if entry is None:
            stats.inc_value("replay/not_in_archive")
            raise NotInArchive("not in archive")
        try:
            status, header_list, body, protocol = self.index.read(entry)
        except KeyError:
            stats.inc_value("replay/not_in_archive")
            stats.inc_value("replay/revisit_unresolved")
            raise NotInArchive("not in archive (revisit of a record not in REPLAY)") from None
        stats.inc_value(f"replay/{entry.kind}")
        headers = Headers()
        for name, value in header_list:
            headers.appendlist(name, value)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=status, headers=headers, body=body,
                   request=request, protocol=protocol)

    async def close(self) -> None:
        if self.index is not None:
            self.index.close()
        await super().close()
