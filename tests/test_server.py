from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawler.mirror import from_mirror, to_mirror
from crawler.server import resolve, serve_in_thread


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    host = tmp_path / "example.vn"
    (host / "cat").mkdir(parents=True)
    (host / "index.html").write_text("home", "utf-8")
    (host / "cat" / "index.html").write_text("page1", "utf-8")
    (host / "cat" / "index.html@page=2").write_text("page2", "utf-8")
    (host / "a-post1.html").write_text("article", "utf-8")
    (host / "_redirects.json").write_text('{"/old.htm": "https://example.vn/a-post1.html"}')
    (tmp_path / "secret.txt").write_text("no", "utf-8")
    return tmp_path


def test_resolve_maps_paths_queries_and_refuses_escapes(site: Path) -> None:
    assert resolve(site, "example.vn", "/", "").read_text() == "home"  # type: ignore[union-attr]
    assert resolve(site, "example.vn", "/cat/", "page=2").read_text() == "page2"  # type: ignore[union-attr]
    # Unknown query strings (tracking tails) fall back to the page itself.
    assert resolve(site, "example.vn", "/a-post1.html", "utm_source=x").name == "a-post1.html"  # type: ignore[union-attr]
    assert resolve(site, "example.vn", "/../secret.txt", "") is None
    assert resolve(site, "example.vn", "/missing.html", "") is None


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def test_server_answers_pages_404_and_redirects(site: Path) -> None:
    server, base = serve_in_thread(0, site)
    try:
        assert base.startswith("http://127.0.0.1:")
        status, body, headers = _get(f"{base}/example.vn/cat/?page=2")
        assert (status, body) == (200, b"page2")
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert _get(f"{base}/example.vn/nothing-post9.html")[0] == 404
        assert _get(f"{base}/other.vn/")[0] == 404
        status, _, headers = _get(f"{base}/example.vn/old.htm")
        assert status == 301
        # The Location points into the mirror; the crawler maps it back to the real URL.
        assert from_mirror(headers["Location"], base) == "https://example.vn/a-post1.html"
    finally:
        server.shutdown()


def test_mirror_url_round_trip() -> None:
    real = "https://baohatinh.vn/chinh-tri/?page=2"
    assert from_mirror(to_mirror(real, "http://127.0.0.1:1"), "http://127.0.0.1:1") == real
