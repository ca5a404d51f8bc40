"""One spider per site profile, named by its slug (``scrapy crawl vnexpress``).

A site whose spider needs more than its profile gets its own module in this package, named
like the slug (see baohatinh.py); every other profile gets a spider made here.
"""

from __future__ import annotations

import importlib.util

from crawler.sites import registry
from spiders.base import SiteSpider


def _make(slug: str) -> type[SiteSpider]:
    name = "".join(part.title() for part in slug.replace("-", "_").split("_")) + "Spider"
    return type(name, (SiteSpider,), {"name": slug, "profile_slug": slug,
                                      "__module__": __name__})


def _generate() -> None:
    for slug in sorted(registry()):
        if importlib.util.find_spec(f"spiders.{slug}") is None:
            cls = _make(slug)
            globals()[cls.__name__] = cls


_generate()
