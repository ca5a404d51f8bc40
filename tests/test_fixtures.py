"""The committed offline site is exactly what the fixture builders generate, and it is sound:
links resolve, the crawl set matches expected_articles.json, the seed text is on the page."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pytest
from conftest import ROOT

from fixtures.build_sites import load_sites
from fixtures.recipes import Site


def test_fixture_site_is_up_to_date_and_consistent() -> None:
    proc = subprocess.run([sys.executable, "-m", "fixtures.build", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("OK")


def test_national_site_copies_are_up_to_date() -> None:
    proc = subprocess.run([sys.executable, "-m", "fixtures.build_sites", "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("OK")


def test_fixture_helpers_doctests() -> None:
    """fixtures/ is not collected (addopts --ignore=fixtures): its doctests run here."""
    from fixtures import common

    result = doctest.testmod(common)
    assert result.attempted >= 3 and result.failed == 0


@pytest.mark.parametrize("site", load_sites(), ids=lambda s: s.slug)
def test_recipe_follows_its_profile(site: Site) -> None:
    """A recipe is named like its profile, and what it does not take from the profile (host,
    topic page, load-more page 2) agrees with it: article URLs are the profile's article URLs
    with the content's ids."""
    profile = site.profile
    assert site.recipe.list_page.__module__ == f"fixtures.recipes.{site.slug}"
    assert site.host.removeprefix("www.") in profile.domains
    assert site.topic().url == profile.start_urls[0]
    # Page 2 is restated only where the topic page links it; a load-more URL is derived.
    assert ("page2" in site.content["topic"]) == (profile.next_page is None)
    for a in site.content["articles"]:
        url = site.base + site.path_of(a)
        assert profile.is_article_url(url), url
        assert profile.article_id(url) == a["id"], url
