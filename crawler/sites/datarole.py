"""The ``data-role`` CMS family: tuoitre.vn, nld.com.vn, baochinhphu.vn, cafef.vn.

One CMS (the same editor widgets everywhere: ``VCSortableInPreviewMode`` boxes) marks the
article's parts with ``data-role``: ``h1[data-role=title]``, ``h2[data-role=sapo]``,
``[data-role=publishdate]`` (a ``<time datetime>`` on nld, "07/03/2026 08:01 GMT+7" text on
tuoitre, "01/03/2026 <span/>09:51" on baochinhphu, "07-03-2026 - 00:01 AM" on cafef),
``[data-role=content]`` for the body and, on nld, ``[data-role=author]``. Inside the body,
photos are ``figure.VCSortableInPreviewMode[type=Photo]`` with ``figcaption.PhotoCMS_Caption``;
``[type=RelatedNewsBox]`` / ``[type=RelatedOneNews]`` are "read also" boxes and cafef opens the
body with a "TIN MỚI" list (``.tindnd``). Article URLs end in ``-<17-18 digits>.htm`` (``.chn``
on cafef). Topic pages show ~15-30 items and load more through a ``timelinelist`` endpoint
keyed by the zone id in ``#hdZoneId``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from parsel import Selector

from crawler.extract.base import BodyRules
from crawler.extract.spec import PageSpec, extract_by_spec
from crawler.sites import SiteProfile

FAMILY = "data-role"
EXTRACTOR_VERSION = "data-role/2026.03"
# Article URLs: a 10+ digit id (date-encoded) before .htm (.chn on cafef). vietnambiz.vn runs
# the same markup (h1[data-role=title], [data-role=content], PhotoCMS_Caption figures).
ARTICLE_URL_PATTERNS = (r"-\d{10,}\.htm$", r"-\d{10,}\.chn$")
OUTLETS = ("tuoitre.vn", "nld.com.vn", "baochinhphu.vn", "cafef.vn", "vietnambiz.vn")
VERIFIED_ON = (
    "tracking_news-mcp__tuoitre_article.html",
    "tracking_news-mcp__nld_article.html",
    "tracking_news-mcp__baochinhphu_article.html",
    "tracking_news-mcp__cafef_article.html",
    "tracking_news-mcp__cafef_article_batdongsan.html",
    "twan507__vietnambiz_202694173243150.html",
)

SPEC = PageSpec(
    family=FAMILY,
    title_css=("h1[data-role=title]", "[data-role=title]"),
    # tuoitre repeats data-role=content in related widgets: the article's own is the one in
    # the main column, so that comes first.
    body_css=(
        ".detail-cmain [data-role=content]",
        ".contentdetail [data-role=content]",
        "[data-role=content][itemprop=articleBody]",
        "[data-role=content]",
    ),
    lead_css=("[data-role=sapo]",),
    date_css=("[data-role=publishdate]::attr(datetime)", "[data-role=publishdate]"),
    author_css=(
        "[data-role=author]",
        ".detail-author-list-sw .author-item-name a.name",  # tuoitre, every co-author
        ".box-author-detail a.name",
        ".t-contentdetail p.author",  # cafef
        ".detail-author-top-content a",  # baochinhphu (styled in its CSS; absent on some pages)
    ),
    section_css=(
        ".detail-breadcrumb li a",  # baochinhphu: parent then child zone
        "[data-role=cate-name]",
        ".detail-cate a",
    ),
    tag_css=(".tagdetail .row2 a",),  # cafef "Từ khóa"
    # tuoitre and nld call the .detail-tab links "Chủ đề" (topics), not keywords.
    topic_css=(".detail-tab a.item",),
    related_css=(
        ".detail__related a.box-category-link-title",
        "[type=RelatedNewsBox] .kbwscwlrl-title a",
        "[type=RelatedOneNews] a.OneNewsTitle",
        ".tincungmucdetail .bg-tit-samecate h4 a",  # cafef "Cùng chuyên mục"
        # vietnambiz (same data-role markup): the related links after the body, checked on
        # twan507__vietnambiz_202694173243150.html.
        ".special-relate-news-container a.vnbcbcrl-link",
    ),
    rules=BodyRules(
        skip_css=(
            ".tindnd", "[type=RelatedNewsBox]", "[type=RelatedOneNews]", ".readmore-body-box",
            ".c-banner", ".h-show-pc", ".h-show-mobile", "zone", ".detail-cover",
            "[type=VideoStream]", ".box-author-detail",
        ),
        image_box_css=(
            "figure.VCSortableInPreviewMode",
            "[type=Photo]",
            "[type=PhotoInContentBox]",
            "figure",
        ),
        caption_css=(".PhotoCMS_Caption", "figcaption"),
    ),
)


def extract(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one article page of the data-role CMS into a raw article dict."""
    return extract_by_spec(html, url, SPEC)


def load_more_hook(template: str) -> Callable[[Selector, int, dict[str, Any]], str | None]:
    """A profile's next_page hook: the "xem thêm" endpoint for a page number. Topic pages
    have no next link (their script fetches this URL); the zone id comes from the first page's
    ``#hdZoneId`` and is kept in ``state``, since the endpoint's own answers are fragments."""

    def next_page(sel: Selector, page: int, state: dict[str, Any]) -> str | None:
        zone = (sel.css("#hdZoneId::attr(value)").get() or state.get("zone") or "").strip()
        if not zone.isdigit():
            return None
        state["zone"] = zone
        return template.format(zone=zone, page=page)

    return next_page


_DENY = (r"^/tim-kiem", r"^/search", r"^/tag/", r"^/tac-gia/", r"^/video", r"^/dang-nhap")
_LIST_CSS_COMMON = (
    "a.box-category-link-title::attr(href)",
    "a.box-category-related-link-title::attr(href)",
    "a.box-stream-link-title::attr(href)",
)


# CafeF's /du-lieu/ data section (an ASP.NET WebForms page, checked on a real list page:
# twan507__cafef_list_tin-doanh-nghiep.html) lists listed-company news in
# ``div#divEvents ul li a.docnhanhTitle`` with two URL shapes mixed: ordinary articles
# (``/<slug>-<18 digits>.chn``) and company-disclosure pages
# ``/du-lieu/<TICKER>-<id>/<slug>.chn`` (both with ``?utm_source=du-lieu``). Its paging is
# JavaScript only (``a.aNext`` calls ``LoadNext()``), so no next page is derived from it. The
# hidden ``#Top3LinksForGoogleSearchResult`` repeats items under ``/-<id>/<slug>.chn`` paths,
# which match neither shape.
CAFEF_DATA_PATTERN = r"^/du-lieu/[A-Za-z0-9]{2,6}-\d{5,8}/[a-z0-9-]+\.chn$"
CAFEF_DATA_ID_PATTERN = r"^/du-lieu/[A-Za-z0-9]{2,6}-(\d{5,8})/"


def _profile(slug: str, name: str, domain: str, topics: tuple[str, ...], *, ext: str = "htm",
             list_css: tuple[str, ...] = _LIST_CSS_COMMON, load_more: str,
             start_page: int = 2, more_patterns: tuple[tuple[str, str], ...] = (),
             verified_on: tuple[str, ...] = ()) -> SiteProfile:
    """``more_patterns``: further (article URL, id) pattern pairs of the site."""
    return SiteProfile(
        slug=slug,
        name=name,
        domains=(domain,),
        start_urls=tuple(f"https://{domain}/{t}" for t in topics),
        article_url_patterns=(rf"-\d{{10,}}\.{ext}$", *(p for p, _ in more_patterns)),
        id_patterns=(rf"-(\d{{10,}})\.{ext}$", *(i for _, i in more_patterns)),
        list_link_css=list_css,
        # No next link: pagination is the load-more endpoint in extra (see load_more_hook).
        next_page_css=(),
        extractor=extract,
        extractor_version=EXTRACTOR_VERSION,
        deny_url_patterns=_DENY,
        family=FAMILY,
        next_page=load_more_hook(load_more),
        extra={"load_more": load_more, "load_more_first_page": start_page,
               **({"verified_on": verified_on} if verified_on else {})},
    )



def detect(sel: Selector) -> bool:
    """The page marks its body and title with ``data-role``."""
    return bool(sel.css("[data-role=content]")) and bool(sel.css("[data-role=title]"))


PROFILES = [
    _profile("tuoitre", "Tuổi Trẻ", "tuoitre.vn",
             ("thoi-su.htm", "kinh-doanh.htm", "the-gioi.htm"),
             load_more="https://tuoitre.vn/timeline/{zone}/trang-{page}.htm"),
    _profile("nld", "Người Lao Động", "nld.com.vn",
             ("thoi-su.htm", "kinh-te.htm", "quoc-te.htm"),
             load_more="https://nld.com.vn/timelinelist/{zone}/{page}.htm"),
    # baochinhphu's list script says so itself: timeline.url = '/timelinelist/{0}/{1}.htm'.
    _profile("baochinhphu", "Báo điện tử Chính phủ", "baochinhphu.vn",
             ("chinh-sach-va-cuoc-song/chinh-sach-moi.htm", "kinh-te.htm", "xa-hoi.htm"),
             load_more="https://baochinhphu.vn/timelinelist/{zone}/{page}.htm"),
    _profile("cafef", "CafeF", "cafef.vn",
             ("thi-truong-chung-khoan.chn", "bat-dong-san.chn", "doanh-nghiep.chn"),
             ext="chn",
             list_css=(
                 ".tlitem h3 a::attr(href)",
                 # The /du-lieu/ data section's lists (ASP.NET, not this CMS's layout).
                 "a.docnhanhTitle::attr(href)",
                 ".list-focus-main h2 a::attr(href)",
                 ".list-focus-main h3 a::attr(href)",
                 ".cate-hl-row2 h3 a::attr(href)",
                 ".hl-info h2 a::attr(href)",
             ),
             load_more="https://cafef.vn/timelinelist/{zone}/{page}.chn",
             more_patterns=((CAFEF_DATA_PATTERN, CAFEF_DATA_ID_PATTERN),),
             verified_on=("twan507__cafef_list_tin-doanh-nghiep.html",)),
]
