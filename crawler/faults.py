"""Fault injection for the fixture server: what real news sites throw at a crawler.

A :class:`FaultPlan` is a list of rules; each names a fault, the URLs it hits (a regex over
``HOST/PATH?QUERY``) and how often: ``rate`` (a share of URLs, chosen by a stable hash so runs
are repeatable) and ``times`` (how many attempts at one URL fail before it recovers; ``None``
= always, a permanent fault). Plans come from JSON (``python -m crawler serve --faults F``) or
from code (tests, benchmarks). Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Faults a retry can clear, and faults that are the page's real, lasting state.
TRANSIENT = ("500", "503", "429", "reset", "truncate", "slow")
PERMANENT = ("404", "empty", "oversize", "cp1258", "latin1_lie", "redirect_loop",
             "redirect_chain", "redirect_offsite")
KINDS = TRANSIENT + PERMANENT


@dataclass(frozen=True)
class FaultRule:
    kind: str
    pattern: str = ".*"
    rate: float = 1.0
    times: int | None = 1
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (known: {', '.join(KINDS)})")

    def selects(self, key: str, seed: int) -> bool:
        """Whether this rule hits the URL key at all (stable across runs and processes)."""
        if not re.search(self.pattern, key):
            return False
        digest = hashlib.blake2b(f"{seed}|{self.kind}|{key}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64 < self.rate


@dataclass
class FaultPlan:
    rules: list[FaultRule] = field(default_factory=list)
    seed: int = 1
    # Traps added to list pages: an endless pagination, a calendar, hostile links.
    traps: bool = False
    attempts: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultPlan:
        rules = [FaultRule(**r) for r in data.get("rules", [])]
        return cls(rules=rules, seed=int(data.get("seed", 1)), traps=bool(data.get("traps")))

    @classmethod
    def load(cls, path: Path) -> FaultPlan:
        return cls.from_json(json.loads(path.read_text("utf-8")))

    def choose(self, key: str) -> FaultRule | None:
        """The fault for this request of key, if any; counts attempts per URL."""
        with self._lock:
            self.attempts[key] += 1
            attempt = self.attempts[key]
        for rule in self.rules:
            if rule.selects(key, self.seed) and (rule.times is None or attempt <= rule.times):
                with self._lock:
                    self.injected[rule.kind] += 1
                return rule
        return None


def standard_plan(rate: float = 0.3, seed: int = 7, traps: bool = True) -> FaultPlan:
    """A plan faulting about ``rate`` of all article and list responses with transient faults
    (cleared by retries), plus a few permanent ones on chosen pages. Used by tests and bench."""
    share = rate / 5
    return FaultPlan(
        rules=[
            FaultRule("500", rate=share, times=2),
            FaultRule("503", rate=share, times=1),
            FaultRule("429", rate=share, times=1, params={"retry_after": 1}),
            FaultRule("reset", rate=share, times=1),
            FaultRule("truncate", rate=share, times=1),
        ],
        seed=seed,
        traps=traps,
    )


# --- traps added to list pages -----------------------------------------------------------------

TRAP_LINKS = (
    # Hosts that must never be requested: loopback and private addresses, other sites.
    '<a href="http://127.0.0.1:9/chinh-tri/bai-viet-noi-bo-post999001.html">Nội bộ</a>',
    '<a href="http://10.0.0.8/quan-tri-post999002.html">Quản trị</a>',
    '<a href="http://[::1]/tin-an-post999003.html">IPv6</a>',
    '<a href="http://localhost/tin-test-post999004.html">localhost</a>',
    '<a href="http://169.254.169.254/latest/meta-data-post999005.html">metadata</a>',
    '<a href="https://evil-baohatinh.vn/gia-mao-post999006.html">Giả mạo</a>',
    # Malformed URLs.
    '<a href="http://[broken/xyz-post999007.html">hỏng</a>',
    '<a href="https://baohatinh.vn:99999/sai-cong-post999008.html">sai cổng</a>',
    '<a href="javascript:void(0)">js</a> <a href="mailto:toasoan@baohatinh.vn">mail</a>',
    '<a href=" https://baohatinh.vn/ khoang trang">khoảng trắng</a>',
)


def trap_block(host: str, path: str, query: str) -> str:
    """Hostile links and traps appended to a list page of the copy."""
    links = list(TRAP_LINKS)
    links.append(f'<a class="calendar" href="https://{host}/lich/2025/08/30/">Lịch</a>')
    links.append(f'<a href="https://{host}/chinh-tri/?page=1000">Trang 1000</a>')
    items = "".join(
        f'<article class="story"><h2 class="story__heading">{link}</h2></article>'
        for link in links
    )
    return f'<div class="box-content trap" style="display:none">{items}</div>'


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Vietnamese text as Windows-1258 writes it: base letters precomposed where the code page
    has them (ê, ơ, ư, ă, đ), tone marks as separate combining characters."""
    import unicodedata

    out = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        out.append(base + tones)
    return "".join(out).encode("cp1258", errors="xmlcharrefreplace")


def endless_list_page(host: str, path: str, page: int) -> str:
    """A topic page that always has a next page (the endless pagination trap)."""
    return (
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Trang "
        f"{page}</title></head><body><div class=\"box-content content-list\"></div>"
        f"<ul class=\"pagination\"><li class=\"page-item\"><a class=\"page-link next\" "
        f"rel=\"next\" href=\"https://{host}{path}?page={page + 1}\">›</a></li></ul>"
        "</body></html>"
    )


def calendar_page(host: str, y: int, m: int, d: int) -> str:
    """A calendar archive day linking to the previous day, forever (the calendar trap)."""
    prev_d, prev_m, prev_y = d - 1, m, y
    if prev_d < 1:
        prev_d, prev_m = 28, m - 1
        if prev_m < 1:
            prev_m, prev_y = 12, y - 1
    return (
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Lịch "
        f"{d}/{m}/{y}</title></head><body><ul class=\"pagination\"><li class=\"page-item\">"
        f"<a class=\"page-link next\" rel=\"next\" href=\"https://{host}/lich/{prev_y}/"
        f"{prev_m:02d}/{prev_d:02d}/\">›</a></li></ul></body></html>"
    )
