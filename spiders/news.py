"""The ``news`` spider: many sites at once (``-a sites=vnexpress,tuoitre``), or any start URL
(``-a start=https://baonghean.vn/thoi-su/``), known site or not. A site with no profile is
crawled through the CMS family its markup shows, else the generic extractor."""

from __future__ import annotations

from typing import Any

from crawler.sites import SiteProfile, generic_profile, get_profile, profile_for_url, registry
from spiders.base import KNOWN_ARGS, SiteSpider, SpiderArgumentError


class NewsSpider(SiteSpider):
    name = "news"
    known_args = (*KNOWN_ARGS, "sites")

    @classmethod
    def check_arguments(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        out = super().check_arguments(kwargs)
        sites = [s.strip() for s in (kwargs.get("sites") or "").split(",") if s.strip()]
        unknown = [s for s in sites if s not in registry()]
        if unknown:
            raise SpiderArgumentError(
                f"-a sites: no profile for {', '.join(unknown)} (see: scrapy sites)")
        if not sites and not out.get("start"):
            raise SpiderArgumentError("the news spider needs -a sites=a,b or -a start=URL")
        return out

    def select_profiles(self, args: dict[str, Any], start: list[str]) -> list[SiteProfile]:
        sites = [s.strip() for s in (args.get("sites") or "").split(",") if s.strip()]
        profiles = [get_profile(s) for s in sites]
        for url in start:
            if not any(p.on_site(url) for p in profiles):
                profiles.append(profile_for_url(url) or generic_profile(url))
        return profiles
