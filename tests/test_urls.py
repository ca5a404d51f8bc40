"""Table-driven tests for crawler.urls."""

from __future__ import annotations

import random
import re
import string

import pytest

from crawler.urls import (
    DEFAULT_ID_PATTERNS,
    TRACKING_PARAMS,
    article_id,
    canonical_url,
    host_matches,
    is_http_url,
    is_private_host,
    is_tracking_param,
    site_of,
    strip_tracking,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("utm_source", True),
        ("utm_whatever_new", True),
        ("UTM_Medium", True),
        ("fbclid", True),
        ("gclid", True),
        ("dclid", True),
        ("msclkid", True),
        ("zarsrc", True),
        ("zcid", True),
        ("_ga", True),
        ("igshid", True),
        ("mc_cid", True),
        ("mc_eid", True),
        ("ref", True),
        ("refer", True),
        ("spm", True),
        ("vn_source", True),
        ("vn_campaign", True),
        ("itm_content", True),
        ("gidzl", True),
        ("__twitter_impression", True),
        ("id", False),
        ("page", False),
        ("referrer_id", False),
        ("q", False),
    ],
)
def test_is_tracking_param(name: str, expected: bool) -> None:
    assert is_tracking_param(name) is expected


def test_tracking_params_constant_holds_exact_keys() -> None:
    assert {"fbclid", "zarsrc", "gidzl", "__twitter_impression"} <= TRACKING_PARAMS


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://baohatinh.vn/a-post1.html?utm_source=fb&p=2&fbclid=x&a=1",
            "https://baohatinh.vn/a-post1.html?p=2&a=1",
        ),
        ("https://x.vn/a?z=1&y=2", "https://x.vn/a?z=1&y=2"),
        ("https://x.vn/a?utm_source=a&utm_medium=b", "https://x.vn/a"),
        ("https://x.vn/a?gidzl=abc&zarsrc=30#frag", "https://x.vn/a#frag"),
        ("https://x.vn/a?utm%5Fsource=a&k=%C3%A0", "https://x.vn/a?k=%C3%A0"),
        ("https://x.vn/a?itm_source=home&itm_medium=b&id=3", "https://x.vn/a?id=3"),
        ("https://x.vn/a", "https://x.vn/a"),
        ("https://x.vn/a?amp=1", "https://x.vn/a?amp=1"),
    ],
)
def test_strip_tracking(url: str, expected: str) -> None:
    assert strip_tracking(url) == expected


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        (
            "http://M.BaoHaTinh.vn:80/amp/slug-post123.html?utm_source=x&b=2&a=1#top",
            None,
            "https://baohatinh.vn/slug-post123.html?a=1&b=2",
        ),
        (
            "https://baohatinh.vn/amp/slug-post123.html",
            None,
            "https://baohatinh.vn/slug-post123.html",
        ),
        ("https://vnexpress.net/x-4785411.html/amp", None, "https://vnexpress.net/x-4785411.html"),
        ("https://x.vn/a/amp/", None, "https://x.vn/a"),
        ("https://x.vn/amp", None, "https://x.vn/"),
        ("https://x.vn/a?amp", None, "https://x.vn/a"),
        ("https://x.vn/a?amp=1&p=2", None, "https://x.vn/a?p=2"),
        ("  https://x.vn/a  ", None, "https://x.vn/a"),
        ("https://x.vn", None, "https://x.vn/"),
        ("https://www.x.vn", None, "https://www.x.vn/"),
        ("https://x.vn/", None, "https://x.vn/"),
        ("https://amp.dantri.com.vn/a.htm", None, "https://dantri.com.vn/a.htm"),
        ("https://mobile.x.vn/a", None, "https://x.vn/a"),
        ("https://m.com.vn/a", None, "https://m.com.vn/a"),
        ("https://x.vn:443/a", None, "https://x.vn/a"),
        ("https://x.vn:8443/a", None, "https://x.vn:8443/a"),
        ("https://x.vn/a%7e?q=%e1%ba%a1", None, "https://x.vn/a~?q=%E1%BA%A1"),
        ("https://x.vn/Hà Nội", None, "https://x.vn/H%C3%A0%20N%E1%BB%99i"),
        (
            "/x-4785411.html?amp=1",
            "https://vnexpress.net/thoi-su",
            "https://vnexpress.net/x-4785411.html",
        ),
        (
            "slug-post9.html",
            "https://baohatinh.vn/xa-hoi/",
            "https://baohatinh.vn/xa-hoi/slug-post9.html",
        ),
        ("//m.x.vn/a", "https://x.vn/", "https://x.vn/a"),
        ("https://[::1]:8080/a", None, "https://[::1]:8080/a"),
        ("mailto:toasoan@baohatinh.vn", None, "mailto:toasoan@baohatinh.vn"),
        ("javascript:void(0)", None, "javascript:void(0)"),
        ("http://x.vn:abc/", None, "http://x.vn:abc/"),
    ],
)
def test_canonical_url(url: str, base: str | None, expected: str) -> None:
    assert canonical_url(url, base) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://M.BaoHaTinh.vn:80/amp/amp/slug-post123.html/amp?utm_source=x&b=2&a=1#top",
        "https://x.vn/Hà Nội?q=Hà Nội&b=a+b&a=%7e",
        "https://x.vn/a?b=1&b=0&a&amp=true",
        "https://www.vnexpress.net/x-4785411.html?vn_source=a&zarsrc=1&page=2",
        "HTTP://EXAMPLE.VN./a/amp/",
        "https://user:pw@x.vn:443/%2Fa?%2F=1",
        "https://xn--bo-hfa.vn/x;p=1?z",
        "mailto:x@y.vn",
    ],
)
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.baohatinh.vn/a-post1.html", "baohatinh.vn"),
        ("https://baohatinh.vn/", "baohatinh.vn"),
        ("http://m.dantri.com.vn:80/x", "dantri.com.vn"),
        ("https://amp.vnexpress.net/x", "vnexpress.net"),
        ("https://mobile.tuoitre.vn/x", "tuoitre.vn"),
        ("https://CDN.BaoHaTinh.vn/x.jpg", "cdn.baohatinh.vn"),
        ("/relative/path", ""),
        ("", ""),
    ],
)
def test_site_of(url: str, expected: str) -> None:
    assert site_of(url) == expected


@pytest.mark.parametrize(
    ("url", "domains", "expected"),
    [
        ("https://cdn.baohatinh.vn/x.jpg", ["baohatinh.vn"], True),
        ("https://baohatinh.vn/", ["baohatinh.vn"], True),
        ("https://BAOHATINH.VN./", ["baohatinh.vn"], True),
        ("https://evilbaohatinh.vn/", ["baohatinh.vn"], False),
        ("https://baohatinh.vn.evil.com/", ["baohatinh.vn"], False),
        ("https://dantri.com.vn/", ["baohatinh.vn", "Dantri.com.vn"], True),
        ("https://x.vn/", [], False),
        ("not a url", ["baohatinh.vn"], False),
    ],
)
def test_host_matches(url: str, domains: list[str], expected: bool) -> None:
    assert host_matches(url, domains) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://baohatinh.vn/a-b-post242182.html?utm_source=x", "242182"),
        ("https://nld.com.vn/tieu-de-196240523103015.htm", "196240523103015"),
        ("https://vnexpress.net/mot-bai-viet-4785411.html", "4785411"),
        ("https://x.vn/tin-tuc-d123.html", "123"),
        ("https://baohatinh.vn/legacy/242182.htm", "242182"),
        ("https://dantri.com.vn/xa-hoi/bai-20240523103015123.htm", "20240523103015123"),
        ("https://baohatinh.vn/chuyen-muc/", None),
        ("https://x.vn/a-1234.html", None),
        ("https://x.vn/a.html?id=-post99.html", None),
    ],
)
def test_article_id_defaults(url: str, expected: str | None) -> None:
    assert article_id(url) == expected
    assert article_id(url, DEFAULT_ID_PATTERNS) == expected


@pytest.mark.parametrize(
    ("url", "patterns", "expected"),
    [
        ("https://x.vn/news/778899/", [r"/news/(\d+)/"], "778899"),
        ("https://x.vn/news/778899/", [re.compile(r"/nope/(\d+)"), r"/(\d+)/$"], "778899"),
        ("https://x.vn/news/abc/", [r"/news/(\d+)/"], None),
        ("https://x.vn/a-post1.html", [], None),
    ],
)
def test_article_id_custom_patterns(
    url: str, patterns: list[re.Pattern[str] | str], expected: str | None
) -> None:
    assert article_id(url, patterns) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://baohatinh.vn/", True),
        ("http://baohatinh.vn/a", True),
        ("HTTPS://X.VN", True),
        ("ftp://x.vn/", False),
        ("javascript:void(0)", False),
        ("mailto:a@b.vn", False),
        ("/relative", False),
        ("https://", False),
        ("http://x.vn:99999/", False),
        ("", False),
    ],
)
def test_is_http_url(url: str, expected: bool) -> None:
    assert is_http_url(url) is expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("api.localhost", True),
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("0.0.0.0", True),
        ("[::1]", True),
        ("::1", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("::ffff:127.0.0.1", True),
        ("2130706433", True),
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        ("baohatinh.vn", False),
        ("", False),
    ],
)
def test_is_private_host(host: str, expected: bool) -> None:
    assert is_private_host(host) is expected


def _plain_urls() -> list[str]:
    """URLs of canonical_url's fast-path form (and near misses), varied character by character
    over what the form allows: hosts, label edges, unreserved path characters, dots, tildes."""
    rng = random.Random(10)
    host_chars = "abcz09-"
    path_chars = string.ascii_letters + string.digits + "._~-"
    urls = [
        "https://baohatinh.vn/", "https://baohatinh.vn/slug-post123.html",
        "https://www.baohatinh.vn/a/b/", "https://1.2.3.4/x", "https://xn--bo-ja.vn/x~y",
        "https://a-b.c-d.vn/A.B_C~D-E", "https://m.com.vn/x", "https://amp.baohatinh.vn/x",
        "https://baohatinh.vn/amp", "https://baohatinh.vn/x/amp/", "https://baohatinh.vn/amp/x",
        "https://baohatinh.vn/x/ampx/y", "https://baohatinh.vn/./x", "https://baohatinh.vn/x/..",
        "https://baohatinh.vn", "https://baohatinh.vn//x", "https://BaoHaTinh.vn/x",
        "https://baohatinh.vn./x", "https://-a.vn/x", "https://a-.vn/x",
        "https://" + "a" * 64 + ".vn/",
    ]
    for _ in range(3000):
        labels = ["".join(rng.choice(host_chars) for _ in range(rng.randint(1, 6)))
                  for _ in range(rng.randint(2, 4))]
        segs = ["".join(rng.choice(path_chars) for _ in range(rng.randint(1, 12)))
                for _ in range(rng.randint(0, 4))]
        urls.append("https://" + ".".join(labels) + "/" + "/".join(segs)
                    + rng.choice(["", "/"]) * bool(segs))
    return urls


def test_canonical_fast_path_gives_what_the_full_path_gives() -> None:
    # canonical_url returns a URL of the _PLAIN_CANONICAL form untouched: every step of the
    # full canonicalisation must leave it as it is too, on its own and joined to any base.
    from crawler.urls import _PLAIN_CANONICAL, _canonicalize

    plain = [u for u in _plain_urls() if _PLAIN_CANONICAL(u)]
    assert len(plain) > 1000
    for url in plain:
        assert _canonicalize(url, None) == url
        assert _canonicalize(url, "http://other.vn/a/b?c=1") == url
        assert _canonicalize(url, "https://baohatinh.vn/x-post1.html") == url
        assert canonical_url(url) == url
    # Near misses take the full path (mobile hosts, amp segments, dot segments, no path...).
    for url in ("https://amp.baohatinh.vn/x", "https://baohatinh.vn/amp/x",
                "https://baohatinh.vn/x/amp", "https://baohatinh.vn/./x", "https://baohatinh.vn",
                "https://BaoHaTinh.vn/x", "https://baohatinh.vn./x", "https://baohatinh.vn//x"):
        assert not _PLAIN_CANONICAL(url)
