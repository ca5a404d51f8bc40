"""``scrapy sites``: the site profiles this project knows, with their CMS family."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand

from crawler.sites import registry

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def short_desc(self) -> str:
        return "List the site profiles: slug, family, domains, extractor version"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        rows = [(p.slug, p.family or "-", ",".join(p.domains), p.extractor_version,
                 _status(p.extra.get("unverified")))
                for p in sorted(registry().values(), key=lambda p: p.slug)]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _status(unverified: Any) -> str:
    """"verified", "unverified" (no real page behind the profile) or the parts still
    unverified when only some were checked on real pages ("unverified: list pages").

    >>> _status(None), _status(True), _status(("list pages",))
    ('verified', 'unverified', 'unverified: list pages')
    """
    if not unverified:
        return "verified"
    if isinstance(unverified, (tuple, list)):
        return "unverified: " + ", ".join(unverified)
    return "unverified"
