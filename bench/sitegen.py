"""A synthetic copy of baohatinh.vn at any size, for the crawl and extraction benchmarks.

Pages are built from the real-shaped fixture pages in ``fixtures/site/baohatinh.vn`` (the 33
article pages and a topic list page): each template is compiled once into literal chunks and
slots (title, lead, body, dates, story items, padding), so a page is one ``"".join`` away.
Every article gets its own title, lead and body drawn from the fixtures' own syllables with a
per-article RNG, so URLs, ids, fingerprints and MinHash signatures all differ, exactly as on
a real site where no two articles share a body.

Real article pages weigh 150-500 KB, not the fixtures' 35-60 KB: the weight is inline scripts
(ad loaders, tracking, app state), an SVG icon sprite, a mega menu, sidebars and footer link
lists. We pad with the same kinds of markup, so the parser does realistic work (scripts are
cheap raw text for lxml, menus and story items are real DOM nodes), never with one comment.

Layout is the fixture server's (``<root>/baohatinh.vn/<path>``, ``index.html@page=N``), so
``python -m crawler serve --root DIR`` serves a generated folder; ``bench.lazy_server``
renders the same bytes on the fly from the URL (for sizes that do not fit on disk).

    .venv/bin/python -m bench.sitegen --articles 5000 --out /tmp/site
"""

from __future__ import annotations

import argparse
import functools
import html
import multiprocessing
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fixtures.common import slugify as fixture_slugify

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SITE = ROOT / "fixtures" / "site" / "baohatinh.vn"
HOST = "baohatinh.vn"
BASE = f"https://{HOST}"
CDN = "https://cdn.baohatinh.vn"
# Ids far above the fixtures' (~295000) so generated and fixture URLs can never collide.
ID_BASE = 400_000
PER_PAGE = 20
# The newest article is published at this instant; each older one 10 minutes earlier.
NEWEST_EPOCH = 1756652400  # 2025-08-31T22:00:00+07:00
STEP_SECONDS = 600
# Topics = the main menu's sections (the ones whose pages the templates' menus link to).
TOPICS: tuple[tuple[str, str], ...] = (
    ("chinh-tri", "Chính trị"),
    ("kinh-te", "Kinh tế"),
    ("xa-hoi", "Xã hội"),
    ("ve-ha-tinh", "Về Hà Tĩnh"),
    ("van-hoa-giai-tri", "Văn hóa - Giải trí"),
    ("the-thao", "Thể thao"),
    ("phap-luat", "Pháp luật"),
    ("quoc-te", "Quốc tế"),
    ("ban-doc", "Bạn đọc"),
)
# Page weights (bytes): real article pages of this CMS span 150-500 KB, most near 250 KB.
SIZE_MIN, SIZE_MODE, SIZE_MAX = 150_000, 250_000, 500_000

_SLOT = re.compile(r"\x00([^\x00]*)\x00")
_STORY = re.compile(r'[ \t]*<article class="story[^"]*">.*?</article>', re.S)
_TAG = re.compile(r"<[^>]+>")


def _slot(name: str) -> str:
    return f"\x00{name}\x00"


# --- vocabulary -----------------------------------------------------------------------------


@functools.cache
def vocabulary() -> tuple[str, ...]:
    """Syllables of the fixture articles' body paragraphs (real Vietnamese letter mix)."""
    words: list[str] = []
    for page in sorted(FIXTURE_SITE.glob("*-post*.html")):
        text = page.read_text("utf-8")
        for para in re.findall(r"<p>(.*?)</p>", text, re.S):
            plain = html.unescape(_TAG.sub(" ", para))
            words += [w for w in re.findall(r"\w+", plain) if not w.isdigit()]
    pool = sorted({w.lower() for w in words})
    if len(pool) < 200:
        raise SystemExit(f"only {len(pool)} syllables in {FIXTURE_SITE}: fixtures missing?")
    return tuple(pool)


@functools.cache
def _stream() -> tuple[str, ...]:
    """A long seeded stream of syllables: a sentence is a slice of it at a random offset.

    Slicing is ~10x cheaper than drawing each word, and two articles' slices overlap with
    negligible probability, so bodies stay distinct (no near-duplicates among them)."""
    rng = random.Random(3)
    words = rng.choices(vocabulary(), k=_STREAM)
    # A number now and then, as news prose has (dates, amounts).
    for k in range(0, _STREAM, 23):
        words[k] = str(rng.randint(2, 2025))
    return tuple(words)


_STREAM = 1 << 20


def _sentence(rng: random.Random, lo: int, hi: int) -> str:
    n = rng.randint(lo, hi)
    start = rng.randrange(_STREAM - n)
    text = " ".join(_stream()[start:start + n])
    return text[:1].upper() + text[1:]


def slugify(title: str) -> str:
    """The CMS's slug (cms-post family: number punctuation becomes a hyphen)."""
    return fixture_slugify(title, numbers_joined=False)


@dataclass(frozen=True)
class Meta:
    """What other pages need to know about article i (story items, list pages)."""

    i: int
    title: str
    lead: str
    url: str
    epoch: int
    image: str

    @property
    def id(self) -> int:
        return ID_BASE + self.i


def _iso(epoch: int, compact: bool = False) -> str:
    t = time.gmtime(epoch + 7 * 3600)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ("+0700" if compact else "+07:00")


def _display(epoch: int) -> str:
    return time.strftime("%d/%m/%Y %H:%M", time.gmtime(epoch + 7 * 3600))


def _cdn_image(seed: int, name: str) -> str:
    key = f"{seed * 2654435761 % 2**64:016x}{seed * 40503 % 2**32:08x}" * 2
    return f"{CDN}/images/{key}/{name}"


# --- pads: the weight of real pages -----------------------------------------------------------


def _svg_sprite() -> str:
    """The inline icon sprite (one per page on the real site, identical on every page)."""
    rng = random.Random(7)
    names = (  # noqa: SIM905 (a list of words reads better as one text)
        "home search facebook zalo youtube rss print mail phone clock eye comment share "
        "play camera arrow-left arrow-right arrow-up close menu user tag star bookmark "
        "weather gold exchange calendar video photo podcast emagazine infographic longform "
        "quote download upload link check warning info plus minus lock unlock").split()
    symbols = []
    for name in names:
        points = " ".join(f"{rng.uniform(0, 24):.2f} {rng.uniform(0, 24):.2f}"
                          for _ in range(rng.randint(40, 90)))
        symbols.append(f'<symbol id="ic-{name}" viewBox="0 0 24 24"><path fill="currentColor" '
                       f'd="M{points}Z"/></symbol>')
    return ('<svg xmlns="http://www.w3.org/2000/svg" style="display:none" aria-hidden="true">'
            + "".join(symbols) + "</svg>\n")


def _mega_menu() -> str:
    """The drop-down mega menu: every section with its sub-sections (no article links)."""
    rng = random.Random(11)
    cols = []
    for slug, name in (*TOPICS, ("video", "Video"), ("anh", "Ảnh"), ("emagazine", "eMagazine")):
        items = []
        for _ in range(rng.randint(14, 22)):
            sub = _sentence(rng, 2, 5)
            items.append(f'<li class="mega-item"><a href="{BASE}/{slug}/{slugify(sub)}/" '
                         f'title="{sub}">{sub}</a></li>')
        cols.append(f'<div class="mega-col"><a class="mega-title" href="{BASE}/{slug}/" '
                    f'title="{name}">{name}</a><ul class="mega-list">{"".join(items)}</ul></div>')
    return ('<div class="mega-menu" id="mega-menu"><div class="container"><div class="mega-grid">'
            + "\n".join(cols) + "</div></div></div>\n")


def _footer_links() -> str:
    rng = random.Random(13)
    groups = []
    for slug, name in TOPICS:
        links = "".join(
            f'<a href="{BASE}/chu-de/{slugify(t)}-{rng.randint(10, 400)}.html" title="{t}">{t}</a>'
            for t in (_sentence(rng, 3, 7) for _ in range(10))
        )
        groups.append(f'<div class="footer__group"><h4><a href="{BASE}/{slug}/">{name}</a></h4>'
                      f'<div class="footer__topics">{links}</div></div>')
    return '<div class="footer__sitemap">' + "".join(groups) + "</div>\n"


def _script_pool(size: int = 700_000) -> str:
    """Minified-looking JavaScript (ad core, tracking, lazy loading, app state)."""
    rng = random.Random(17)
    parts: list[str] = []
    total = 0
    shapes = (
        '!function(e,t){{"object"==typeof exports?module.exports=t():e.m{a}=t()}}(this,function()'
        '{{var n{a}=function(e){{return e&&e.getAttribute("data-src")||""}},r{b}={{w:{w},h:{h},'
        'zone:"{z}"}};return{{init:function(e){{for(var t=0;t<e.length;t++)n{a}(e[t])}},'
        'cfg:r{b}}}}});',
        'window.sdaZones=window.sdaZones||{{}};window.sdaZones["z{a}"]={{"id":{b},"w":{w},"h":{h},'
        '"pos":"Web_Sda{z}","rot":[{b},{a},{w}],"fl":"//media.baohatinh.vn/sda/{a}.js"}};',
        'function t{a}(e,t){{var n=document.createElement("script");n.async=!0;n.src=e+"?v={b}";'
        'n.onload=t;(document.head||document.body).appendChild(n)}}t{a}("//static.cdn/{z}.js",'
        'function(){{window.__ld{b}=!0}});',
        'var __st{a}={{"zone":{b},"items":[{w},{h},{a},{b}],"title":"{z}","ab":"{t}"}};',
    )
    while total < size:
        chunk = rng.choice(shapes).format(
            a=rng.randint(100, 99999), b=rng.randint(1000, 999999), w=rng.choice((300, 728, 970)),
            h=rng.choice((250, 90, 600)), z="".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=8)),
            t=rng.randint(0, 9))
        parts.append(chunk)
        total += len(chunk)
    return "".join(parts)


@functools.cache
def _pads() -> tuple[bytes, bytes, bytes, bytes]:
    # Pre-encoded: pages are assembled as bytes, so nothing big is ever encoded per page.
    return (_svg_sprite().encode(), _mega_menu().encode(), _footer_links().encode(),
            _script_pool().encode())


def _scripts(rng: random.Random, nbytes: int) -> bytes:
    """nbytes of inline scripts in 1-4 blocks, sliced at different offsets of the pool."""
    pool = _pads()[3]
    if nbytes <= 200:
        return b""
    blocks = []
    left = nbytes
    for _ in range(rng.randint(1, 4)):
        take = min(left, len(pool) - 1)
        start = rng.randrange(0, len(pool) - take) if take < len(pool) else 0
        end = pool.rfind(b";", start, start + take) + 1 or start + take
        blocks.append(b'<script type="text/javascript">' + pool[start:end] + b"</script>\n")
        left -= end - start + 40
        if left <= 200:
            break
    return b"".join(blocks)


# --- templates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    # Literal (UTF-8 bytes), slot name, literal, slot name, ..., literal.
    parts: tuple[bytes | str, ...]
    name: str


def _compile(text: str, name: str) -> Template:
    parts = _SLOT.split(text)
    return Template(tuple(p.encode() if n % 2 == 0 else p for n, p in enumerate(parts)), name)


def _story_slot(block: str) -> str:
    kind = ("f" if "story__thumb" in block else "") + ("s" if "story__summary" in block else "")
    kind += "t" if "<time" in block else ""
    return _slot(f"S:{kind}")


def _div_end(text: str, start: int) -> int:
    """Index just past the </div> closing the div opened at start."""
    depth, pos = 0, start
    for m in re.finditer(r"<div\b|</div>", text[start:]):
        depth += 1 if m.group(0) == "<div" else -1
        if depth == 0:
            return start + m.end()
        pos = start + m.end()
    raise ValueError(f"unclosed div at {start} (last seen {pos})")


def _add_pads(text: str) -> str:
    text = text.replace("</head>", _slot("PAD_HEAD") + "</head>", 1)
    text = re.sub(r"(<body[^>]*>\n)", lambda m: m.group(1) + _slot("SVG"), text, count=1)
    text = text.replace("</nav>\n</header>", "</nav>\n" + _slot("MENU") + "</header>", 1)
    text = text.replace('<div class="col-lg-4 sidebar sidebar-right">\n',
                        '<div class="col-lg-4 sidebar sidebar-right">\n' + _slot("SIDEBAR"), 1)
    text = text.replace("</footer>", _slot("FOOTER") + "</footer>", 1)
    return text.replace("</body>", _slot("PAD_BODY") + "</body>", 1)


def compile_article(text: str, name: str) -> Template | None:
    """An article fixture page as a template; None when its shape is not the usual one."""
    own = re.search(r'<link rel="canonical" href="https://baohatinh\.vn/([a-z0-9-]+-post\d+)'
                    r'\.html">', text)
    title = re.search(r'<h1 class="article__title cms-title">(.*?)</h1>', text)
    lead = re.search(r'<meta property="og:description" content="([^"]*)">', text)
    published = re.search(r'<meta property="article:published_time" content="([^"]+)">', text)
    data_time = re.search(r'<div class="article__meta"><time class="time" datetime="([^"]+)" '
                          r'data-time="(\d+)">([^<]+)</time>', text)
    body_at = text.find('<div class="article__body')
    if not (own and title and lead and published and data_time) or body_at < 0:
        return None
    end = _div_end(text, body_at)
    open_tag = text[body_at:text.index(">", body_at) + 1]
    text = text[:body_at] + open_tag + "\n" + _slot("BODY") + "\n</div>" + text[end:]
    text = _STORY.sub(lambda m: _story_slot(m.group(0)), text)
    text = re.sub(r'<meta property="article:modified_time" content="[^"]+">\n', "", text)
    for old, slot in (
        (own.group(1), "SLUGID"),
        (title.group(1), "TITLE"),
        (lead.group(1), "LEAD"),
        (published.group(1), "ISO"),
        (data_time.group(1), "ISO_COMPACT"),
        (f'data-time="{data_time.group(2)}"', 'data-time="\x00EPOCH\x00"'),
        (data_time.group(3), "DISPLAY"),
    ):
        text = text.replace(old, _slot(slot) if not slot.startswith("data") else slot)
    return _compile(_add_pads(text), name)


def compile_list(text: str) -> Template:
    """The topic list fixture page as a template (stories, pagination, names as slots)."""
    start = text.index('<div class="box-content content-list"')
    end = _div_end(text, start)
    text = (text[:start] + '<div class="box-content content-list" data-source="zone-timeline-'
            + _slot("ZONE") + '">\n' + _slot("LIST") + "\n            </div>" + text[end:])
    pag = text.index('<div class="box-pagination">')
    text = text[:pag] + _slot("PAGES") + text[_div_end(text, pag):]
    text = _STORY.sub(lambda m: _story_slot(m.group(0)), text)
    text = re.sub(r'<link rel="canonical" href="[^"]+">',
                  f'<link rel="canonical" href="{_slot("SELF")}">', text)
    text = re.sub(r'<meta property="og:url" content="[^"]+">',
                  f'<meta property="og:url" content="{_slot("SELF")}">', text)
    text = re.sub(r"<title>.*?</title>", f"<title>{_slot('PAGE_TITLE')}</title>", text)
    text = re.sub(r'(<h1 class="box-heading">\s*<a class="title" href=")[^"]+(" title=")[^"]+'
                  r'(">)[^<]+(</a>)',
                  lambda m: (m.group(1) + _slot("TOPIC_URL") + m.group(2) + _slot("TOPIC")
                             + m.group(3) + " " + _slot("TOPIC") + " " + m.group(4)), text)
    return _compile(_add_pads(text), "list")


@functools.cache
def templates() -> tuple[tuple[Template, ...], Template]:
    arts = []
    for page in sorted(FIXTURE_SITE.glob("*-post*.html")):
        tpl = compile_article(page.read_text("utf-8"), page.name)
        if tpl is not None:
            arts.append(tpl)
    if not arts:
        raise SystemExit(f"no article template found in {FIXTURE_SITE}")
    listing = compile_list((FIXTURE_SITE / "chinh-tri" / "index.html@page=2").read_text("utf-8"))
    return tuple(arts), listing


# --- the site ---------------------------------------------------------------------------------


class Site:
    """A deterministic site of n articles over TOPICS; every page is a pure function of its URL."""

    def __init__(self, n: int, per_page: int = PER_PAGE):
        if n < len(TOPICS):
            raise ValueError(f"need at least {len(TOPICS)} articles")
        self.n = n
        self.per_page = per_page
        self._meta = functools.lru_cache(maxsize=250_000)(self._make_meta)

    # articles: i in [0, n); article i belongs to topic i % len(TOPICS), newest first

    def _make_meta(self, i: int) -> Meta:
        rng = random.Random(i)
        title = _sentence(rng, 8, 15)
        lead = _sentence(rng, 22, 40) + "."
        url = f"{BASE}/{slugify(title)}-post{ID_BASE + i}.html"
        return Meta(i, title, lead, url, NEWEST_EPOCH - i * STEP_SECONDS,
                    _cdn_image(i, f"bqbht_br_{i}.jpg"))

    def meta(self, i: int) -> Meta:
        return self._meta(i)

    def topic_of(self, i: int) -> int:
        return i % len(TOPICS)

    def topic_count(self, t: int) -> int:
        return (self.n - t + len(TOPICS) - 1) // len(TOPICS)

    def pages_of(self, t: int) -> int:
        return -(-self.topic_count(t) // self.per_page)

    def topic_urls(self) -> list[str]:
        return [f"{BASE}/{slug}/" for slug, _ in TOPICS]

    def article_urls(self) -> Iterator[str]:
        return (self.meta(i).url for i in range(self.n))

    def page_count(self) -> int:
        """Pages a full crawl fetches: articles + list pages (robots.txt not counted)."""
        return self.n + sum(self.pages_of(t) for t in range(len(TOPICS)))

    def _others(self, i: int, k: int) -> int:
        """The article shown in story slot k of page i: spread over the site, never i."""
        j = (i * 7919 + (k + 1) * 104729) % self.n
        return j if j != i else (j + 1) % self.n

    def story(self, m: Meta, kind: str) -> str:
        title = m.title
        parts = ['<article class="story">' if "f" in kind
                 else '<article class="story no-photo">']
        if "f" in kind:
            parts.append(
                f'<figure class="story__thumb"><a class="cms-link" href="{m.url}" '
                f'title="{title}"><img class=" lazyloaded" src="{m.image}" data-src="{m.image}" '
                f'data-srcset="{m.image} 1x, {m.image} 2x" alt="{title}" '
                f'srcset="{m.image} 1x, {m.image} 2x"><noscript><img src="{m.image}" '
                f'alt="{title}" class="image-fallback"></noscript></a></figure>')
        parts.append(f'<h2 class="story__heading" data-tracking="{m.id}"><a class=" cms-link" '
                     f'href="{m.url}" title="{title}"> {title} </a></h2>')
        if "t" in kind:
            parts.append(f'<time class="time" datetime="{_iso(m.epoch, True)}" '
                         f'data-time="{m.epoch}">{_display(m.epoch)}</time>')
        if "s" in kind:
            parts.append(f'<div class="story__summary story__shorten"> {m.lead} </div>')
        parts.append("</article>")
        return "\n".join(parts)

    def _sidebar(self, seed: int, rng: random.Random) -> str:
        boxes = []
        for b, (css, name) in enumerate((("box-video zone--secondary", "Video"),
                                         ("box-photo zone--secondary", "Ảnh"),
                                         ("box-focus zone--secondary", "Tiêu điểm"))):
            stories = "\n".join(self.story(self.meta(self._others(seed, 40 + b * 10 + k)),
                                           "ft" if k == 0 else "")
                                for k in range(rng.randint(5, 9)))
            boxes.append(f'<div class="{css}"><h3 class="box-heading"><span class="title">{name}'
                         f'</span></h3><div class="box-content">{stories}</div></div>\n')
        return "".join(boxes)

    def _body(self, m: Meta, rng: random.Random) -> str:
        # ~700 syllables over 8-18 paragraphs: a typical Báo Hà Tĩnh news story.
        paras = [f"<p>{_sentence(rng, 12, 30)}. {_sentence(rng, 8, 24)}, "
                 f"{_sentence(rng, 6, 16).lower()}.</p>"
                 for _ in range(rng.randint(8, 18))]
        for k in range(rng.randint(1, 4)):
            name = f"bqbht_br_{m.i}-{k}.jpg"
            src = _cdn_image(m.i * 10 + k, name)
            paras.insert(
                rng.randrange(1, len(paras)),
                '<table class="picture" align="center"><tbody><tr><td class="pic">'
                f'<img data-image-id="{m.id * 10 + k}" src="{src}" data-src="{src}" alt="{name}"'
                f' title="{name}" class="cms-photo" data-width="1200" data-height="800"></td></tr>'
                f'<tr><td class="caption"><p>{_sentence(rng, 8, 18)}.</p></td></tr></tbody>'
                "</table>")
        paras.insert(2, '<div class="sda_middle"><div id="sdaWeb_SdaArticleMiddle" class="rennab" '
                        'data-platform="1" data-position="Web_SdaArticleMiddle"><script '
                        'type="text/javascript">(function(w){w.sdaQueue=w.sdaQueue||[];'
                        "w.sdaQueue.push({zone:'Web_SdaArticleMiddle',el:'sdaWeb_SdaArticle"
                        "Middle'});})(window);</script></div></div>")
        author = " ".join(w.capitalize() for w in rng.choices(vocabulary(), k=2))
        paras.append(f'<p style="text-align: right;"><strong>{author}</strong></p>')
        return "\n".join(paras)

    def _render(self, tpl: Template, values: dict[str, str], seed: int,
                rng: random.Random) -> bytes:
        svg, menu, footer, _ = _pads()
        # Fixed pads first, in the order a real page has them; scripts make up the rest.
        target = int(rng.triangular(SIZE_MIN, SIZE_MAX, SIZE_MODE))
        fixed = {"SVG": svg, "MENU": menu, "FOOTER": footer}
        values = {"SIDEBAR": self._sidebar(seed, rng), **values}
        out: list[bytes] = []
        pad_at: list[int] = []
        k = 0
        for part in tpl.parts:
            if isinstance(part, bytes):
                out.append(part)
            elif part.startswith("S:"):
                out.append(self.story(self.meta(self._others(seed, k)), part[2:]).encode())
                k += 1
            elif part in ("PAD_HEAD", "PAD_BODY"):
                pad_at.append(len(out))  # filled below, once the page's size is known
                out.append(b"")
            else:
                out.append(fixed[part] if part in fixed else values[part].encode())
        missing = max(0, target - sum(map(len, out)))
        for n, at in enumerate(pad_at):
            share = missing // 3 if n == 0 else missing
            out[at] = _scripts(rng, share)
            missing -= len(out[at])
        return b"".join(out)

    def article_page(self, i: int) -> bytes:
        m = self.meta(i)
        arts, _ = templates()
        tpl = arts[i % len(arts)]
        rng = random.Random(i * 31 + 7)
        slug_id = m.url[len(BASE) + 1:-len(".html")]
        values = {
            "SLUGID": slug_id, "TITLE": m.title, "LEAD": m.lead,
            "ISO": _iso(m.epoch), "ISO_COMPACT": _iso(m.epoch, True),
            "EPOCH": str(m.epoch), "DISPLAY": _display(m.epoch), "BODY": self._body(m, rng),
        }
        return self._render(tpl, values, i, rng)

    def topic_page(self, t: int, page: int) -> bytes | None:
        total = self.pages_of(t)
        if not 1 <= page <= total:
            return None
        slug, name = TOPICS[t]
        first = (page - 1) * self.per_page
        items = [t + len(TOPICS) * pos
                 for pos in range(first, min(first + self.per_page, self.topic_count(t)))]
        base = f"{BASE}/{slug}/"
        self_url = base if page == 1 else f"{base}?page={page}"
        values = {
            "ZONE": str(2 + t * 2), "SELF": self_url, "TOPIC": name, "TOPIC_URL": base,
            "PAGE_TITLE": f"{name} - Báo Hà Tĩnh" if page == 1
            else f"{name} - Trang {page} - Báo Hà Tĩnh",
            "LIST": "\n".join(self.story(self.meta(i), "fts") for i in items),
            "PAGES": _pagination(base, page, total),
        }
        seed = self.n + t * 100_003 + page
        return self._render(templates()[1], values, seed % self.n, random.Random(seed))

    def resolve(self, path: str, query: str) -> bytes | None:
        """The page at https://baohatinh.vn/PATH?QUERY (the fixture server's view of a folder)."""
        m = re.fullmatch(r"/[a-z0-9-]+-post(\d+)\.html", path)
        if m:
            i = int(m.group(1)) - ID_BASE
            if 0 <= i < self.n and self.meta(i).url == BASE + path:
                return self.article_page(i)
            return None
        if path == "/robots.txt":
            return (FIXTURE_SITE / "robots.txt").read_bytes()
        for t, (slug, _) in enumerate(TOPICS):
            if path == f"/{slug}/":
                page = re.fullmatch(r"page=(\d+)", query)
                return self.topic_page(t, int(page.group(1)) if page else 1)
        return None

    def files(self) -> Iterator[tuple[str, bytes]]:
        """(path under <root>/baohatinh.vn, bytes) of every page, in the fixture layout."""
        yield "robots.txt", (FIXTURE_SITE / "robots.txt").read_bytes()
        for t, (slug, _) in enumerate(TOPICS):
            for page in range(1, self.pages_of(t) + 1):
                name = "index.html" if page == 1 else f"index.html@page={page}"
                yield f"{slug}/{name}", self.topic_page(t, page) or b""
        for i in range(self.n):
            yield self.meta(i).url[len(BASE) + 1:], self.article_page(i)


def _pagination(base: str, current: int, total: int) -> str:
    """ul.pagination as the CMS writes it: prev, a window of numbers, last, next."""
    def href(n: int) -> str:
        return base if n == 1 else f"{base}?page={n}"

    items = []
    if current > 1:
        items.append(f'<li class="page-item"><a class="page-link prev" rel="prev" '
                     f'href="{href(current - 1)}">‹</a></li>')
    shown = sorted({1, total, *range(max(1, current - 2), min(total, current + 2) + 1)})
    for n in shown:
        cls = "page-item active" if n == current else "page-item"
        items.append(f'<li class="{cls}"><a class="page-link" href="{href(n)}">{n}</a></li>')
    if current < total:
        items.append(f'<li class="page-item"><a class="page-link next" rel="next" '
                     f'href="{href(current + 1)}">›</a></li>')
    return ('<div class="box-pagination">\n<ul class="pagination">\n' + "\n".join(items)
            + "\n</ul>\n</div>")


def _write_share(args: tuple[Path, int, int, int]) -> int:
    root, n, share, shares = args
    site = Site(n)
    written = 0
    for k, (rel, data) in enumerate(site.files()):
        if k % shares == share:
            path = root / HOST / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written += len(data)
    return written


def generate(root: Path, n: int, workers: int = 0) -> tuple[Site, int]:
    """Write the site of n articles under root/baohatinh.vn; returns it and the bytes written.

    Pages are rendered and written by one process per core: rendering is ~1 ms of CPU per page
    and writing 300 KB costs about as much again in the kernel."""
    workers = workers or os.cpu_count() or 1
    jobs = [(root, n, share, workers) for share in range(workers)]
    if workers == 1:
        written = _write_share(jobs[0])
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            written = sum(pool.map(_write_share, jobs))
    return Site(n), written


def main() -> int:
    parser = argparse.ArgumentParser(description="generate a synthetic baohatinh.vn copy")
    parser.add_argument("--articles", "-n", type=int, default=5000)
    parser.add_argument("--out", type=Path, required=True, help="root folder (fixture layout)")
    args = parser.parse_args()
    start = time.perf_counter()
    site, written = generate(args.out, args.articles)
    elapsed = time.perf_counter() - start
    print(f"{site.page_count():,} pages ({args.articles:,} articles), {written / 1e6:,.0f} MB, "
          f"{written / site.page_count() / 1e3:,.0f} KB/page, in {elapsed:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
