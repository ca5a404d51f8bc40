"""Adding a site takes one profile module and one fixture recipe: a made-up outlet, baovidu.vn,
on the cms-post family's markup, is written to a temporary folder (nothing in the repository
changes), registered the documented way (SITES_EXTRA_MODULES for the profile, ``--recipe`` for
the builder), its copy generated and checked, then crawled from the local fixture server: every
article comes out, once, with every field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, run_crawl

from crawler.server import serve_in_thread

PROFILE_MODULE = '''
"""Báo Ví Dụ (made up): a site of the cms-post CMS family, like nhandan.vn and sggp.org.vn."""

from crawler.sites.baohatinh import sibling

PROFILES = [sibling("baovidu", "Báo Ví Dụ", "baovidu.vn", ("thoi-su", "kinh-te"))]
'''

RECIPE_MODULE = '''
"""baovidu.vn's copy: the cms-post family's markup, four articles (two on the topic page, one
on page 2, one reached only through a related box)."""

from collections.abc import Sequence
from typing import Any

from fixtures.markup.cmspost import cms_article, cms_list
from fixtures.markup.page import Item
from fixtures.recipes import Recipe, Site


def list_page(site: Site, page: int, items: Sequence[Item]) -> str:
    return cms_list(site.name, site.topic(), items, page, 2)


def article_page(site: Site, key: str) -> str:
    same_zone = [site.item(k) for k in site.content["pages"][0] if k != key][:2]
    return cms_article(site.name, site.page(key), site.topic(), same_zone, form="sggp")


def article(key: str, id_: str, title: str, day: int, related: list[str]) -> dict[str, Any]:
    return {
        "key": key, "id": id_, "title": title,
        "sapo": f"BVD - {title}: tin của phóng viên tại chỗ, ngày {day} tháng 8.",
        "body": [f"Đoạn {n} của bài {title.lower()}, viết cho bản sao thử nghiệm."
                 for n in (1, 2, 3)],
        "image": {"file": f"anh-{key}.jpg", "caption": f"Ảnh minh họa bài {key}."},
        "author": "Lê Văn Thử", "published": f"2025-08-{day:02d}T08:30:00+07:00",
        "section": "Thời sự", "related": related,
    }


CONTENT: dict[str, Any] = {
    "name": "Báo Ví Dụ",
    "topic": {"name": "Thời sự", "page2": "/thoi-su/?page=2"},
    "pages": [["a1", "a2"], ["a3"]],
    "articles": [
        article("a1", "700101", "Khánh thành cầu mới qua sông Lam", 29, ["a4"]),
        article("a2", "700102", "Giá lúa tăng sau vụ hè thu", 28, []),
        article("a3", "700103", "Mở thêm tuyến xe buýt nội tỉnh", 27, ["a1"]),
        article("a4", "700104", "Trường học sẵn sàng cho năm học mới", 26, []),
    ],
}

RECIPE = Recipe(
    profile="baovidu",
    content=CONTENT,
    article_path=lambda slug, id_, topic: f"/{slug}-post{id_}.html",
    image_url=lambda d, f: f"https://cdn.baovidu.vn/images/{d:%Y/%m/%d}/{f}",
    robots=("/tim-kiem/", "/api/"),
    list_page=list_page,
    article_page=article_page,
)
'''


@pytest.fixture(scope="module")
def new_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The throwaway profile + recipe, and the environment that registers them."""
    tmp = tmp_path_factory.mktemp("add_site")
    mods = tmp / "mods"
    mods.mkdir()
    (mods / "baovidu_site.py").write_text(textwrap.dedent(PROFILE_MODULE), "utf-8")
    (mods / "baovidu_recipe.py").write_text(textwrap.dedent(RECIPE_MODULE), "utf-8")
    path = os.pathsep.join(filter(None, (str(mods), os.environ.get("PYTHONPATH"))))
    return tmp, {"PYTHONPATH": path, "SITES_EXTRA_MODULES": "baovidu_site"}


def build_sites(env: dict[str, str], site_root: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fixtures.build_sites", "--recipe", "baovidu_recipe", "--only",
         "--site-root", str(site_root), *extra],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def spiders(env: dict[str, str]) -> list[str]:
    proc = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split()


def test_extra_profile_module_gives_a_spider(new_site: tuple[Path, dict[str, str]]) -> None:
    _, env = new_site
    without = {k: v for k, v in os.environ.items() if k != "SITES_EXTRA_MODULES"}
    assert "baovidu" not in spiders(without)
    assert "baovidu" in spiders({**without, **env})
    broken = {**without, **env, "SITES_EXTRA_MODULES": "baovidu_nowhere"}
    proc = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, env=broken,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "SITES_EXTRA_MODULES names 'baovidu_nowhere', which does not import" in proc.stderr


def test_new_site_is_generated_checked_and_crawled(
    new_site: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp, env = new_site
    site_root = tmp / "site"
    built = build_sites(env, site_root)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    host_dir = site_root / "baovidu.vn"
    assert (host_dir / "thoi-su" / "index.html").is_file()
    assert (host_dir / "thoi-su" / "index.html@page=2").is_file()
    assert (host_dir / "robots.txt").read_text("utf-8").startswith("User-agent: *\n")
    expected = set(json.loads((site_root / "expected_articles.json").read_text("utf-8"))
                   ["baovidu.vn"])
    assert len(expected) == 4 and all(u.startswith("https://baovidu.vn/") for u in expected)
    assert {p.name for p in host_dir.glob("*-post*.html")} == {u.rsplit("/", 1)[1]
                                                             for u in expected}
    # The builder's own check: up to date, and the profile's walk (its list selectors, next
    # page, extractor, related links) reaches exactly the expected articles.
    checked = build_sites(env, site_root, "--check")
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    assert checked.stdout.strip().endswith("OK")

    # The crawl: `scrapy crawl baovidu` exists because the registry read SITES_EXTRA_MODULES.
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    server, base = serve_in_thread(0, site_root)
    try:
        result = run_crawl("baovidu", base, tmp / "out", "-a", "max_pages=2", timeout=120)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.log[-3000:]
    urls = [item["url"] for item in result.items]
    assert set(urls) == expected, result.log[-3000:]
    assert [u for u, n in Counter(urls).items() if n > 1] == []
    titles = {"Khánh thành cầu mới qua sông Lam", "Giá lúa tăng sau vụ hè thu",
              "Mở thêm tuyến xe buýt nội tỉnh", "Trường học sẵn sàng cho năm học mới"}
    assert {item["title"] for item in result.items} == titles
    for item in result.items:
        assert item["site"] == "baovidu.vn"
        assert item["article_id"] == item["url"].rsplit("-post", 1)[1].removesuffix(".html")
        assert item["lead"].startswith(item["title"]), item["lead"]
        assert len(item["body"].split("\n\n")) >= 3, item["body"]
        assert all(f"Đoạn {n} của bài" in item["body"] for n in (1, 2, 3))
        assert item["authors"] == ["Lê Văn Thử"]
        assert item["published_at"].startswith("2025-08-") and item["published_at"].endswith(
            "T08:30:00+07:00")
        assert item["section"] == "Thời sự"
        assert item["tags"], item["url"]
        assert [i["url"] for i in item["images"]] and all(
            i["url"].startswith("https://cdn.baovidu.vn/images/2025/08/") for i in item["images"])
        assert all(i["caption"].startswith("Ảnh minh họa bài") for i in item["images"])
        assert item["language"] == "vi" and item["fingerprint"] and item["crawled_at"]
    by_title = {item["title"]: item for item in result.items}
    # The related-only article was reached through the first article's related box.
    assert [r["url"] for r in by_title["Khánh thành cầu mới qua sông Lam"]["related"]] == [
        by_title["Trường học sẵn sàng cho năm học mới"]["url"]]
