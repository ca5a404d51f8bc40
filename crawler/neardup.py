"""Near-duplicate detection for article bodies: syllable shingles, MinHash and LSH bands.

Exact duplicates are caught by ``body_fingerprint``; this module catches the rest: the same
story republished by another site with a new dateline, a "Theo báo X" line, reflowed
paragraphs or a sentence added. Texts are compared on ``fingerprint_text`` (tone marks in
one placement, punctuation dropped), so "hoà"/"hòa" or NBSP/entity variants never count as
differences.

Signing uses numpy when it is installed (it is a dependency) and pure Python otherwise; both
compute exactly the same signature (31-bit arithmetic that fits numpy's uint64 exactly).

>>> hasher = MinHasher()
>>> a = hasher.signature(shingles("Bão số 3 đổ bộ vào Quảng Ninh chiều nay, gió giật cấp 12."))
>>> b = hasher.signature(shingles("Bão số 3 đổ bộ vào Quảng Ninh chiều nay; gió giật cấp 12!"))
>>> jaccard_estimate(a, b), is_near_duplicate(a, b)
(1.0, True)
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from crawler.text import fingerprint_text

try:  # numpy signs a body ~20x faster; the pure-Python path gives the same numbers
    import numpy as _np
except ImportError:  # pragma: no cover
    _np = None  # type: ignore[assignment]

__all__ = [
    "DEFAULT_BANDS",
    "DEFAULT_NUM_PERM",
    "DEFAULT_ROWS",
    "DEFAULT_THRESHOLD",
    "MinHasher",
    "is_near_duplicate",
    "jaccard_estimate",
    "lsh_bands",
    "shingles",
]

# Estimated Jaccard similarity of 3-syllable shingle sets at or above which two bodies are
# the same story. Measured on fixtures/neardup/pairs.jsonl (400 pairs, built before tuning):
# copies score >= 0.83, light edits >= 0.65 (a cut paragraph or a same-day update), while
# different stories of one topic, even next-day bulletins sharing their formulas, stay
# <= 0.17. 0.5 sits in the gap, > 3 standard errors of a 128-permutation estimate from both.
DEFAULT_THRESHOLD = 0.5
DEFAULT_NUM_PERM = 128
# 32 bands of 4 rows: a pair is a candidate with probability 1 - (1 - J**4) ** 32, i.e.
# 0.87 at J=0.5, 0.99 at J=0.6 and 0.0046 at J=0.2; the S-curve's midpoint (~0.42) sits
# just under DEFAULT_THRESHOLD so candidates rarely miss a true near-duplicate.
DEFAULT_BANDS = 32
DEFAULT_ROWS = 4

# Mersenne prime 2**31 - 1: (a*x + b) mod p with a, b, x < p is a universal hash family whose
# products stay under 2**62, so numpy's uint64 computes them exactly, like Python ints.
_PRIME = (1 << 31) - 1


def _hash64(s: str) -> int:
    # blake2b is in hashlib, stable across runs and processes (unlike hash()), and fast.
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little")


def shingles(text: str, k: int = 3) -> set[int]:
    """Hashed k-syllable shingles of ``fingerprint_text(text)``.

    A text shorter than ``k`` syllables is one shingle (so short titles still compare);
    an empty text has none.

    >>> shingles("Hoà Bình, khoẻ.") == shingles("hòa   bình khỏe")
    True
    >>> len(shingles("một hai ba bốn")), len(shingles("một hai")), shingles(" .,")
    (2, 1, set())
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    syllables = fingerprint_text(text).split()
    if not syllables:
        return set()
    if len(syllables) <= k:
        return {_hash64(" ".join(syllables))}
    return {_hash64(" ".join(syllables[i : i + k])) for i in range(len(syllables) - k + 1)}


class MinHasher:
    """MinHash signatures from a fixed, seeded family of (a*x + b) mod p permutations.

    Signatures are comparable only between hashers with the same ``num_perm`` and ``seed``;
    keep the defaults for anything stored.
    """

    def __init__(self, num_perm: int = DEFAULT_NUM_PERM, seed: int = 1) -> None:
        if num_perm < 1:
            raise ValueError(f"num_perm must be >= 1, got {num_perm}")
        rng = random.Random(seed)  # seeded: the same permutations in every process and run
        self.num_perm = num_perm
        self.seed = seed
        self._perms: tuple[tuple[int, int], ...] = tuple(
            (rng.randrange(1, _PRIME), rng.randrange(0, _PRIME)) for _ in range(num_perm)
        )
        if _np is not None:
            self._a = _np.array([a for a, _ in self._perms], dtype=_np.uint64)
            self._b = _np.array([b for _, b in self._perms], dtype=_np.uint64)

    def signature(self, shingle_set: set[int] | frozenset[int]) -> tuple[int, ...]:
        """One minimum per permutation; ``()`` for an empty set (nothing to compare).

        >>> sig = MinHasher(num_perm=16).signature({1, 2, 3})
        >>> len(sig), all(0 <= v < 2**31 for v in sig)
        (16, True)
        >>> sig == MinHasher(num_perm=16)._signature_python([1, 2, 3])
        True
        """
        if not shingle_set:
            return ()
        xs = [x % _PRIME for x in shingle_set]
        if _np is None:
            return self._signature_python(xs)
        # All permutations at once: a (num_perm x shingles) matrix, minimum per row.
        x = _np.array(xs, dtype=_np.uint64)
        products = (self._a[:, None] * x[None, :] + self._b[:, None]) % _np.uint64(_PRIME)
        return tuple(int(v) for v in products.min(axis=1))

    def _signature_python(self, xs: list[int]) -> tuple[int, ...]:
        p = _PRIME
        xs = [x % p for x in xs]
        return tuple(min([(a * x + b) % p for x in xs]) for a, b in self._perms)


def jaccard_estimate(sig_a: Sequence[int], sig_b: Sequence[int]) -> float:
    """Fraction of equal positions: an unbiased estimate of the shingles' Jaccard index.

    An empty signature (empty text) is similar to nothing, not even another empty one,
    so empty bodies never collapse into one "duplicate".

    >>> jaccard_estimate((1, 2, 3, 4), (1, 2, 0, 0)), jaccard_estimate((), ())
    (0.5, 0.0)
    """
    if len(sig_a) != len(sig_b):
        raise ValueError(f"signatures differ in length: {len(sig_a)} != {len(sig_b)}")
    if not sig_a:
        return 0.0
    return sum(x == y for x, y in zip(sig_a, sig_b, strict=True)) / len(sig_a)


def is_near_duplicate(
    sig_a: Sequence[int], sig_b: Sequence[int], threshold: float = DEFAULT_THRESHOLD
) -> bool:
    """True when the estimated Jaccard similarity reaches ``threshold``."""
    return jaccard_estimate(sig_a, sig_b) >= threshold


def lsh_bands(
    signature: Sequence[int], bands: int = DEFAULT_BANDS, rows: int = DEFAULT_ROWS
) -> list[str]:
    """LSH band keys: band index (2 hex digits) + a 48-bit hash of that band's rows.

    Two signatures that share any key are near-duplicate candidates. The index is part of
    the key so equal rows in different bands don't collide. Empty signature: no keys.

    >>> keys = lsh_bands(MinHasher().signature({1, 2, 3}))
    >>> len(keys), keys[0][:2], keys[31][:2], len(keys[0])
    (32, '00', '1f', 14)
    """
    if not signature:
        return []
    if bands * rows > len(signature):
        raise ValueError(
            f"{bands} bands x {rows} rows need {bands * rows} values, "
            f"signature has {len(signature)}"
        )
    keys = []
    for i in range(bands):
        chunk = signature[i * rows : (i + 1) * rows]
        raw = b"".join(v.to_bytes(8, "little") for v in chunk)
        keys.append(f"{i:02x}{hashlib.blake2b(raw, digest_size=6).hexdigest()}")
    return keys
