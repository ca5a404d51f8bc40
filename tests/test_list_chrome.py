"""List pages of sites with no profile: links that only sit in page chrome (navigation,
header, footer, sidebars) are not the list's items. Markup shaped like the real category
pages in shared/html (a main column of ``article.story`` items beside ``box-sidebar-*`` and
``sub-column`` boxes; a ``section.has-sidebar`` holding the list; story items with their own
``<header>``)."""

from __future__ import annotations

from parsel import Selector

from crawler.discovery import article_links
from crawler.sites import generic_profile

BASE = "https://baovidu.vn/thoi-su/"


def story(n: int) -> str:
    return (f'<article class="story"><header><h2 class="story__heading">'
            f'<a class="cms-link" href="/tin-so-{n}-post{1000 + n}.html">Tin số {n}</a>'
            f'</h2></header><footer><time>01/09/2025 08:00</time></footer></article>')


def page(main: str) -> str:
    nav = "".join(f'<a href="/menu-{n}-post{9000 + n}.html">Menu {n}</a>' for n in range(3))
    side = "".join(f'<a href="/doc-nhieu-{n}-post{8000 + n}.html">Đọc nhiều {n}</a>'
                   for n in range(6))
    return (f'<html><body><header class="site-header"><nav>{nav}</nav></header>'
            f'<section class="section has-sidebar"><div class="main-column">{main}</div>'
            f'<div class="sub-column"><div class="box-sidebar-3">{side}</div></div>'
            f'<aside>{side}</aside></section>'
            f'<footer class="site-footer">{nav}</footer></body></html>')


def links(html: str) -> list[str]:
    return article_links(Selector(text=html), BASE, generic_profile(BASE))


def test_chrome_links_are_left_out_story_headers_kept() -> None:
    got = links(page("".join(story(n) for n in range(8))))
    assert got == [f"https://baovidu.vn/tin-so-{n}-post{1000 + n}.html" for n in range(8)]


def test_a_list_hidden_in_chrome_keeps_every_link() -> None:
    # Two items outside the chrome: too few to be the list, so nothing is filtered.
    got = links(page(story(0) + story(1)))
    assert len(got) == 2 + 3 + 6  # the items, the menu links, the sidebar links (each once)
