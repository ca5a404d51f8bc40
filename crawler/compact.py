"""Compact in-run memory of what a crawl has requested: 64-bit keys in flat arrays.

A crawl remembers every request fingerprint (the dupefilter) and every article it asked for
with its related-link depth (the spider). As Python sets and dicts of strings that costs
~150-250 bytes per entry, a steady climb of the crawler's memory with its length (~10 MB per
50,000 articles for each). Here an entry is 8 bytes of key plus 1 byte of value in open-
addressing tables kept at most half full: ~18 bytes.

Keys are the first 64 bits of a BLAKE2b hash: two different keys collide with probability
~n²/2⁶⁵, about 3·10⁻⁸ for a million entries in one run.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING, overload

from scrapy.dupefilters import RFPDupeFilter

if TYPE_CHECKING:
    from scrapy.http import Request
    from scrapy.utils.request import RequestFingerprinterProtocol

_EMPTY = 0


def key64(value: str) -> int:
    """A non-zero 64-bit key for a string (0 marks an empty slot)."""
    k = int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")
    return k or 1


def fingerprint_key(fingerprint: bytes) -> int:
    """A non-zero 64-bit key from a request fingerprint (already a SHA-1 hash)."""
    return int.from_bytes(fingerprint[:8], "big") or 1


class U64Map:
    """A map from 64-bit keys to small ints (-128..127), or a set when values are unused."""

    __slots__ = ("_keys", "_mask", "_size", "_values")

    def __init__(self, capacity: int = 1024) -> None:
        n = 16
        while n < capacity * 2:
            n *= 2
        self._keys = array("Q", bytes(8 * n))
        self._values = array("b", bytes(n))
        self._mask = n - 1
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def _slot(self, key: int) -> int:
        # Linear probing from a position mixed from the key (keys are hashes already, but
        # their low bits are also what callers may vary least).
        i = (key ^ (key >> 29)) & self._mask
        keys = self._keys
        while True:
            k = keys[i]
            if k in (key, _EMPTY):
                return i
            i = (i + 1) & self._mask

    def get(self, key: int, default: int | None = None) -> int | None:
        i = self._slot(key)
        return self._values[i] if self._keys[i] == key else default

    def __contains__(self, key: int) -> bool:
        return self._keys[self._slot(key)] == key

    def set(self, key: int, value: int = 0) -> bool:
        """Store value under key; True if the key was new."""
        i = self._slot(key)
        new = self._keys[i] != key
        if new:
            self._keys[i] = key
            self._size += 1
        self._values[i] = value
        if new and self._size * 2 > len(self._keys):
            self._grow()
        return new

    def add(self, key: int) -> bool:
        """Set semantics: True if the key was new (and is now present)."""
        return self.set(key) if key not in self else False

    def items(self) -> Iterator[tuple[int, int]]:
        for k, v in zip(self._keys, self._values, strict=True):
            if k != _EMPTY:
                yield k, v

    def _grow(self) -> None:
        old = list(self.items())
        n = len(self._keys) * 2
        self._keys = array("Q", bytes(8 * n))
        self._values = array("b", bytes(n))
        self._mask = n - 1
        self._size = 0
        for k, v in old:
            i = self._slot(k)
            self._keys[i] = k
            self._values[i] = v
            self._size += 1


class DepthMap:
    """Article key -> smallest related-link depth it was found at (``dict``-like subset)."""

    __slots__ = ("_map",)

    def __init__(self) -> None:
        self._map = U64Map()

    def __contains__(self, key: str) -> bool:
        return key64(key) in self._map

    def __getitem__(self, key: str) -> int:
        value = self._map.get(key64(key))
        if value is None:
            raise KeyError(key)
        return value

    @overload
    def get(self, key: str) -> int | None: ...
    @overload
    def get(self, key: str, default: int) -> int: ...

    def get(self, key: str, default: int | None = None) -> int | None:
        return self._map.get(key64(key), default)

    def __setitem__(self, key: str, depth: int) -> None:
        self._map.set(key64(key), max(-128, min(127, depth)))

    def __len__(self) -> int:
        return len(self._map)


class CompactDupeFilter(RFPDupeFilter):
    """Scrapy's RFPDupeFilter with its fingerprints kept as 64-bit keys in a U64Map instead of
    a set of 20-byte strings. Same fingerprints (REQUEST_FINGERPRINTER_CLASS), same JOBDIR
    file (requests.seen) and logging; only the memory differs."""

    def __init__(self, path: str | None = None, debug: bool = False, *,
                 fingerprinter: RequestFingerprinterProtocol | None = None) -> None:
        super().__init__(path, debug, fingerprinter=fingerprinter)
        # The parent loaded a resumed job's fingerprints into its set: move them over.
        self._seen = U64Map(max(1024, len(self._fingerprints)))
        for fp in self._fingerprints:
            self._seen.add(fingerprint_key(fp))
        self._fingerprints = set()

    def request_seen(self, request: Request) -> bool:
        fp = self._fingerprint(request)
        if not self._seen.add(fingerprint_key(fp)):
            return True
        if self.file:
            self.file.write(len(fp).to_bytes(2, "big") + fp)
        return False

    def __len__(self) -> int:
        return len(self._seen)
