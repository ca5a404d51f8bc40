"""Báo Hà Tĩnh (baohatinh.vn) and the sibling sites of its CMS: their site profiles. The
CMS family itself, its extractor and markup detector, is crawler/sites/cmspost.py.
"""

from __future__ import annotations

from dataclasses import replace

from crawler.sites import SiteProfile, cmspost
from crawler.sites.cmspost import VERIFIED_ON

PROFILES = [
    SiteProfile(
        slug="baohatinh",
        name="Báo Hà Tĩnh",
        domains=("baohatinh.vn",),
        # The home page first: it carries the freshest stories and links (legacy .htm, m.
        # host) that topic pages do not.
        start_urls=(
            "https://baohatinh.vn/",
            "https://baohatinh.vn/chinh-tri/",
            "https://baohatinh.vn/kinh-te/",
            "https://baohatinh.vn/xa-hoi/",
        ),
        article_url_patterns=(r"-post\d+\.html$", r"/\d{5,}\.htm$"),
        id_patterns=(r"-post(\d+)\.html$", r"/(\d{5,})\.htm$"),
        list_link_css=(
            "article.story .story__heading a::attr(href)",
            "article.story .story__thumb a::attr(href)",
        ),
        next_page_css=(
            ".pagination a[rel=next]::attr(href)",
            ".pagination a.next::attr(href)",
        ),
        extractor=cmspost.extract,
        extractor_version=cmspost.EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem/", r"^/api/", r"^/tu-khoa/", r"^/dang-nhap"),
        family=cmspost.FAMILY,
        rss_feeds=("https://baohatinh.vn/rss/home.rss",),
        sitemaps=("https://baohatinh.vn/sitemaps/newsindex.xml",),
    )
]

# Sibling sites of the CMS: same markup family, same extractor and link selectors as
# baohatinh, only hosts, topics and URL endings differ. extra["verified_on"] names the real
# page (../shared/html) a profile was checked on; extra["unverified"] marks one with none.
def sibling(slug: str, name: str, domain: str, topics: tuple[str, ...], *,
            host: str | None = None, ending: str = "html",
            verified_on: tuple[str, ...] = ()) -> SiteProfile:
    """A profile for another site of this CMS family (``host``: where it answers, e.g. www.)."""
    base = PROFILES[0]
    return replace(
        base,
        slug=slug,
        name=name,
        domains=(domain,),
        start_urls=tuple(f"https://{host or domain}/{t}/" for t in topics),
        article_url_patterns=(rf"-post\d+\.{ending}$",),
        id_patterns=(rf"-post(\d+)\.{ending}$",),
        rss_feeds=(),
        sitemaps=(),
        extra={"verified_on": verified_on} if verified_on else {"unverified": True},
    )


PROFILES += [
    # Real page: a World Cup story (byline div.article__author inside the body, "Tin liên
    # quan" in div.related-news, a fact box before the text, tags /tu-khoa/<Slug>-tag<id>.html).
    sibling("nhandan", "Báo Nhân Dân", "nhandan.vn", ("chinhtri", "kinhte", "xahoi"),
            verified_on=(VERIFIED_ON[0],)),
    # No real page at hand: the markup is assumed to be the family's.
    # The site answers on www.; items name the bare domain like every other site.
    sibling("sggp", "Sài Gòn Giải Phóng", "sggp.org.vn", ("xahoi", "kinhte", "thegioi"),
            host="www.sggp.org.vn"),
    # Tiền Phong ends its article URLs (and tag pages) in .tpo: /<slug>-post<id>.tpo. Real
    # page: a photo story (text in figcaptions, inline div.article-relate boxes in the body,
    # author in the meta row and the footer, '#' tags, "Xem thêm" in div.related-news).
    sibling("tienphong", "Tiền Phong", "tienphong.vn", ("xa-hoi", "kinh-te", "the-gioi"),
            ending="tpo", verified_on=(VERIFIED_ON[1],)),
]
