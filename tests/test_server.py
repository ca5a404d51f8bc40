from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawler.mirror import from_mirror, to_mirror
from crawler.server import resolve, serve_in_thread


@pytest.fixture
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


def _raw_get(base: str, target: str) -> tuple[int, bytes]:
    """GET with the request target sent exactly as given (no client-side normalising)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("target", [
    "/../secret.txt", "/..", "/../", "/./example.vn/index.html", "/%2e%2e/secret.txt",
    "/example.vn/../secret.txt", "/example.vn/%2e%2e/secret.txt", "/example.vn/cat/../index.html",
    "/example.vn/..%2fsecret.txt", "/example.vn/..%5csecret.txt", "/.hidden/x",
])
def test_server_answers_only_files_inside_a_host_folder(site: Path, target: str) -> None:
    (site / ".hidden").mkdir()
    (site / ".hidden" / "x").write_text("no", "utf-8")
    server, base = serve_in_thread(0, site)
    try:
        status, body = _raw_get(base, target)
    finally:
        server.shutdown()
    assert status == 404, (target, status, body)
    assert body != b"no"


@pytest.mark.parametrize("target", [
    "/example.vn/a%00.html", "/example.vn/%00", "/%00/x", "/example.vn/" + "a" * 5000,
    "/" + "b" * 5000 + "/x", "/example.vn/%ff%fe.html", "/example.vn/a%0a.html",
    "/example.vn/a-post1.html?q=" + "c" * 5000,
])
def test_server_answers_400_to_malformed_paths_without_a_traceback(
        site: Path, target: str, capfd: pytest.CaptureFixture[str]) -> None:
    server, base = serve_in_thread(0, site)
    try:
        status, _ = _raw_get(base, target)
        # The server still answers afterwards.
        assert _raw_get(base, "/example.vn/a-post1.html") == (200, b"article")
    finally:
        server.shutdown()
    assert status == 400
    assert "Traceback" not in capfd.readouterr().err


def test_the_fixture_tree_is_not_reachable_through_dot_dot() -> None:
    from conftest import SITE_ROOT

    server, base = serve_in_thread(0, SITE_ROOT)
    try:
        assert _raw_get(base, "/../build.py")[0] == 404
        assert _raw_get(base, "/baohatinh.vn/../../build.py")[0] == 404
    finally:
        server.shutdown()


def test_queries_no_file_can_hold_fall_back_to_the_page(site: Path) -> None:
    for query in ("a/b", "../../secret.txt", "x" * 400, "%00"):
        found = resolve(site, "example.vn", "/a-post1.html", query)
        assert found is not None and found.name == "a-post1.html", query


def test_odd_queries_still_answer_the_page(site: Path) -> None:
    server, base = serve_in_thread(0, site)
    try:
        for query in ("q=%ff", "q=%00", "a/b", "utm_source=x%2F..%2F"):
            assert _raw_get(base, f"/example.vn/a-post1.html?{query}") == (200, b"article")
    finally:
        server.shutdown()
