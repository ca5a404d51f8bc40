"""The one extraction dispatch: site profile, then CMS family, then generic, field by field.

Every caller (the spiders, ``python -m crawler extract``, ``crawler.evaluate``, WARC
re-extraction, benchmarks) goes through :func:`extract_layered`:

1. the site's profile, when the URL's host has one;
2. the CMS family whose markup the page shows (each family module's ``detect``), unless the
   profile already runs that family's extractor;
3. the generic extractor;
4. when every layer above refused the page, the media-story extractor
   (:mod:`crawler.extract.media_story`): a video or photo story with no text block.

A layer that refuses the page (``NotAnArticle``) or leaves a field empty does not end the
extraction: the next layer runs and fills the fields still empty. A further layer runs only
while one of :data:`TRIGGER_FIELDS` is missing, so a profile that finds a page's article as
usual costs nothing more; once a further layer runs, it fills every empty field. The page is
refused only when no layer finds an article. Which layer produced each field is kept
(``Extraction.sources``): ``extract`` prints it and the layout health monitor counts, per site
and field, how often the profile missed and a fallback filled in (layout drift).

CMS families are modules of this package found by duck typing: ``FAMILY``,
``EXTRACTOR_VERSION``, ``detect(sel) -> bool`` and ``extract(html, url) -> dict``, optionally
``ARTICLE_URL_PATTERNS``, ``OUTLETS`` and ``VERIFIED_ON``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

from parsel import Selector

import crawler.sites as sites_pkg
from crawler.extract import generic, media_story
from crawler.extract.base import NotAnArticle, release_indexes, selector_for
from crawler.sites import SiteProfile, profile_for_url, registry
from crawler.urls import article_id

# Raw article fields a layer may fill (``url`` comes with the first layer that finds the
# article, ``article_id`` is computed from it).
FIELDS = ("title", "lead", "paragraphs", "authors", "published_at", "modified_at", "section",
          "topics", "tags", "images", "related")
# A further layer runs only while one of these is empty: every news article has them, so
# their absence means the layer missed them. The others are often rightly absent (no byline on
# agency stories or on sites that print none, no tags, topics, related box, image or
# modification time) and the generic layer costs 4-5 times a profile's extraction (measured on
# the real vov.vn and baochinhphu.vn pages, whose profiles find no person credited): making
# them triggers would slow the profiled path by a fifth for nothing. Once a further layer runs,
# it fills every empty field, these included.
TRIGGER_FIELDS = ("title", "paragraphs", "published_at", "lead", "section")
GENERIC_LAYER = "generic"
# The last resort for video and photo stories, tried only when every other layer refused.
MEDIA_LAYER = "generic:media-story"

Extractor = Callable[[str | bytes, str], dict[str, Any]]


@dataclass
class Extraction:
    """A raw article and where it came from.

    ``used`` names the layer that found the article (``profile:<slug>``, ``family:<name>`` or
    ``generic``); ``sources`` maps each non-empty field to the layer that produced it;
    ``profile_layer`` is the profile's layer name when the page's site has a profile (tried,
    whether or not it found the article); ``refusals`` keeps why layers refused the page."""

    raw: dict[str, Any]
    used: str
    sources: dict[str, str] = field(default_factory=dict)
    profile_layer: str | None = None
    refusals: list[str] = field(default_factory=list)

    @property
    def drift(self) -> list[str]:
        """Fields the site's profile missed and a fallback layer filled (layout drift):
        ``["article"]`` when the profile refused a page another layer found an article in;
        empty for a page of a site without a profile."""
        if self.profile_layer is None:
            return []
        if self.used != self.profile_layer:
            return ["article"]  # the profile refused the page: it missed everything
        return [f for f, src in self.sources.items() if src != self.profile_layer]


def is_missing(value: Any) -> bool:
    """An empty field: None, blank text, an empty list.

    >>> is_missing(None), is_missing("  "), is_missing([]), is_missing(["A"]), is_missing("T")
    (True, True, True, False, False)
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return not value


def missing_fields(raw: dict[str, Any], names: tuple[str, ...] = FIELDS) -> list[str]:
    """The fields of ``names`` that are empty in a raw article.

    >>> missing_fields({"title": "T", "paragraphs": [], "authors": ["A"]},
    ...                ("title", "paragraphs", "authors", "lead"))
    ['paragraphs', 'lead']
    """
    return [f for f in names if is_missing(raw.get(f))]


def _fold_excerpt(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(" .…:")


_EXCERPT_MAX_CHARS = 60  # shorter than a sapo sentence: a fragment ("+ Rau củ:")


def is_excerpt(lead: Any, paragraphs: list[Any]) -> bool:
    """A lead that is only the opening words of one of the body's paragraphs (a CMS without
    a sapo fills its description with them: a fragment, or a cut ending in "..."): not a
    lead. A whole sentence that opens a longer paragraph stays (a sapo some sites repeat at
    the start of the body), and so does a lead equal to a whole paragraph.

    >>> is_excerpt("+ Rau củ:", ["Intro.", "+ Rau củ: Cải xoăn, bắp cải."])
    True
    >>> is_excerpt("Hà Nội có mưa...", ["Hà Nội có mưa rào vào chiều tối."])
    True
    >>> is_excerpt("Sapo.", ["Sapo."]), is_excerpt("Sapo riêng.", ["Thân bài."])
    (False, False)
    >>> is_excerpt("Mưa lớn kéo dài nhiều ngày khiến các tuyến đường ở trung tâm ngập sâu.",
    ...            ["Mưa lớn kéo dài nhiều ngày khiến các tuyến đường ở trung tâm ngập sâu. Thêm."])
    False
    """
    if not isinstance(lead, str) or not lead.strip():
        return False
    text = " ".join(lead.split())
    if len(text) >= _EXCERPT_MAX_CHARS and not text.endswith(("...", "…")):
        return False
    head = _fold_excerpt(lead.rstrip(" .…"))
    for para in paragraphs:
        text = " ".join(str(para).split()).casefold()
        if len(text) > len(head) and text.startswith(head) and _fold_excerpt(text) != head:
            return True
    return False


def merge_layer(merged: dict[str, Any], sources: dict[str, str], raw: dict[str, Any],
                layer: str) -> list[str]:
    """Fill the empty fields of ``merged`` from a further layer's article; returns the fields
    it filled. Fields already found are never replaced: the earlier layer knows the site
    better.

    >>> merged, sources = {"title": "T", "authors": []}, {"title": "profile:x"}
    >>> merge_layer(merged, sources, {"title": "Other", "authors": ["A"]}, "generic")
    ['authors']
    >>> merged["title"], merged["authors"], sources["authors"]
    ('T', ['A'], 'generic')
    """
    filled = []
    for name in FIELDS:
        if is_missing(merged.get(name)) and not is_missing(raw.get(name)):
            merged[name] = raw[name]
            sources[name] = layer
            filled.append(name)
    return filled


# --- CMS families ---------------------------------------------------------------------------

def is_family_module(module: ModuleType) -> bool:
    """The module follows the family protocol (FAMILY, EXTRACTOR_VERSION, detect, extract)."""
    return (isinstance(getattr(module, "FAMILY", None), str)
            and isinstance(getattr(module, "EXTRACTOR_VERSION", None), str)
            and callable(getattr(module, "detect", None))
            and callable(getattr(module, "extract", None)))


@cache
def families() -> tuple[ModuleType, ...]:
    """Every CMS family module of this package, in module-name order (the order detection
    tries them in). Two modules claiming one family name is an error."""
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(sites_pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "dispatch":
            continue
        module = importlib.import_module(f"{sites_pkg.__name__}.{info.name}")
        if not is_family_module(module):
            continue
        if module.FAMILY in found:
            raise ValueError(f"two modules declare the CMS family {module.FAMILY!r}: "
                             f"{found[module.FAMILY].__name__}, {module.__name__}")
        found[module.FAMILY] = module
    return tuple(found.values())


def family_named(name: str) -> ModuleType | None:
    return next((m for m in families() if m.FAMILY == name), None)


def detect_family(sel: Selector) -> ModuleType | None:
    """The first family whose markup detector recognises the page, or None."""
    for module in families():
        if module.detect(sel):
            return module
    return None


def family_article_patterns() -> tuple[str, ...]:
    """Every family's ARTICLE_URL_PATTERNS, each once, in family order."""
    out: list[str] = []
    for module in families():
        for pattern in getattr(module, "ARTICLE_URL_PATTERNS", ()):
            if pattern not in out:
                out.append(pattern)
    return tuple(out)


# --- the layers -------------------------------------------------------------------------------

def _layers(html: str | bytes, url: str,
            profile: SiteProfile | None) -> Iterator[tuple[str, Extractor]]:
    """(name, extractor) of each layer, in order; the family is detected only when reached
    (it costs a parse of the page)."""
    if profile is not None:
        yield f"profile:{profile.slug}", profile.extractor
    try:
        family = detect_family(selector_for(html, url))
    finally:
        release_indexes()
    if family is not None and (profile is None or profile.extractor is not family.extract):
        yield f"family:{family.FAMILY}", family.extract
    yield GENERIC_LAYER, generic.extract
    yield MEDIA_LAYER, media_story.extract


def extract_layered(html: str | bytes, url: str,
                    profile: SiteProfile | None = None) -> Extraction:
    """Extract a page through the layers (see the module docstring). ``profile``: the site's
    profile when the caller knows it, else the one whose domains hold ``url``; the generic
    profile of a site without a module (family "auto") counts as none. Raises NotAnArticle,
    naming every layer's reason, when no layer finds an article."""
    if profile is None:
        profile = profile_for_url(url)
    if profile is not None and profile.family == "auto":
        profile = None
    merged: dict[str, Any] | None = None
    used = ""
    sources: dict[str, str] = {}
    refusals: list[str] = []
    for name, extractor in _layers(html, url, profile):
        if name == MEDIA_LAYER and merged is not None:
            break
        try:
            raw = extractor(html, url)
        except NotAnArticle as exc:
            refusals.append(f"{name}: {exc}")
            continue
        finally:
            release_indexes()
        if merged is None:
            merged, used = raw, name
            sources = {f: name for f in FIELDS if not is_missing(raw.get(f))}
        else:
            merge_layer(merged, sources, raw, name)
        if not missing_fields(merged, TRIGGER_FIELDS):
            break
    if merged is None:
        raise NotAnArticle("; ".join(refusals) or "no extractor accepted the page")
    if is_excerpt(merged.get("lead"), merged.get("paragraphs") or []):
        # Not a sapo: the page has none and its description repeats the body's first words.
        merged["lead"] = None
        sources.pop("lead", None)
    if profile is not None:
        # The id comes from the canonical URL first: a legacy or tracking URL may carry none.
        merged["article_id"] = profile.article_id(merged["url"]) or profile.article_id(url)
    else:
        merged["article_id"] = article_id(merged["url"])
    return Extraction(raw=merged, used=used, sources=sources,
                      profile_layer=f"profile:{profile.slug}" if profile else None,
                      refusals=refusals)


def extract_any(html: str | bytes, url: str) -> tuple[dict[str, Any], str]:
    """(raw article, layer that found it) for a URL, through every layer."""
    result = extract_layered(html, url)
    return result.raw, result.used


def extractor_version(used: str) -> str:
    """The extractor version behind a layer name ("profile:vov", "family:cms-post",
    "generic")."""
    kind, _, name = used.partition(":")
    if kind == "profile" and name in registry():
        return registry()[name].extractor_version
    if kind == "family":
        module = family_named(name)
        return module.EXTRACTOR_VERSION if module else "?"
    if used == MEDIA_LAYER:
        return media_story.EXTRACTOR_VERSION
    return generic.EXTRACTOR_VERSION


def describe_sources(sources: dict[str, str], profile_layer: str | None = None) -> str:
    """One line of per-field sources for operators: ``title=profile body=generic ...``
    (``-``: no layer found it).

    >>> describe_sources({"title": "profile:vov", "paragraphs": "generic"}, "profile:vov")[:40]
    'title=profile lead=- body=generic author'
    """
    short = {"paragraphs": "body", "published_at": "published", "modified_at": "modified"}
    cells = []
    for name in FIELDS:
        src = sources.get(name, "-")
        if profile_layer is not None and src == profile_layer:
            src = "profile"
        cells.append(f"{short.get(name, name)}={src}")
    return " ".join(cells)
