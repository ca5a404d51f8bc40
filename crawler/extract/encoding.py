"""Decoding page bytes right: declared charsets lie, and Windows-1258 is still met.

The order: a BOM; then the charset the HTTP header or the page declares, except that a page
declared latin-1/cp1252/ASCII whose bytes are valid UTF-8 with multi-byte sequences is UTF-8
(the commonest lie on Vietnamese sites: no Vietnamese text fits latin-1); then UTF-8 with
replacement characters. Windows-1258 text comes out with separate combining tone marks;
cleaning (NFC) composes them.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_LATIN_LIES = {"latin-1", "latin1", "iso-8859-1", "iso8859-1", "cp1252", "windows-1252",
               "us-ascii", "ascii", "iso-8859-15"}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str | bytes | None) -> str | None:
    """The charset the header declares, else the one the page's <meta> declares."""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m and _known(m.group(1)):
            return m.group(1).lower()
    meta = _META_CHARSET.search(body[:4096])
    if meta and _known(meta.group(1).decode("ascii", "ignore")):
        return meta.group(1).decode("ascii").lower()
    return None


def decode_page(body: bytes, content_type: str | bytes | None = None) -> tuple[str, str]:
    """Page text and the encoding used.

    >>> decode_page("Hà Tĩnh".encode(), "text/html; charset=iso-8859-1")
    ('Hà Tĩnh', 'utf-8')
    >>> decode_page("Hà Tĩnh".encode("cp1258", "ignore"), "text/html; charset=windows-1258")[1]
    'cp1258'
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(name, "replace"), name
    declared = declared_charset(body, content_type)
    codec = _known(declared)
    if codec is None or (declared in _LATIN_LIES or codec in {"latin-1", "cp1252", "ascii"}):
        try:
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            if codec is None:
                return body.decode("utf-8", "replace"), "utf-8"
    return body.decode(codec, "replace"), codec


class PageTooLarge(ValueError):
    """A saved page (or what it inflates to) is past the size cap: not a news page."""


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Inflate gzip data (every member of a multi-member file), stopping as soon as the output
    would pass ``limit`` bytes: a 1 MB file that inflates to 1 GiB costs ``limit`` bytes of
    memory, not a gigabyte. Raises PageTooLarge past the limit, ValueError on corrupt data.

    >>> import gzip
    >>> gunzip_bounded(gzip.compress(b"a" * 10) * 2, 20)
    b'aaaaaaaaaaaaaaaaaaaa'
    >>> gunzip_bounded(gzip.compress(b"a" * 21), 20)
    Traceback (most recent call last):
    ...
    crawler.extract.encoding.PageTooLarge: inflates past 20 bytes
    """
    import zlib

    out = bytearray()
    rest = data
    while rest:
        inflater = zlib.decompressobj(wbits=31)  # gzip container only
        pending = rest
        try:
            while True:
                # Never more than the room left: zlib keeps the rest of the input for later.
                room = limit + 1 - len(out)
                chunk = inflater.decompress(pending, room)
                out += chunk
                if len(out) > limit:
                    raise PageTooLarge(f"inflates past {limit} bytes")
                pending = inflater.unconsumed_tail
                if inflater.eof or (not pending and len(chunk) < room):
                    break
        except zlib.error as exc:
            raise ValueError(f"not valid gzip data ({exc})") from None
        if len(out) > limit:
            raise PageTooLarge(f"inflates past {limit} bytes")
        if not inflater.eof:
            raise ValueError("truncated gzip data")
        # Trailing zero padding after the last member is tolerated, as gzip(1) does.
        rest = inflater.unused_data.lstrip(b"\0")
    return bytes(out)
