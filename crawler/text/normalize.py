"""Normalisation of display text, the tone-mark matching key and body fingerprints.

Every function here is pure, so that fingerprints are reproducible across runs.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable

# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------

# Invisible characters CMS editors paste in from Word/Zalo; they break matching.
ZERO_WIDTH: frozenset[str] = frozenset({"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"})
_NBSP: frozenset[str] = frozenset({"\u00a0", "\u202f", "\u2007"})

# Only well-formed references (with ";") are decoded, so prose such as
# "R&D" or "a&copy=b" is never mangled by html.unescape's legacy no-";" rules.
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Icelandic Eth / African D look like Vietnamese "Đ" and get typed by mistake.
_CHAR_FIXES = str.maketrans(
    {"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110"}
    | dict.fromkeys(ZERO_WIDTH, "")
    | dict.fromkeys(_NBSP, " ")
)
# str.translate looks every character up in the table; a regex scan for the few characters
# to fix is several times faster on long bodies, and most text has none of them.
_CHAR_FIX_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _CHAR_FIXES) + "]")


def _fix_chars(s: str) -> str:
    return _CHAR_FIX_RE.sub(lambda m: _CHAR_FIXES[ord(m.group())], s) if _CHAR_FIX_RE.search(
        s) else s


# C0/C1 controls other than whitespace: they come from broken encodings, never content.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _unescape_entities(s: str) -> str:
    # Sites double-escape ("&amp;quot;"), so decode twice at most; a third pass would
    # start decoding text that legitimately shows an entity. (So triple-escaped input
    # is the one case where normalize_text is not idempotent.)
    for _ in range(2):
        if not _ENTITY_RE.search(s):
            break
        s = _ENTITY_RE.sub(lambda m: html.unescape(m.group(0)), s)
    return s


def normalize_text(s: str) -> str:
    """Clean one piece of display text; keeps the original spelling and tone marks.

    Decodes leftover (even double-escaped) entities, removes zero-width and control
    characters, fixes Eth typed for Đ, applies NFC, turns every whitespace run
    (NBSP, tabs, newlines, U+3000…) into one space and strips the ends.

    >>> normalize_text("  Ð\u00e1nh\u00a0gi\u00e1 &amp;quot;t\u1ed1t&amp;quot;\u200b\\n\\t ")
    'Đánh giá "tốt"'
    >>> normalize_text("Hoa\u0300 Bi\u0300nh")  # decomposed input becomes NFC
    'Hoà Bình'
    """
    # Fix characters both before decoding (a zero-width char inside "&#\u200b8;" would
    # hide an entity) and after (entities can decode to NBSP or zero-width chars). Each step
    # is skipped when there is nothing for it to do: most text is clean, and this runs on
    # every paragraph of every article, several times.
    s = _fix_chars(s)
    if "&" in s:
        s = _fix_chars(_unescape_entities(s))
    if _CONTROL_RE.search(s):
        s = _CONTROL_RE.sub(" ", s)
    # NFC after removing zero-width chars so a mark split from its base recombines.
    if not s.isascii() and not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
    # str.split() splits on exactly the characters the regex \s matches (Unicode
    # whitespace) and drops the ends: the same result as a \s+ substitution and a strip.
    return " ".join(s.split())


def normalize_paragraphs(paras: Iterable[str]) -> list[str]:
    """Normalise each paragraph and drop those left empty.

    >>> normalize_paragraphs([" a\u00a0 b ", "\u200b", "", "c"])
    ['a b', 'c']
    """
    cleaned = (normalize_text(p) for p in paras)
    return [p for p in cleaned if p]


def join_paragraphs(paras: Iterable[str]) -> str:
    """Join paragraphs with a blank line, the body format of the feed.

    >>> join_paragraphs(["a", "b"])
    'a\\n\\nb'
    """
    return "\n\n".join(paras)


# ---------------------------------------------------------------------------
# Tone-mark placement key
# ---------------------------------------------------------------------------

_TONE_MARKS: frozenset[str] = frozenset({"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"})
_VOWEL_MODS: frozenset[str] = frozenset({"\u0302", "\u0306", "\u031b"})  # â/ê/ô, ă, ơ/ư
# Onset + nucleus + final of a Vietnamese syllable, on base letters (marks removed).
# "gi"/"qu" are onsets so their i/u never take the tone (giờ, quý); backtracking lets
# "gì" and "gìn" fall back to onset "g".
_SYLLABLE_RE = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdđghklmnpqrstvx])?([aeiouy]{1,3})(ch|ng|nh|[cmnpt])?"
)
_WORD_SPLIT_RE = re.compile(r"([^\W\d_]+)")


def _tone_index(nucleus: list[tuple[str, str]], has_final: bool) -> int:
    """Vowel that carries the tone in the old style ("kiểu cũ") convention."""
    modified = [i for i, (_, mods) in enumerate(nucleus) if mods]
    if modified:
        return modified[-1]  # â ă ê ô ơ ư always win; in "ươ" the mark goes on ơ
    if has_final or len(nucleus) == 1:
        return len(nucleus) - 1  # hoàng, toán, huỳnh: last vowel before the final
    if len(nucleus) == 2:
        return 0  # old style: hòa, khỏe, thủy (new style would put it on a/e/y)
    return 1  # three vowels, open: ngoài, xoáy, khuỷu


def _retone_syllable(word: str) -> str:
    letters: list[tuple[str, str]] = []  # (base letter, vowel modifiers)
    tones: list[str] = []
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONE_MARKS:
            tones.append(ch)
        elif ch in _VOWEL_MODS and letters:
            base, mods = letters[-1]
            letters[-1] = (base, mods + ch)
        else:
            letters.append((ch, ""))
    bases = "".join(base for base, _ in letters)
    match = _SYLLABLE_RE.fullmatch(bases)
    if len(tones) != 1 or match is None:
        return word  # no tone, or not a Vietnamese syllable: nothing to re-place
    start, end = match.span(2)
    target = start + _tone_index(letters[start:end], has_final=match.group(3) is not None)
    rebuilt = "".join(
        base + mods + (tones[0] if i == target else "") for i, (base, mods) in enumerate(letters)
    )
    return unicodedata.normalize("NFC", rebuilt)


def canonical_tone_form(s: str) -> str:
    """Key form for matching only: NFC, lower-case, one tone-mark placement.

    Convention: the old style ("kiểu cũ", Unikey's default and what most Vietnamese
    news sites print). An open syllable ending in a two-vowel nucleus takes the mark
    on the first vowel (hòa, khỏe, thủy — not hoà, khoẻ, thuỷ); with a final consonant
    it goes on the last vowel (hoàng, hoạch, huỳnh); a vowel with a circumflex, breve or
    horn always carries it (thuyền, giờ, rượu); "gi"/"qu" count as onsets (quý, giúp).
    Text shown to users keeps its own spelling; only keys use this form.

    >>> canonical_tone_form("Hoà Bình") == canonical_tone_form("Hòa Bình") == "hòa bình"
    True
    >>> canonical_tone_form("THUỶ, khoẻ; hoàng quý giờ thuyền")
    'thủy, khỏe; hoàng quý giờ thuyền'
    """
    lowered = unicodedata.normalize("NFC", s).lower()
    # Split keeps the words at odd positions; mapping them through the cache's __getitem__
    # stays in C for every word seen before, which is nearly all of them.
    parts = _WORD_SPLIT_RE.split(lowered)
    parts[1::2] = map(_RETONED.__getitem__, parts[1::2])
    return "".join(parts)


class _RetoneCache(dict[str, str]):
    """Word -> its canonical tone form, computed on first sight. Vietnamese has some 7,000
    syllables in use and a body repeats them constantly; names and foreign words are what
    make the cache grow, so it starts over past a bound."""

    LIMIT = 65536

    def __missing__(self, word: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[word] = _retone_syllable(word)
        return value


_RETONED = _RetoneCache()


# ---------------------------------------------------------------------------
# Fingerprints
# ---------------------------------------------------------------------------

# Bump whenever normalize_text, canonical_tone_form, fingerprint_text or the hash
# changes: stored fingerprints of another version are not comparable.
FINGERPRINT_VERSION = "v1"


def fingerprint_text(s: str) -> str:
    """The text a body fingerprint is computed from.

    normalize_text, then canonical_tone_form, punctuation (Unicode category P*)
    replaced by spaces, whitespace collapsed. Punctuation becomes a space rather than
    vanishing so "Hà Nội,Việt Nam" and "Hà Nội, Việt Nam" give the same key.

    >>> fingerprint_text("«Hoà  Bình» – khoẻ, đẹp!")
    'hòa bình khỏe đẹp'
    """
    # Every step acts within a space-separated token (NFC, lower-casing, the tone key of a
    # word, punctuation to spaces), so the text's key is its tokens' keys joined: a body
    # repeats its tokens constantly, and each distinct one is keyed once (_TOKEN_KEYS).
    return _tokens_key(normalize_text(s).split(" "))


def _tokens_key(tokens: list[str]) -> str:
    return " ".join(filter(None, map(_TOKEN_KEYS.__getitem__, tokens)))


def _token_key(token: str) -> str:
    """fingerprint_text of one token of normalised text (no whitespace in it)."""
    # An ASCII token (numbers, names, codes) has no tone mark to place: its tone key is its
    # lower case.
    keyed = token.lower() if token.isascii() else canonical_tone_form(token)
    return " ".join(keyed.translate(_PUNCT_TO_SPACE).split())


class _PunctuationToSpace(dict[int, "str | int"]):
    """str.translate table mapping every Unicode punctuation character (category P*) to a
    space, filled lazily: one category lookup per distinct character, not per character."""

    def __missing__(self, code: int) -> str | int:
        value: str | int = " " if unicodedata.category(chr(code)).startswith("P") else code
        self[code] = value
        return value


_PUNCT_TO_SPACE = _PunctuationToSpace()


class _TokenKeys(dict[str, str]):
    """Token -> its fingerprint key (_token_key), computed on first sight; starts over past a
    bound, as _RetoneCache does."""

    LIMIT = 65536

    def __missing__(self, token: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[token] = _token_key(token)
        return value


_TOKEN_KEYS = _TokenKeys()


def body_fingerprint(body: str, *, normalized: bool = False) -> str:
    """Versioned BLAKE2b-128 hex digest of ``fingerprint_text(body)`` (UTF-8).
    ``normalized``: the body is normalize_text's paragraphs joined by blank lines (as the
    feed's body is), whose normal form is then only its whitespace collapsed.

    >>> body_fingerprint("Hòa Bình.") == body_fingerprint("  hoà   bình ")
    True
    >>> body_fingerprint("Hòa Bình.\\n\\nA", normalized=True) == body_fingerprint("hoà bình a")
    True
    >>> body_fingerprint("x").startswith("v1:"), len(body_fingerprint("x"))
    (True, 35)
    """
    # (With an "&" the text may decode once more: normalize_text then does it.)
    key = (_tokens_key(body.split()) if normalized and "&" not in body
           else fingerprint_text(body))
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16)
    return f"{FINGERPRINT_VERSION}:{digest.hexdigest()}"


def renormalize(s: str) -> str:
    """normalize_text of text normalize_text returned: the text itself, unless it holds "&"
    (an entity escaped three times decodes once more), without the work of a new pass.

    >>> renormalize("Hà Nội"), renormalize("&lt;b&gt;")
    ('Hà Nội', '<b>')
    """
    return normalize_text(s) if "&" in s else s
