"""Where the crawler may connect: never to our own machine or network, whatever a page says.

Two checks, both on every request (``crawler.middlewares.SafetyMiddleware``) and the second
again at connect time (``GuardedResolver``):

1. by name: the host must be on the spider's site domains, and a host that is an IP address
   in any spelling browsers and ``inet_aton`` accept (``127.1``, ``0x7f000001``,
   ``2130706433``, ``0177.0.0.1``, ``127.000.000.001``, ``0x7f.1``, ``[::ffff:7f00:1]``) is
   checked as that address;
2. by address: a host name is resolved once, every address it resolves to is checked
   (loopback, private, link-local, CGNAT, multicast, reserved, unspecified, and IPv4 embedded
   in IPv6: mapped, compatible, NAT64, 6to4, Teredo), and Twisted connects only to those
   checked addresses (the resolver is the reactor's name resolver, so nothing resolves twice).

The ``MIRROR`` server (normally on 127.0.0.1) is the one exception, in mirror mode only.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from twisted.internet import defer
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import (
    IHostnameResolver,
    IHostResolution,
    IResolutionReceiver,
)
from zope.interface import implementer, provider

if TYPE_CHECKING:
    from typing import Self

    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

_NUMERIC_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")
# A DNS host name as URLs carry it (Scrapy sends IDNs as punycode): letters, digits, -, _.
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$")


class Refused(Exception):
    """A request the guard refuses; the message is the one-line reason."""


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells in any numeric form ``inet_aton`` (and so the system
    resolver) accepts, or None when the host is a name.

    Raises Refused for a host that ends in a number but is no valid address (``1.2.3.999``):
    browsers refuse it, and resolvers differ on it.

    >>> [str(parse_ipv4(h)) for h in ("127.1", "0x7f000001", "2130706433", "0177.0.0.1",
    ...                                "127.000.000.001", "0x7f.1", "10.0.258")]
    ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1', '10.0.1.2']
    >>> parse_ipv4("baohatinh.vn") is None, parse_ipv4("1e100.net") is None
    (True, True)
    """
    name = host.strip().rstrip(".")
    parts = name.split(".")
    if not parts or not _NUMERIC_PART.match(parts[-1]):
        return None  # the last label is not a number: a host name (WHATWG "ends in a number")
    if len(parts) > 4 or not all(_NUMERIC_PART.match(p) for p in parts):
        raise Refused(f"malformed numeric host {host!r}")
    numbers = []
    for part in parts:
        if part[:2].lower() == "0x":
            numbers.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part[0] == "0":
            if not set(part) <= set("01234567"):
                raise Refused(f"malformed numeric host {host!r}")
            numbers.append(int(part, 8))
        else:
            numbers.append(int(part))
    # a.b.c.d / a.b.c (c: 16 bits) / a.b (b: 24 bits) / a (32 bits), as inet_aton reads them.
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise Refused(f"malformed numeric host {host!r}")
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def literal_address(host: str) -> IPAddress | None:
    """The address a URL host is, if it is one (IPv6 with or without brackets, IPv4 in any
    spelling); None for a host name.

    >>> str(literal_address("[::ffff:127.0.0.1]")), literal_address("vnexpress.net")
    ('::ffff:7f00:1', None)
    """
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if ":" in name:
        try:
            return ipaddress.IPv6Address(name.split("%", 1)[0])
        except ValueError:
            raise Refused(f"malformed IPv6 host {host!r}") from None
    return parse_ipv4(name)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in NAT64) or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why the crawler must not connect to this address, or None for a public address.

    >>> [blocked_reason(ipaddress.ip_address(a)) for a in
    ...  ("127.0.0.1", "10.1.2.3", "100.64.0.1", "169.254.169.254", "224.0.0.1", "::ffff:a00:1",
    ...   "64:ff9b::7f00:1", "0.0.0.0", "240.0.0.1", "8.8.8.8", "2001:4860::8888")]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['loopback', 'private', 'CGNAT', 'link-local', 'multicast', 'IPv4-in-IPv6 private',
     'IPv4-in-IPv6 loopback', 'unspecified', 'reserved', None, None]
    """
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            return f"IPv4-in-IPv6 {reason}" if reason else None
    checks = (
        ("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
        ("CGNAT", isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT),
        ("reserved", ip.is_reserved),
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("private", ip.is_private), ("not global", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def address_refusal(ip: IPAddress, allowed: Sequence[ipaddress.IPv4Network
                                                    | ipaddress.IPv6Network] = ()) -> str | None:
    """blocked_reason, unless the operator allowed the address's network."""
    if any(ip.version == net.version and ip in net for net in allowed):
        return None
    reason = blocked_reason(ip)
    return f"{reason} address {ip}" if reason else None


def host_refusal(host: str, allowed: Sequence[Any] = ()) -> str | None:
    """Why a URL host is refused by name alone (an address in any spelling that is blocked,
    ``localhost``), or None; host names are checked again once resolved.

    >>> host_refusal("0x7f.1"), host_refusal("baohatinh.vn")
    ('loopback address 127.0.0.1', None)
    """
    name = host.strip().lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return "localhost"
    try:
        ip = literal_address(name)
    except Refused as exc:
        return str(exc)
    if ip is not None:
        return address_refusal(ip, allowed)
    if not _HOST_NAME.match(name):
        # Percent escapes, spaces and the like: no DNS name holds them, and resolvers differ
        # on what they make of them.
        return f"malformed host name {host!r}"
    return None


def on_domains(host: str, domains: Iterable[str]) -> bool:
    """True when host is one of domains or a subdomain of one (whole labels).

    >>> on_domains("www.baohatinh.vn", ["baohatinh.vn"]), on_domains("xbaohatinh.vn", ["b.vn"])
    (True, False)
    """
    name = host.strip().lower().rstrip(".")
    for domain in domains:
        wanted = domain.strip().lower().strip(".")
        if wanted and (name == wanted or name.endswith("." + wanted)):
            return True
    return False


def parse_networks(values: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip()]


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str):
        self.name = name

    def cancel(self) -> None:
        pass


@provider(IResolutionReceiver)
class _Collector:
    """Collects what the system resolver returns, to check it before anyone connects."""

    def __init__(self) -> None:
        self.addresses: list[Any] = []
        self.done: Deferred[list[Any]] = defer.Deferred()

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        if not self.done.called:  # nothing arriving after the verdict can slip in
            self.addresses.append(address)

    def resolutionComplete(self) -> None:
        if not self.done.called:
            self.done.callback(self.addresses)


@implementer(IHostnameResolver)
class GuardedResolver:
    """The reactor's name resolver (``TWISTED_DNS_RESOLVER``): resolves a host once, checks
    every address, caches the answer, and gives Twisted only checked addresses. A refused host
    resolves to nothing, so Twisted fails the connection without opening one.

    ``NETGUARD_HOSTS`` pins names to addresses (like /etc/hosts; pinned addresses are checked
    too); ``NETGUARD_ALLOW_NETWORKS`` lets an operator crawl a private network on purpose.
    """

    def __init__(self, reactor: Any, *, mirror: str = "", hosts: dict[str, Any] | None = None,
                 allow: Sequence[Any] = (), cache_size: int = 10_000, ttl: float = 600.0,
                 timeout: float = 60.0):
        self.reactor = reactor
        # An IHostnameResolver. Typed Any: zope.interface has no type information, and without
        # the mypy-zope plugin mypy reads an Interface's methods as functions with no self.
        self.original: Any = reactor.nameResolver
        self.mirror_host = (urlsplit(mirror).hostname or "").lower() if mirror else ""
        self.hosts = {k.lower().rstrip("."): [v] if isinstance(v, str) else list(v)
                      for k, v in (hosts or {}).items()}
        self.allow = list(allow)
        self.cache_size = max(cache_size, 1)
        self.ttl = ttl
        self.timeout = timeout
        # host -> (expiry, checked addresses, or the refusal reason)
        self._cache: OrderedDict[str, tuple[float, list[Any] | str]] = OrderedDict()
        # host -> callers waiting for a resolution already under way (one lookup per name)
        self._waiting: dict[str, list[Deferred[list[Any] | str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> Self:
        # Built by the crawler process (its settings: the project's and the command line's).
        settings = crawler.settings
        return cls(
            reactor,
            mirror=settings.get("MIRROR") or "",
            hosts=settings.getdict("NETGUARD_HOSTS"),
            allow=parse_networks(settings.getlist("NETGUARD_ALLOW_NETWORKS")),
            cache_size=settings.getint("DNSCACHE_SIZE", 10_000),
            ttl=settings.getfloat("NETGUARD_DNS_TTL", 600.0),
            timeout=settings.getfloat("DNS_TIMEOUT", 60.0),
        )

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    # --- checking -------------------------------------------------------------------------

    def _allowed_for(self, name: str) -> Sequence[Any]:
        if self.mirror_host and name == self.mirror_host:
            # The mirror is our own local server: its address is allowed, in mirror mode only.
            return [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
        return self.allow

    def _verdict(self, name: str, addresses: list[Any]) -> list[Any] | str:
        if not addresses:
            return f"{name} does not resolve"
        allowed = self._allowed_for(name)
        for address in addresses:
            reason = address_refusal(ipaddress.ip_address(address.host), allowed)
            if reason:
                # One bad address refuses the name: a name that mixes public and private
                # records is a rebinding attempt, not a site.
                return f"{name} resolves to a {reason}"
        return list(addresses)

    def _remember(self, name: str, verdict: list[Any] | str) -> list[Any] | str:
        if isinstance(verdict, str) and verdict.endswith("does not resolve"):
            return verdict  # a DNS failure is not cached: it may be transient
        self._cache[name] = (time.monotonic() + self.ttl, verdict)
        self._cache.move_to_end(name)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return verdict

    def check(self, host: str) -> Deferred[list[Any] | str]:
        """Checked addresses (port 0) of a host, or the reason it is refused."""
        name = host.strip().lower().rstrip(".")
        if name.startswith("[") and name.endswith("]"):
            name = name[1:-1]
        cached = self._cache.get(name)
        if cached is not None and cached[0] > time.monotonic():
            return defer.succeed(cached[1])
        try:
            ip = literal_address(name)
        except Refused as exc:
            return defer.succeed(str(exc))
        if ip is not None:
            kind = IPv4Address if ip.version == 4 else IPv6Address
            return defer.succeed(self._verdict(name, [kind("TCP", str(ip), 0)]))
        if name in self.hosts:
            pinned = []
            for value in self.hosts[name]:
                ip = ipaddress.ip_address(value)
                pinned.append((IPv4Address if ip.version == 4 else IPv6Address)("TCP", str(ip), 0))
            return defer.succeed(self._remember(name, self._verdict(name, pinned)))
        if name in self._waiting:
            waiter: Deferred[list[Any] | str] = defer.Deferred()
            self._waiting[name].append(waiter)
            return waiter
        self._waiting[name] = []
        collector = _Collector()
        done = collector.done
        timer = self.reactor.callLater(self.timeout, collector.resolutionComplete)
        done.addBoth(lambda result: (timer.cancel() if timer.active() else None, result)[1])
        done.addCallback(lambda addresses: self._remember(name, self._verdict(name, addresses)))
        done.addErrback(lambda failure: f"{name} does not resolve ({failure.getErrorMessage()})")

        def release(verdict: list[Any] | str) -> list[Any] | str:
            for waiter in self._waiting.pop(name, []):
                waiter.callback(verdict)
            return verdict

        done.addCallback(release)
        try:
            self.original.resolveHostName(collector, name, 0)
        except Exception as exc:  # a resolver that raises instead of failing the lookup
            logger.debug("resolver error for %s: %s", name, exc)
            collector.resolutionComplete()
        # Its callbacks above turned the addresses into the verdict: a list or a refusal reason.
        return cast("Deferred[list[Any] | str]", done)

    # --- IHostnameResolver ----------------------------------------------------------------

    def resolveHostName(self, resolutionReceiver: Any, hostName: str,
                        portNumber: int = 0, addressTypes: Sequence[type] | None = None,
                        transportSemantics: str = "TCP") -> _Resolution:
        # resolutionReceiver is an IResolutionReceiver (Any: see self.original).
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)

        def deliver(verdict: list[Any] | str) -> None:
            if isinstance(verdict, str):
                # Nothing resolved: Twisted fails with DNSLookupError and opens no connection.
                logger.debug("connection refused by the network guard: %s", verdict)
            else:
                for address in verdict:
                    if addressTypes and not any(isinstance(address, t) for t in addressTypes):
                        continue
                    resolutionReceiver.addressResolved(
                        type(address)("TCP", address.host, portNumber))
            resolutionReceiver.resolutionComplete()

        self.check(hostName).addCallback(deliver)
        return resolution


def installed_resolver(reactor: Any) -> GuardedResolver | None:
    resolver = getattr(reactor, "nameResolver", None)
    return resolver if isinstance(resolver, GuardedResolver) else None
