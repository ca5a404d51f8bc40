"""A site that changes its layout makes the run fail loudly, not emit empty articles."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import SITE_ROOT, load_expected_articles, run_crawl

from crawler.server import serve_in_thread


def redesigned_copy(tmp: Path, rewrite: Callable[[Path, str], str]) -> Path:
    root = tmp / "site"
    shutil.copytree(SITE_ROOT, root)
    for page in (root / "baohatinh.vn").rglob("*.htm*"):
        text = page.read_text("utf-8")
        page.write_text(rewrite(page, text), "utf-8")
    return root


@pytest.fixture
def serve() -> Iterator[Callable[[Path], str]]:
    servers = []

    def start(root: Path) -> str:
        server, base = serve_in_thread(0, root)
        servers.append(server)
        return base

    yield start
    for server in servers:
        server.shutdown()


def test_article_body_renamed_fails_the_run(tmp_path: Path, serve: Callable[[Path], str]) -> None:
    # The redesign renames the body container: the profile refuses every article page. The
    # generic layer still extracts them (whole articles, no empty ones), and the run fails
    # loudly all the same: the profile missing the article on most pages is layout drift past
    # the threshold.
    root = redesigned_copy(tmp_path, lambda p, t: t.replace("article__body", "detail__content")
                           .replace("cms-body", "detail-body")
                           .replace('itemprop="articleBody"', ""))
    result = run_crawl("baohatinh", serve(root), tmp_path / "out")
    assert result.returncode == 3, result.log[-2000:]
    assert result.manifest["status"] == "failed"
    assert result.manifest["reason"].startswith("layout_changed: baohatinh.vn: article missing")
    failure = result.manifest["health"][0]
    assert failure["site"] == "baohatinh.vn" and failure["field"] == "article"
    assert failure["kind"] == "fallback_filled"
    assert failure["share"] > 0.5 and failure["pages"] >= 10
    assert all(u.startswith("https://baohatinh.vn/") for u in failure["urls"])
    assert "layout changed on baohatinh.vn" in result.log
    assert "layout drift on baohatinh.vn" in result.log
    assert result.manifest["layout_drift"][0]["field"] == "article"
    assert all(i["title"] and i["body"] for i in result.items)


def test_missing_dates_fail_the_run(tmp_path: Path, serve: Callable[[Path], str]) -> None:
    # Dates vanish from article pages (meta, JSON-LD and the visible time element).
    def strip_dates(page: Path, text: str) -> str:
        if "-post" not in page.name:
            return text
        text = re.sub(r'<meta property="article:(published|modified)_time"[^>]*>', "", text)
        text = re.sub(r'"date(Published|Modified)":\s*"[^"]*",?', "", text)
        return re.sub(r'<time class="time" datetime="[^"]*"', '<time class="time"', text)

    root = redesigned_copy(tmp_path, strip_dates)
    result = run_crawl("baohatinh", serve(root), tmp_path / "out")
    assert result.returncode == 3, result.log[-2000:]
    fields = {f["field"] for f in result.manifest["health"]}
    assert "published_at" in fields


def test_topic_page_without_links_fails_the_run(tmp_path: Path,
                                                serve: Callable[[Path], str]) -> None:
    root = redesigned_copy(tmp_path, lambda p, t: t.replace("story__heading", "card__title")
                           .replace("story__thumb", "card__thumb"))
    result = run_crawl("baohatinh", serve(root), tmp_path / "out")
    assert result.returncode == 3
    failure = result.manifest["health"][0]
    assert failure["field"] == "article_links"
    topics = {"https://baohatinh.vn/", "https://baohatinh.vn/chinh-tri/",
              "https://baohatinh.vn/kinh-te/", "https://baohatinh.vn/xa-hoi/"}
    assert failure["urls"][0] in topics


def test_healthy_run_exits_zero_with_no_failures(tmp_path: Path,
                                                 serve: Callable[[Path], str]) -> None:
    result = run_crawl("baohatinh", serve(SITE_ROOT), tmp_path / "out")
    assert result.returncode == 0
    assert result.manifest["health"] == []
    assert result.manifest["urls"]["counts"]["emitted"] == len(result.items) == len(
        load_expected_articles()["baohatinh.vn"])
