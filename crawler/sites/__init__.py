"""Site registry: one module per site or CMS family in this package, found automatically.

A module declares ``PROFILES``: a list of :class:`SiteProfile`. Adding a site is adding one
module (plus its fixture recipe, fixtures/recipes/<slug>.py); nothing else changes. A profile
module kept outside this package is registered by naming it in the ``SITES_EXTRA_MODULES``
environment variable (see crawler/settings.py).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from crawler.urls import DEFAULT_ID_PATTERNS, article_id, canonical_url, host_matches, site_of

# (html, url) -> raw article dict; raises NotAnArticle.
Extractor = Callable[[str | bytes, str], dict[str, Any]]


@dataclass(frozen=True)
class SiteProfile:
    """What the crawler knows of one site: where to start, which links to follow, how to
    extract. Selectors are CSS, evaluated by parsel."""

    slug: str
    name: str
    domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    # Article URLs: the path matches one of these (query ignored).
    article_url_patterns: tuple[str, ...]
    # The article id: first group of the first matching pattern.
    id_patterns: tuple[str, ...]
    # Article links on list (topic / home) pages.
    list_link_css: tuple[str, ...]
    # The "next page" link of a topic page.
    next_page_css: tuple[str, ...]
    extractor: Extractor
    extractor_version: str
    # URLs never worth fetching (search, tags, login); matched against the path.
    deny_url_patterns: tuple[str, ...] = ()
    family: str = ""
    rss_feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    # (list page selector, next page number, state carried across the topic's pages) -> URL of
    # the next page when no next_page_css link exists ("Xem thêm" / load-more endpoints).
    next_page: Callable[[Any, int, dict[str, Any]], str | None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def site(self) -> str:
        """The site's main domain, as items' ``site`` field names it."""
        return self.domains[0]

    def on_site(self, url: str) -> bool:
        return host_matches(url, self.domains)

    def is_article_url(self, url: str) -> bool:
        path = _path(url)
        if any(re.search(p, path) for p in self.deny_url_patterns):
            return False
        return self.on_site(url) and any(re.search(p, path) for p in self.article_url_patterns)

    def article_id(self, url: str) -> str | None:
        return article_id(url, self.id_patterns)

    def canonical(self, url: str, base: str | None = None) -> str:
        return canonical_url(url, base)


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def extra_modules() -> list[str]:
    """Profile modules named in the environment's ``SITES_EXTRA_MODULES`` (comma-separated)."""
    return [m.strip() for m in os.environ.get("SITES_EXTRA_MODULES", "").split(",") if m.strip()]


@cache
def registry() -> dict[str, SiteProfile]:
    """All profiles of all modules in this package, then of the extra modules, by slug."""
    found: dict[str, SiteProfile] = {}
    names = [f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__)
             if not info.name.startswith("_")]
    extra = extra_modules()
    for name in [*names, *extra]:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            if name not in extra:
                raise
            raise ImportError(f"SITES_EXTRA_MODULES names {name!r}, which does not import: "
                              f"{exc}") from exc
        for profile in getattr(module, "PROFILES", ()):
            if profile.slug in found:
                raise ValueError(f"two site profiles named {profile.slug!r}")
            found[profile.slug] = profile
    return found


def get_profile(slug: str) -> SiteProfile:
    try:
        return registry()[slug]
    except KeyError:
        known = ", ".join(sorted(registry()))
        raise KeyError(f"no site profile {slug!r} (known: {known})") from None


def profile_for_url(url: str, profiles: Sequence[SiteProfile] | None = None) -> SiteProfile | None:
    """The profile whose domains hold the URL's host, or None."""
    for profile in profiles if profiles is not None else registry().values():
        if profile.on_site(url):
            return profile
    return None


# Article URL shapes met across Vietnamese news CMSs, for sites without a profile.
GENERIC_ARTICLE_PATTERNS = (
    r"-post\d+\.html$",  # cms-post family, znews
    r"-\d{5,}\.html?$",  # vnexpress, tuoitre, nld, dantri, vietnamnet...
    r"-d\d+\.html$",  # baodautu
    r"/\d{5,}\.html?$",  # legacy numeric paths
    r"-\d{5,}\.chn$",  # cafef
)
GENERIC_NEXT_PAGE_CSS = (
    "a[rel=next]::attr(href)",
    ".pagination a.next::attr(href)",
    "a.next::attr(href)",
    "a.page-next::attr(href)",
)


def _extract_auto(html: str | bytes, url: str) -> dict[str, Any]:
    from crawler.sites.dispatch import extract_layered

    return extract_layered(html, url).raw


def generic_profile(start_url: str) -> SiteProfile:
    """A profile for a site with no module: any article-shaped link on its pages is followed
    (the shapes of GENERIC_ARTICLE_PATTERNS and of every CMS family's ARTICLE_URL_PATTERNS),
    and each page is extracted by the layered dispatch (its CMS family recognised from the
    markup, then the generic extractor)."""
    from crawler.sites.dispatch import family_article_patterns

    domain = site_of(start_url)
    patterns = GENERIC_ARTICLE_PATTERNS + tuple(
        p for p in family_article_patterns() if p not in GENERIC_ARTICLE_PATTERNS)
    return SiteProfile(
        slug=domain,
        name=domain,
        domains=(domain,),
        start_urls=(start_url,),
        article_url_patterns=patterns,
        id_patterns=tuple(p.pattern for p in DEFAULT_ID_PATTERNS),
        list_link_css=("a::attr(href)",),
        next_page_css=GENERIC_NEXT_PAGE_CSS,
        extractor=_extract_auto,
        extractor_version="auto/2025.09",
        deny_url_patterns=(r"^/tim-kiem", r"^/search", r"^/tag/", r"^/tu-khoa/"),
        family="auto",
    )
