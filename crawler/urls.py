"""URL helpers: canonical forms, site identity, article ids and safety checks.

Every function here is pure (no I/O, no clock) so that dedup keys computed by the
crawler today are reproducible by a later run or by an offline re-index.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Sequence
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

__all__ = [
    "DEFAULT_ID_PATTERNS",
    "MOBILE_HOST_PREFIXES",
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "article_id",
    "canonical_url",
    "host_matches",
    "is_http_url",
    "is_private_host",
    "is_tracking_param",
    "site_of",
    "strip_tracking",
]

# Exact query keys (compared lower-cased) that only identify a campaign, click or
# referrer. They never change which article a page shows, so they must not split
# one article into several dedup keys.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "zarsrc",  # Zalo share links
        "zcid",
        "gidzl",  # Zalo
        "_ga",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "refer",
        "spm",
        "__twitter_impression",
    }
)

# Key prefixes: utm_* is open-ended, and vnexpress (vn_source, vn_medium, vn_campaign)
# and dantri (itm_source, itm_medium, itm_campaign, itm_content) keep adding keys.
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "vn_", "itm_")

# Mobile/AMP mirrors serve the same article as the main host.
MOBILE_HOST_PREFIXES: tuple[str, ...] = ("m.", "amp.", "mobile.")

# Second-level public suffixes used by Vietnamese sites: "m.com.vn" is not a
# mobile mirror of "com.vn", so never strip a prefix down to one of these.
_VN_PUBLIC_SUFFIXES: frozenset[str] = frozenset(
    {"com.vn", "net.vn", "org.vn", "gov.vn", "edu.vn", "info.vn", "biz.vn", "name.vn"}
)

_DEFAULT_PORTS: frozenset[int] = frozenset({80, 443})

# Ordered most specific first: the first matching pattern wins.
DEFAULT_ID_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"-post(\d+)\.html$"),  # baohatinh, nld, many CMS "…-post123.html"
    re.compile(r"-d(\d+)\.html$"),  # "…-d123456.html"
    re.compile(r"-(\d{5,})\.html$"),  # vnexpress "…-4785411.html"
    re.compile(r"-(\d{5,})\.htm$"),  # tuoitre/dantri "…-20240523103015123.htm"
    re.compile(r"/(\d{5,})\.htm$"),  # legacy "/123456.htm"
)


def is_tracking_param(name: str) -> bool:
    """Tell whether a query key is a tracking parameter (case-insensitive).

    >>> is_tracking_param("utm_source"), is_tracking_param("ITM_CAMPAIGN"), is_tracking_param("id")
    (True, True, False)
    """
    key = name.strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _query_key(pair: str) -> str:
    # Decode the key the way a server would ("utm%5Fsource" is still utm_source).
    return unquote_plus(pair.split("=", 1)[0])


def _filter_query(query: str, *, drop_amp: bool) -> str:
    # Work on the raw "k=v" pieces so kept parameters keep their exact encoding.
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        key = _query_key(pair).lower()
        if is_tracking_param(key) or (drop_amp and key == "amp"):
            continue
        kept.append(pair)
    return "&".join(kept)


def strip_tracking(url: str) -> str:
    """Remove tracking query parameters, keeping the others in their original order.

    >>> strip_tracking("https://baohatinh.vn/a-post1.html?utm_source=fb&p=2&fbclid=x&a=1#c")
    'https://baohatinh.vn/a-post1.html?p=2&a=1#c'
    >>> strip_tracking("https://vnexpress.net/x-4785411.html?vn_source=home&vn_medium=top")
    'https://vnexpress.net/x-4785411.html'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    return urlunsplit(parts._replace(query=_filter_query(parts.query, drop_amp=False)))


def _strip_mobile_prefix(host: str) -> str:
    for prefix in MOBILE_HOST_PREFIXES:
        rest = host.removeprefix(prefix)
        if rest != host and "." in rest and rest not in _VN_PUBLIC_SUFFIXES:
            return rest
    return host


def _strip_amp_path(path: str) -> str:
    # Loop so "/amp/amp/x" and "/x/amp/amp" also settle: canonical_url must be idempotent.
    while True:
        if path == "/amp" or path == "/amp/":
            path = "/"
        elif path.startswith("/amp/"):
            path = path[len("/amp") :]
        elif path.endswith("/amp"):
            path = path[: -len("/amp")] or "/"
        elif path.endswith("/amp/"):
            path = path[: -len("/amp/")] or "/"
        else:
            return path


def _netloc(userinfo: str, host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host  # IPv6 literals need their brackets back
    if port is not None and port not in _DEFAULT_PORTS:
        shown = f"{shown}:{port}"
    return f"{userinfo}@{shown}" if userinfo else shown


# A URL every step of canonical_url leaves as it is: https, a lower-case ASCII host that is no
# mobile or AMP mirror (no port, no userinfo, no trailing dot), a path of unreserved characters
# (nothing to percent-encode or decode; no "." or ".." segment for urljoin to resolve, no "amp"
# segment to strip), no query, no fragment. Absolute, so joining it to any base gives it back.
# What the extractors produce is mostly of this form, and cleaning canonicalises it again:
# checking the form costs a fraction of w3lib's canonicalisation (tests/test_urls.py pins
# that the full path gives the same string for every URL of the form).
_PLAIN_CANONICAL = re.compile(
    r"https://(?!(?:m|amp|mobile)\.)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:(?:/(?!amp(?:/|$))[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+/?|/)"
).fullmatch


# Cached: a site's pages link the same menus, sidebars and related stories over and over, and
# w3lib's canonicalisation is the slowest step of link handling.
@functools.lru_cache(maxsize=20_000)
def canonical_url(url: str, base: str | None = None) -> str:
    """Return the dedup form of an http(s) URL.

    Joins with ``base``, forces https, lower-cases scheme and host, drops default
    ports, the fragment, tracking and AMP query flags, maps ``m.``/``amp.``/``mobile.``
    hosts to the main host (``www.`` is left exactly as given because sites differ on
    which one is primary), drops ``/amp`` path prefixes and suffixes, and sorts the
    remaining query with normalised percent-encoding (w3lib). Non-http(s) URLs are
    returned joined and stripped but otherwise untouched.

    >>> canonical_url("http://M.BaoHaTinh.vn:80/amp/slug-post123.html?utm_source=x&b=2&a=1#top")
    'https://baohatinh.vn/slug-post123.html?a=1&b=2'
    >>> canonical_url("/x-4785411.html?amp=1", base="https://vnexpress.net/thoi-su")
    'https://vnexpress.net/x-4785411.html'
    >>> canonical_url("https://www.example.vn")
    'https://www.example.vn/'
    """
    if _PLAIN_CANONICAL(url):
        return url  # already canonical, whatever the base (see _PLAIN_CANONICAL)
    return _canonicalize(url, base)


def _canonicalize(url: str, base: str | None) -> str:
    """canonical_url's steps, every one of them (its fast path aside)."""
    raw = url.strip()
    try:
        if base is not None:
            raw = urljoin(base.strip(), raw)
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return raw  # unparsable (bad port, broken IPv6): nothing safe to normalise
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return raw
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    host = _strip_mobile_prefix(parts.hostname.rstrip("."))
    rebuilt = urlunsplit(
        (
            "https",
            _netloc(userinfo, host, port),
            _strip_amp_path(parts.path) or "/",
            _filter_query(parts.query, drop_amp=True),
            "",
        )
    )
    return canonicalize_url(rebuilt, keep_blank_values=True, keep_fragments=False)


def _host_of(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return ""
    return (host or "").rstrip(".")


def site_of(url: str) -> str:
    """The site's domain: the host without port and ``www.``/``m.``/``amp.``/``mobile.``.

    Returns ``""`` when the URL has no host.

    >>> site_of("https://www.baohatinh.vn/a-post1.html"), site_of("http://m.dantri.com.vn:80/x")
    ('baohatinh.vn', 'dantri.com.vn')
    """
    host = _host_of(url)
    host = host.removeprefix("www.")
    return _strip_mobile_prefix(host)


def host_matches(url: str, domains: Iterable[str]) -> bool:
    """True when the URL's host is one of ``domains`` or a subdomain of one.

    Matching is on whole labels, so a look-alike that merely ends with the same
    letters does not pass.

    >>> host_matches("https://cdn.baohatinh.vn/x.jpg", ["baohatinh.vn"])
    True
    >>> host_matches("https://evilbaohatinh.vn/", ["baohatinh.vn"])
    False
    """
    host = _host_of(url)
    if not host:
        return False
    for domain in domains:
        wanted = domain.strip().lower().strip(".")
        if wanted and (host == wanted or host.endswith("." + wanted)):
            return True
    return False


def article_id(
    url: str, patterns: Sequence[re.Pattern[str] | str] = DEFAULT_ID_PATTERNS
) -> str | None:
    """First capturing group of the first pattern that matches the URL path.

    The query and fragment are ignored so tracking noise cannot change the id.

    >>> article_id("https://baohatinh.vn/a-b-post242182.html?utm_source=x")
    '242182'
    >>> article_id("https://vnexpress.net/mot-bai-viet-4785411.html")
    '4785411'
    >>> article_id("https://baohatinh.vn/chuyen-muc/") is None
    True
    """
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return None
    for pattern in patterns:
        match = re.search(pattern, path)
        if match and match.groups() and match.group(1):
            return match.group(1)
    return None


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host.

    >>> is_http_url("https://baohatinh.vn/"), is_http_url("javascript:void(0)")
    (True, False)
    """
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def is_private_host(host: str) -> bool:
    """True for ``localhost`` or an IP literal in a private/loopback/link-local range.

    Hostnames other than localhost are not resolved (this stays pure); callers that
    fetch must re-check the resolved address. A bare decimal integer is read as an
    IPv4 address because browsers and curl accept ``http://2130706433/``.

    >>> is_private_host("127.0.0.1"), is_private_host("[::1]"), is_private_host("10.1.2.3")
    (True, True, True)
    >>> is_private_host("baohatinh.vn"), is_private_host("8.8.8.8")
    (False, False)
    """
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(int(name) if name.isdigit() else name)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # "::ffff:127.0.0.1" reaches the IPv4 loopback
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified
