"""VOV (vov.vn), the Voice of Vietnam's news site (Drupal 8).

Article pages are checked on a real page (braycolony1y__vov_post1315698.html); list pages are
not (no real list page at hand: ``a.vovvn-title`` cards and Drupal's zero-based ``?page=N``
paging, the second page being ``?page=1``, are unverified).
Article URLs ``/<section>/<slug>-post<id>.vov``. Everything sits in ``<article
data-history-node-id=<id> class="detail detail--normal" itemprop="articleBody">``: rows
``.article-breadcrumb ol.breadcrumb``, ``.article-title h1.article-title``, ``.article-date``
(plain text "Thứ Năm, 08:46, 16/07/2026"; no ``<time>``, no published_time meta),
``.article-summary h2 > div`` (the sapo, opening "VOV.VN - "), ``.article-content
.text-long`` (``<h2>`` subheads, photos as ``figure.gallery-embed`` with ``<picture>`` and
``<figcaption>``, ad blocks ``div.block-ads``, and a last ``article.inner-article`` card of
another story with its own ``h2.article-title`` and sapo), ``.article-author a`` (the byline:
"PV/VOV.VN" credits no person) and ``#list-tags`` (filled by script: empty in the HTML; meta
``article:tag`` repeats site-wide topics, so it is not read). "Tin liên quan" is
``div.field-related-article``, each item twice (``.article-media`` for desktop,
``.article-card`` for mobile), titles in ``a.vovvn-title h5/h3``.
"""

from __future__ import annotations

from typing import Any

from parsel import Selector

from crawler.extract.base import (
    BodyRules,
    NotAnArticle,
    jsonld_article,
    jsonld_objects,
    meta_content,
    same_site_url,
    selector_for,
)
from crawler.sites import SiteProfile
from crawler.sites._kit import (
    credit_names,
    first_text_x,
    right_aligned,
    story_links,
    text_of,
    visible_date,
    walk_children,
)

EXTRACTOR_VERSION = "vov/2026.10"
VERIFIED_ON = ("braycolony1y__vov_post1315698.html",)

BODY_RULES = BodyRules(
    skip_css=("article.inner-article", ".inner-article", ".block-ads", ".advertisement",
              ".article-related", ".field-related-article"),
    image_box_css=("figure", "table.image"),
    caption_css=("figcaption", ".caption"),
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one vov.vn article page into a raw article dict."""
    sel = selector_for(html, url)
    found = sel.xpath("//article[@data-history-node-id]") \
        or sel.xpath("//*[contains(@class, 'article-content')]/ancestor::*[1]")
    scope = found[0] if found else sel
    title = first_text_x(scope, ".//h1[contains(@class, 'article-title')]")
    body = scope.xpath(".//*[contains(@class, 'article-content')]"
                       "//div[contains(@class, 'text-long')]") \
        or scope.xpath(".//*[contains(@class, 'article-content')]")
    if not body or not title:
        missing = "body (.article-content .text-long)" if not body else "title"
        raise NotAnArticle(f"no {missing}: not an article page of vov.vn")
    container = body[0].root
    paras = [p for p in container if isinstance(p.tag, str) and p.tag.lower() == "p"
             and text_of(p)]
    # Older pages sign with a last right-aligned line ("Thu Hằng/VOV.VN") instead of a
    # .article-author row.
    signed = paras[-1] if paras and right_aligned(paras[-1]) \
        and len(text_of(paras[-1])) <= 80 else None
    parts = walk_children(container, url, BODY_RULES, skip=lambda el: el is signed)
    if not parts.blocks:
        raise NotAnArticle("empty body: not an article page of vov.vn")
    credit = first_text_x(scope, ".//*[contains(@class, 'article-author')]//a",
                          ".//*[contains(@class, 'article-author')]")
    if signed is not None and not credit:
        credit = text_of(signed)
    ld = jsonld_article(jsonld_objects(sel))
    ld_mod = ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None
    crumbs = [t for t in (text_of(a.root) for a in scope.xpath(
        ".//ol[contains(@class, 'breadcrumb')]//a")) if t]
    page = same_site_url(sel, url)
    return {
        "url": page,
        "title": title,
        "lead": first_text_x(scope, ".//*[contains(@class, 'article-summary')]")
        or meta_content(sel, "og:description", "description"),
        "paragraphs": [b.text for b in parts.blocks],
        "authors": people_only(credit_names(credit)) if credit else [],
        "published_at": visible_date(
            first_text_x(scope, ".//*[contains(@class, 'article-date')]/div[1]",
                         ".//*[contains(@class, 'article-date')]"),
            meta_content(sel, "article:published_time"),
            ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None),
        "modified_at": visible_date(ld_mod),
        "section": crumbs[-1] if crumbs else meta_content(sel, "article:section"),
        "topics": [],
        "tags": [t for t in (text_of(a.root) for a in scope.xpath(
            ".//*[@id='list-tags' or contains(@class, 'article-tags')]//a")) if t],
        "images": parts.images,
        "related": related(sel, url, page),
    }


def related(sel: Selector, url: str, page: str) -> list[dict[str, str]]:
    boxes = [n.root for n in sel.xpath("//div[contains(@class, 'field-related-article')]")]
    return story_links(boxes, url, ".//a[contains(@class, 'vovvn-title')][.//h5 or .//h3]",
                       exclude=(page,))


def people_only(names: list[str]) -> list[str]:
    """The names before the first VOV token: bylines read "Thu Hằng/VOV.VN" or "Minh Anh/
    VOV-Miền Trung", which the credit splitter cuts at "/" into the outlet and its bureau.

    >>> people_only(["Minh Anh", "Quốc Hùng", "VOV-Miền Trung"]), people_only(["VOV.VN"])
    (['Minh Anh', 'Quốc Hùng'], [])
    """
    out: list[str] = []
    for name in names:
        if name.casefold().startswith("vov"):
            break
        out.append(name)
    return out


PROFILES = [
    SiteProfile(
        slug="vov",
        name="VOV",
        domains=("vov.vn",),
        # With the trailing slash: articles live under the section's folder (/chinh-tri/...),
        # and the offline copy cannot hold a file and a folder of one name.
        start_urls=(
            "https://vov.vn/chinh-tri/",
            "https://vov.vn/kinh-te/",
            "https://vov.vn/xa-hoi/",
        ),
        article_url_patterns=(r"-post\d+\.vov$",),
        id_patterns=(r"-post(\d+)\.vov$",),
        list_link_css=("a.vovvn-title::attr(href)",),
        next_page_css=(
            ".pagination li.pager__item--next a::attr(href)",
            ".pagination a[rel=next]::attr(href)",
        ),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=(r"^/tim-kiem", r"^/search", r"^/tag/", r"^/video/", r"^/user"),
        family="vov",
        # Article pages verified on a real page; list pages are not.
        extra={"verified_on": VERIFIED_ON, "unverified": ("list pages",)},
    )
]
