"""MIRROR: fetch https://HOST/PATH?QUERY from MIRROR/HOST/PATH?QUERY, at download time only.

A download handler rather than a downloader middleware: a middleware that returns a new
request sends it back through the scheduler, so the dupefilter, the stats and the items would
see the mirror's URL. Here the request keeps its real URL everywhere; only the bytes come from
the mirror, and redirects pointing into the mirror are mapped back to real URLs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


def to_mirror(url: str, mirror: str) -> str:
    """The mirror URL of a real URL.

    >>> to_mirror("https://baohatinh.vn/chinh-tri/?page=2", "http://127.0.0.1:8000")
    'http://127.0.0.1:8000/baohatinh.vn/chinh-tri/?page=2'
    """
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror.rstrip('/')}/{parts.netloc.lower()}{parts.path or '/'}{query}"


def from_mirror(url: str, mirror: str) -> str:
    """The real URL of a mirror URL (https assumed); other URLs are returned unchanged.

    >>> from_mirror("http://127.0.0.1:8000/baohatinh.vn/a-post1.html", "http://127.0.0.1:8000")
    'https://baohatinh.vn/a-post1.html'
    >>> from_mirror("https://baohatinh.vn/x", "http://127.0.0.1:8000")
    'https://baohatinh.vn/x'
    """
    prefix = mirror.rstrip("/") + "/"
    if not url.startswith(prefix):
        return url
    return "https://" + url[len(prefix):]


class MirrorDownloadHandler(BaseDownloadHandler):
    """HTTP(S) handler that serves every request from MIRROR when the setting is on."""

    lazy = False

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.mirror: str = crawler.settings.get("MIRROR") or ""
        self._http = HTTP11DownloadHandler(crawler)
        if self.mirror:
            logger.info("MIRROR on: every request is fetched from %s", self.mirror)

    async def download_request(self, request: Request) -> Response:
        if not self.mirror:
            return await self._http.download_request(request)
        mirrored = request.replace(url=to_mirror(request.url, self.mirror))
        response = await self._http.download_request(mirrored)
        location = response.headers.get(b"Location")
        headers = response.headers.copy()
        if location:
            real = from_mirror(location.decode("latin-1"), self.mirror)
            headers[b"Location"] = real.encode("latin-1")
        return response.replace(url=request.url, request=request, headers=headers)

    async def close(self) -> None:
        await self._http.close()
