"""The network guard: no request reaches our own machine or network, nor an off-site host.

A crawl outside mirror mode (the site is pinned with NETGUARD_HOSTS to 127.0.0.2, allowed
with NETGUARD_ALLOW_NETWORKS) whose pages, redirects, meta refreshes and start URLs point at
a listener on 127.0.0.1 in every numeric spelling and through host names resolving to it: the
listener must see no connection at all.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.netguard import (
    GuardedResolver,
    Refused,
    address_refusal,
    blocked_reason,
    host_refusal,
    literal_address,
    parse_ipv4,
)

ROOT = Path(__file__).resolve().parent.parent

SPELLINGS = ("127.1", "0x7f000001", "2130706433", "0177.0.0.1", "127.000.000.001", "0x7f.1",
             "0x7f.0.0.1", "127.0.1", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::1]",
             "[::127.0.0.1]", "[64:ff9b::7f00:1]")


BLOCKED = (*SPELLINGS, "localhost", "a.localhost", "10.0.0.1", "100.64.1.1", "169.254.169.254",
           "0.0.0.0", "224.0.0.251", "192.168.1.1", "[fe80::1]", "[fc00::1]", "255.255.255.255",
           "0", "1.2.3.999", "0x100000000", "08.0.0.1", "127.0.0.1%2e", "a b.vn", "a..vn")


@pytest.mark.parametrize("host", BLOCKED)
def test_blocked_hosts_are_refused_by_name(host: str) -> None:
    assert host_refusal(host.strip("[]")) is not None
    assert host_refusal(host) is not None


@pytest.mark.parametrize("host", ["baohatinh.vn", "8.8.8.8", "134744072", "[2001:4860::8888]",
                                  "1e100.net", "vnexpress.net.", "0x.vn"])
def test_public_hosts_pass_by_name(host: str) -> None:
    assert host_refusal(host) is None


def test_numeric_spellings_read_as_inet_aton_does() -> None:
    for spelling in SPELLINGS[:8]:
        assert parse_ipv4(spelling) == ipaddress.IPv4Address("127.0.0.1")
        # The system's own parser agrees: this is what the resolver would connect to.
        assert socket.inet_aton(spelling) == b"\x7f\x00\x00\x01"
    with pytest.raises(Refused):
        parse_ipv4("1.2.3.4.5")
    assert literal_address("[::ffff:127.0.0.1]") == ipaddress.ip_address("::ffff:7f00:1")


def test_every_blocked_range_has_a_reason() -> None:
    blocked = ("127.8.9.10", "10.255.0.1", "172.16.0.1", "192.168.0.1", "100.127.255.254",
               "169.254.0.1", "239.1.2.3", "240.0.0.1", "0.1.2.3", "::", "::1", "fe80::1",
               "fc00::1", "ff02::1", "::ffff:10.0.0.1", "2002:7f00:1::", "64:ff9b::a9fe:a9fe")
    for text in blocked:
        assert blocked_reason(ipaddress.ip_address(text)) is not None, text
    assert blocked_reason(ipaddress.ip_address("203.162.4.190")) is None
    allowed = [ipaddress.ip_network("10.20.0.0/16")]
    assert address_refusal(ipaddress.ip_address("10.20.1.1"), allowed) is None
    assert address_refusal(ipaddress.ip_address("10.21.1.1"), allowed) is not None


class _FakeReactor:
    """Enough of a reactor for the resolver: a name resolver that counts its lookups."""

    def __init__(self, answers: dict[str, list[str]]):
        self.answers = answers
        self.lookups: list[str] = []
        self.nameResolver = self

    def resolveHostName(self, receiver: Any, name: str, port: int = 0, *args: Any) -> None:
        from twisted.internet.address import IPv4Address

        self.lookups.append(name)
        receiver.resolutionBegan(None)
        for host in self.answers.get(name, []):
            receiver.addressResolved(IPv4Address("TCP", host, port))
        receiver.resolutionComplete()

    def callLater(self, delay: float, fn: Any) -> Any:
        class _Timer:
            def active(self) -> bool:
                return False

            def cancel(self) -> None:
                pass

        return _Timer()


class _Receiver:
    def __init__(self) -> None:
        self.addresses: list[Any] = []
        self.complete = False

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        self.complete = True


def test_resolver_hands_twisted_only_checked_addresses_once() -> None:
    reactor = _FakeReactor({"good.vn": ["203.162.4.190"], "evil.vn": ["127.0.0.1"],
                            "mixed.vn": ["203.162.4.190", "10.0.0.1"]})
    resolver = GuardedResolver(reactor)
    for name, expected in (("good.vn", ["203.162.4.190"]), ("evil.vn", []), ("mixed.vn", []),
                           ("0x7f.1", []), ("127.1", [])):
        receiver = _Receiver()
        resolver.resolveHostName(receiver, name, 443)
        assert receiver.complete
        assert [a.host for a in receiver.addresses] == expected, name
        assert all(a.port == 443 for a in receiver.addresses)
    # The middleware's check and the connection share one resolution.
    resolver.resolveHostName(_Receiver(), "good.vn", 80)
    assert reactor.lookups.count("good.vn") == 1
    # Numeric hosts never reach the system resolver.
    assert "127.1" not in reactor.lookups


def test_mirror_host_is_allowed_only_in_mirror_mode() -> None:
    reactor = _FakeReactor({})
    receiver = _Receiver()
    GuardedResolver(reactor, mirror="http://127.0.0.1:8000").resolveHostName(
        receiver, "127.0.0.1", 8000)
    assert [a.host for a in receiver.addresses] == ["127.0.0.1"]
    receiver = _Receiver()
    GuardedResolver(reactor).resolveHostName(receiver, "127.0.0.1", 8000)
    assert receiver.addresses == []


# --- a crawl against a counting listener ----------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    hits: list[str] = []
    stop = threading.Event()

    def run() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(1)
            try:
                hits.append(repr(conn.recv(200)[:40]))
            except OSError:
                hits.append("(no data)")
            conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield sock.getsockname()[1], hits
    stop.set()
    thread.join(2)
    sock.close()


def _hostile_site(port: int, site_port: int) -> dict[str, tuple[int, dict[str, str], str]]:
    """Pages of site.test: every route to the listener a hostile site could take."""
    target = [f"http://{s}:{port}" for s in SPELLINGS]
    pages: dict[str, tuple[int, dict[str, str], str]] = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nAllow: /\n"),
        "www:/robots.txt": (302, {"Location": f"http://0x7f000001:{port}/robots.txt"}, ""),
        "/topic/": (302, {"Location": f"http://2130706433:{port}/topic/"}, ""),
        "/meta-post300.html": (200, {}, '<html><head><meta http-equiv="refresh" content="0;'
                               f'url=http://0x7f.1:{port}/m-post301.html"></head></html>'),
        "/off-post400.html": (302, {"Location": f"http://other.test:{port}/o-post401.html"}, ""),
        "/evil-post500.html": (302, {"Location": f"http://evil.site.test:{port}/e-post501.html"},
                               ""),
    }
    links = ['<a href="/meta-post300.html">m</a>', '<a href="/off-post400.html">o</a>',
             '<a href="/evil-post500.html">e</a>',
             f'<a href="http://evil.site.test:{port}/d-post502.html">d</a>',
             f'<a href="http://www.site.test:{site_port}/w-post503.html">w</a>']
    for i, base in enumerate(target):
        pages[f"/r{i}-post{100 + i}.html"] = (302, {"Location": f"{base}/x-post{200 + i}.html"},
                                              "")
        links.append(f'<a href="/r{i}-post{100 + i}.html">r{i}</a>')
        links.append(f'<a href="{base}/l-post{600 + i}.html">l{i}</a>')
    pages["/"] = (200, {}, "<html><body>" + "".join(links) + "</body></html>")
    return pages


def _self_signed(folder: Path) -> tuple[str, str]:
    """A throwaway certificate and key for site.test."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "site.test")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


@pytest.fixture
def site(listener: tuple[int, list[str]],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, list[str]]]:
    pages: dict[str, tuple[int, dict[str, str], str]] = {}
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0]
            seen.append(self.path if host == "site.test" else f"{host}{self.path}")
            # www.site.test's robots.txt redirects to the listener.
            key = f"www:{self.path}" if host == "www.site.test" else self.path
            status, headers, body = pages.get(key, pages.get(self.path, (404, {}, "none")))
            data = body.encode()
            self.send_response(status)
            headers = {"Content-Type": "text/html; charset=utf-8", **headers}
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    try:
        server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    except OSError:
        pytest.skip("cannot bind 127.0.0.2 on this machine")
    # The spiders canonicalise site URLs to https: the site speaks TLS (self-signed; Scrapy
    # does not verify certificates by default).
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(tmp_path_factory.mktemp("tls")))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    pages.update(_hostile_site(listener[0], server.server_address[1]))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], seen
    server.shutdown()


def _name_resolving_to_loopback() -> str | None:
    """This machine's host name when the system resolver maps it to a loopback address (a
    name no rule refuses by its spelling), else None."""
    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
    except OSError:
        return None
    loopback = infos and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)
    return name if loopback else None


def _refusal_lines(log: str) -> list[str]:
    return [line for line in log.splitlines()
            if "refused" in line and (" WARNING: " in line or " ERROR: " in line)]


def _crawl(tmp_path: Path, start: list[str], hosts: dict[str, str]) -> tuple[int, str, dict]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start={','.join(start)}",
           "-s", f"FEED_DIR={tmp_path}", "-s", "LOG_LEVEL=INFO",
           "-s", f"STATE_URI=sqlite:///{tmp_path}/state.sqlite3",
           "-s", f"NETGUARD_HOSTS={json.dumps(hosts)}",
           "-s", "NETGUARD_ALLOW_NETWORKS=127.0.0.2/32",
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
           "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=10"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)
    manifests = sorted(tmp_path.glob("*.manifest.json"))
    manifest = json.loads(manifests[-1].read_text("utf-8")) if manifests else {}
    return proc.returncode, proc.stderr, manifest


def test_hostile_site_makes_no_connection_to_the_listener(
        tmp_path: Path, listener: tuple[int, list[str]], site: tuple[int, list[str]]) -> None:
    port, hits = listener
    site_port, seen = site
    hosts = {"site.test": "127.0.0.2", "www.site.test": "127.0.0.2",
             "evil.site.test": "127.0.0.1", "other.test": "127.0.0.1"}
    start = [f"http://site.test:{site_port}/", f"http://site.test:{site_port}/topic/"]
    _code, log, manifest = _crawl(tmp_path, start, hosts)
    assert hits == [], f"connections reached the listener: {hits}\n{log[-3000:]}"
    # The crawl did run: the site (reached through the pinned, checked address) was read.
    assert "/" in seen and "/robots.txt" in seen and "/meta-post300.html" in seen
    # A subdomain on the site's own network is fine; its robots.txt redirect is not.
    assert "www.site.test/robots.txt" in seen and "www.site.test/w-post503.html" in seen
    assert f"refused request to http://0x7f000001:{port}/robots.txt" in log
    assert "Traceback" not in log
    counters = manifest["counters"]
    assert counters["fetch/refused"] >= len(SPELLINGS) + 4
    assert counters["fetch/refused_offsite"] >= 1
    assert counters["fetch/refused_address"] >= 1
    # Every refused article URL has its outcome and reason in the manifest.
    outcomes = {row["url"]: row for row in manifest["urls"]["not_emitted"]}
    for i in range(len(SPELLINGS)):
        row = outcomes[f"https://site.test:{site_port}/r{i}-post{100 + i}.html"]
        assert row["outcome"] == "failed" and "refused" in row["reason"], row
    assert "resolves to a loopback" in outcomes[
        f"https://site.test:{site_port}/evil-post500.html"]["reason"]
    assert "off-site" in outcomes[f"https://site.test:{site_port}/off-post400.html"]["reason"]
    assert "refused" in outcomes[f"https://site.test:{site_port}/meta-post300.html"]["reason"]
    # One warning line per refusal, no more.
    assert len(_refusal_lines(log)) == counters["fetch/refused"]


def test_numeric_and_resolving_start_urls_make_no_connection(
        tmp_path: Path, listener: tuple[int, list[str]]) -> None:
    port, hits = listener
    start = [f"http://{s}:{port}/" for s in SPELLINGS] + [f"http://evil.test:{port}/",
                                                          f"http://localhost:{port}/"]
    system = _name_resolving_to_loopback()
    if system:
        # Resolved by the system resolver (not pinned): its answer is checked too.
        start.append(f"http://{system}:{port}/")
    _code, log, manifest = _crawl(tmp_path, start, {"evil.test": "127.0.0.1"})
    assert hits == [], f"connections reached the listener: {hits}\n{log[-3000:]}"
    assert "Traceback" not in log
    assert manifest["counters"]["fetch/refused"] == len(start)
    assert "evil.test resolves to a loopback address 127.0.0.1" in log
    if system:
        assert f"{system.lower()} resolves to a loopback address" in log
    assert len(_refusal_lines(log)) == len(start)


# --- the middleware alone: every kind of request, dont_filter or not ----------------------------


def _middleware(mirror: str = "", reactor: Any = None) -> Any:
    from types import SimpleNamespace

    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.middlewares import SafetyMiddleware

    crawler: Any = SimpleNamespace(settings=Settings({"MIRROR": mirror}),
                                   spider=SimpleNamespace(allowed_domains=["baohatinh.vn"]))
    crawler.stats = MemoryStatsCollector(crawler)
    mw = SafetyMiddleware(crawler)
    if reactor is not None:
        mw._resolver = GuardedResolver(reactor)
    return mw


def _process(mw: Any, request: Any) -> str | None:
    """Drive process_request (its awaits are already-fired Deferreds); the refusal or None."""
    from scrapy.exceptions import IgnoreRequest

    coro = mw.process_request(request)
    try:
        coro.send(None)
    except StopIteration:
        return None
    except IgnoreRequest as exc:
        return str(exc)
    raise AssertionError("process_request waited on something")


@pytest.mark.parametrize("mirror", ["http://127.0.0.1:8000", ""])
def test_middleware_refuses_every_kind_of_request(mirror: str) -> None:
    from scrapy import Request

    reactor = _FakeReactor({"baohatinh.vn": ["203.162.4.190"], "cdn.baohatinh.vn": ["10.0.0.7"]})
    mw = _middleware(mirror, reactor)
    ok = [Request("https://baohatinh.vn/chinh-tri/", dont_filter=True),
          Request("https://baohatinh.vn/rss/home.rss", dont_filter=True),
          Request("https://baohatinh.vn/robots.txt", meta={"dont_obey_robotstxt": True})]
    for request in ok:
        assert _process(mw, request) is None, request
    refused = {
        "https://vnexpress.net/x-post1.html": "off-site",  # a redirect hop off the site
        "http://127.1/sitemap.xml": "loopback",
        "https://0x7f.1/robots.txt": "loopback",
        "https://[::ffff:169.254.169.254]/latest/meta-data/": "link-local",
        "file:///etc/passwd": "scheme",
        "ftp://baohatinh.vn/x": "scheme",
    }
    if not mirror:
        # Outside mirror mode a site name resolving to a private address is refused too.
        refused["https://cdn.baohatinh.vn/a-post2.html"] = "resolves to a private address"
    for url, why in refused.items():
        reason = _process(mw, Request(url, dont_filter=True, meta={"redirect_urls": ["x"]}))
        assert reason is not None and why in reason, (url, reason)
    stats = mw.stats.get_stats()
    assert stats["fetch/refused"] == len(refused)
    assert stats["fetch/refused_offsite"] == 1 and stats["fetch/refused_scheme"] == 2


def test_concurrent_lookups_of_one_name_share_one_resolution() -> None:
    from twisted.internet.address import IPv4Address

    pending: list[Any] = []

    class SlowReactor(_FakeReactor):
        def resolveHostName(self, receiver: Any, name: str, port: int = 0, *a: Any) -> None:
            self.lookups.append(name)
            pending.append(receiver)

    reactor = SlowReactor({})
    resolver = GuardedResolver(reactor)
    results: list[Any] = []
    for _ in range(5):
        resolver.check("slow.vn").addCallback(results.append)
    assert reactor.lookups == ["slow.vn"] and results == []
    receiver = pending[0]
    receiver.addressResolved(IPv4Address("TCP", "203.162.4.190", 0))
    receiver.resolutionComplete()
    # An address arriving after the verdict never joins the checked ones.
    receiver.addressResolved(IPv4Address("TCP", "127.0.0.1", 0))
    assert len(results) == 5
    assert all([a.host for a in r] == ["203.162.4.190"] for r in results)
