"""Images and their captions: the hero photo between the headline and the text block,
caption lines written as text next to their image ("Ảnh: ...", an italic line or a table
cell right after it), and photo stories, whose captions are their body.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.base import (
    Block,
)
from crawler.extract.generic.body import within
from crawler.extract.generic.credits import ROLE_CREDIT
from crawler.text import normalize_text


def hero_images(sel: Selector, container: Selector, url: str) -> list[dict[str, str | None]]:
    """The story's main photo when it sits between the headline and the text block (a
    ``figure`` with its caption above the body, as many CMSs place it)."""
    h1 = next(sel.root.iter("h1"), None)
    if h1 is None or within(h1, container.root):
        return []
    out: list[dict[str, str | None]] = []
    after_h1 = False
    for el in sel.root.iter():
        if el is h1:
            after_h1 = True
        elif el is container.root or len(out) >= 2:
            break
        elif after_h1 and el.tag == "figure" and not within(container.root, el):
            caption = next((normalize_text(" ".join(c.itertext()))
                            for c in el.iter("figcaption")), None)
            out += [{"url": i, "caption": caption or None}
                    for i in (_img_url(img, url) for img in el.iter("img")) if i]
    return out


def _img_url(img: Any, url: str) -> str | None:
    for attr in ("data-src", "data-original", "src"):
        value: str = (img.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            return urljoin(url, value)
    return None


_CAPTION_MARK = re.compile(r"(^|[\s.(])(Ảnh|Nguồn|Photo|Clip|Video)(\s+minh\s+họa)?\s*[:/]"
                           r"|^\(?Ảnh\b|Ảnh minh h[oọ]a", re.I)
_CAPTION_MAX = 300


def is_caption_line(text: str) -> bool:
    """A photo caption written as a line of text: a credit "Ảnh: ..." / "(Nguồn: ...)" or
    "Ảnh minh họa", and short; a story's own credit ("Tin và ảnh: ...") is a byline.

    >>> is_caption_line("Người dân xếp hàng chờ tiêm. Ảnh: Đức Anh")
    True
    >>> is_caption_line("Ảnh minh họa / Vietnam+"), is_caption_line("Người dân xếp hàng.")
    (True, False)
    >>> is_caption_line("Tin và ảnh: Nam Giang"), is_caption_line("Tin: Minh - Ảnh: Hiền")
    (False, False)
    """
    text = normalize_text(text)
    return len(text) <= _CAPTION_MAX and bool(_CAPTION_MARK.search(text)) \
        and not ROLE_CREDIT.match(text)


# "Tin và ảnh: X", "Bài, ảnh: X", "Tin: X - Ảnh: Y", "Thực hiện: X": a story's credits.
def captions_out(blocks: list[Block], images: list[dict[str, str | None]]) -> list[Block]:
    """Move caption lines written next to their image (the first line after it, or a short
    table cell right after it) into that image's caption."""
    out: list[Block] = []
    claimed: set[int] = set()
    for i, block in enumerate(blocks):
        n = block.images_before
        just_after = n > 0 and (i == 0 or blocks[i - 1].images_before < n)
        image = images[n - 1] if just_after else None
        if image is not None and n - 1 not in claimed and not ROLE_CREDIT.match(block.text) \
                and (is_caption_line(block.text)
                     or ((block.tag in ("td", "figcaption") or block.italic)
                         and len(block.text) <= _CAPTION_MAX)):
            claimed.add(n - 1)
            image["caption"] = image.get("caption") or block.text
            continue
        if is_caption_line(block.text) and len(block.text) <= 120 and n > 0 \
                and images[n - 1].get("caption") is None:
            images[n - 1]["caption"] = block.text
            continue
        out.append(block)
    return out


# Lines closing a story that point elsewhere: "Mời bạn đọc...", a bare "Xem thêm", or
# "Xem thêm: <another story>" written without a link (a video pointer).
def photo_story_text(blocks: list[Block], images: list[dict[str, str | None]]) -> list[Block]:
    """A photo story tells its story in captions: when they hold over twice as much text as
    the paragraphs around them, they are the body (taken out of the images, so that cleaning
    does not drop them from the body as caption repeats)."""
    captions = [c for i in images if (c := i.get("caption"))]
    prose = sum(len(b.text) for b in blocks)
    if len(captions) < 2 or sum(map(len, captions)) <= 2 * prose:
        return blocks
    out = list(blocks)
    seen: set[str] = set()
    for image in images:
        caption = image.get("caption")
        if caption and caption not in seen:
            seen.add(caption)
            out.append(Block(caption))
        image["caption"] = None
    return out


