"""The project's Scrapy add-ons (crawler/addons.py): settings in, settings out, priorities.

The command line (``-s``) must still win over what an add-on sets, and an add-on must win
over settings.py's own value of what it relaxes (``DOWNLOAD_DELAY = 0.5`` under a mirror).
"""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.addons import AddonManager
from scrapy.crawler import AsyncCrawlerRunner, Crawler, CrawlerRunner
from scrapy.settings import SETTINGS_PRIORITIES, Settings
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import is_reactor_installed
from scrapy.utils.test import get_reactor_settings

from crawler import settings as project
from crawler.addons import FeedOptions, MirrorPoliteness, RedisMode
from spiders.baohatinh import BaohatinhSpider

SPIDER = SETTINGS_PRIORITIES["spider"]
CMDLINE = SETTINGS_PRIORITIES["cmdline"]
MIRROR = "http://127.0.0.1:8000"
PROJECT_FEED = "%(feed_dir)s/%(name)s-%(run_id)s.jsonl"


def settings(**cmdline: Any) -> Settings:
    """settings.py at project priority, ``cmdline`` as if given with ``-s``."""
    out = Settings()
    out.setmodule(project, priority="project")
    out.setdict(cmdline, priority="cmdline")
    return out


def crawler_for(spidercls: type[Any] = BaohatinhSpider, **cmdline: Any) -> Crawler:
    """A crawler made the way ``scrapy crawl`` makes it (runner, then the crawl's settings
    step that runs the add-ons), with no reactor and no project extensions."""
    values = settings(**cmdline)
    values.setdict({"EXTENSIONS": {}, "ITEM_PIPELINES": {}, **get_reactor_settings()},
                   priority="cmdline")
    runner = CrawlerRunner(values) if is_reactor_installed() else AsyncCrawlerRunner(values)
    crawler = runner.create_crawler(spidercls)
    crawler._apply_settings()
    return crawler


# --- mirror politeness --------------------------------------------------------------------------


def test_mirror_relaxes_politeness_above_settings_py() -> None:
    s = settings(MIRROR=MIRROR)
    assert s.getfloat("DOWNLOAD_DELAY") == 0.5
    MirrorPoliteness().update_settings(s)
    assert s.getfloat("DOWNLOAD_DELAY") == project.MIRROR_DOWNLOAD_DELAY == 0.0
    assert s.getbool("AUTOTHROTTLE_ENABLED") is False
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 16
    assert s.getpriority("DOWNLOAD_DELAY") == SPIDER


def test_command_line_politeness_wins_over_the_mirror() -> None:
    s = settings(MIRROR=MIRROR, DOWNLOAD_DELAY=2, MIRROR_CONCURRENT_REQUESTS_PER_DOMAIN=3)
    MirrorPoliteness().update_settings(s)
    assert s.getfloat("DOWNLOAD_DELAY") == 2.0 and s.getpriority("DOWNLOAD_DELAY") == CMDLINE
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 3


@pytest.mark.parametrize(("given", "relaxed"), [({}, False), ({"REPLAY": "a.warc.gz"}, True)])
def test_no_mirror_no_relaxing_and_replay_relaxes(given: dict[str, Any], relaxed: bool) -> None:
    s = settings(**given)
    MirrorPoliteness().update_settings(s)
    assert s.getfloat("DOWNLOAD_DELAY") == (0.0 if relaxed else 0.5)
    assert s.getbool("AUTOTHROTTLE_ENABLED") is not relaxed


def test_mirror_through_the_crawler_as_scrapy_crawl_makes_it() -> None:
    assert crawler_for(MIRROR=MIRROR).settings.getfloat("DOWNLOAD_DELAY") == 0.0
    assert crawler_for(MIRROR=MIRROR, DOWNLOAD_DELAY="1.5").settings.getfloat(
        "DOWNLOAD_DELAY") == 1.5
    assert crawler_for().settings.getfloat("DOWNLOAD_DELAY") == 0.5


def test_mirror_set_in_project_settings_relaxes_too() -> None:
    # MIRROR at project priority (a deployment's settings, scrapyd), not given with -s.
    s = get_project_settings()
    s.set("MIRROR", MIRROR, "project")
    MirrorPoliteness().update_settings(s)
    assert s.getfloat("DOWNLOAD_DELAY") == 0.0


class CustomSpider(BaohatinhSpider):
    name = "custom_settings_probe"
    custom_settings = {"DOWNLOAD_TIMEOUT": 7, "DOWNLOAD_DELAY": 3}  # noqa: RUF012


def test_spider_custom_settings_still_apply() -> None:
    crawler = crawler_for(CustomSpider)
    assert crawler.settings.getint("DOWNLOAD_TIMEOUT") == 7
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 3.0
    # Under a mirror the relaxed politeness wins over the spider's, as it always did (the
    # spider's own update_settings used to set it after custom_settings).
    mirrored = crawler_for(CustomSpider, MIRROR=MIRROR)
    assert mirrored.settings.getint("DOWNLOAD_TIMEOUT") == 7
    assert mirrored.settings.getfloat("DOWNLOAD_DELAY") == 0.0


# --- feed options -------------------------------------------------------------------------------


def test_rollover_and_gzip_apply_to_the_project_feed_only() -> None:
    s = settings(FEED_GZIP=True, FEEDS={"out.jsonl": {"format": "jsonlines"}})
    s["FEEDS"].set(PROJECT_FEED, dict(project.FEEDS[PROJECT_FEED]), "cmdline")
    FeedOptions().update_settings(s)
    feeds = s.getdict("FEEDS")
    assert feeds["out.jsonl"] == {"format": "jsonlines"}
    rolled = "%(feed_dir)s/%(name)s-%(run_id)s-%(batch_id)04d.jsonl.gz"
    assert set(feeds) == {"out.jsonl", rolled}
    assert feeds[rolled]["batch_item_count"] == project.FEED_ROLLOVER_ITEMS
    assert feeds[rolled]["postprocessing"] == ["scrapy.extensions.postprocessing.GzipPlugin"]
    # -O/-o put FEEDS at command-line priority; the add-on's value must stay above it.
    assert s.getpriority("FEEDS") == CMDLINE + 1


def test_feed_options_off_leave_feeds_as_settings_py_has_them() -> None:
    s = settings(FEED_ROLLOVER_ITEMS=0)
    FeedOptions().update_settings(s)
    assert list(s.getdict("FEEDS")) == [PROJECT_FEED]
    assert s.getpriority("FEEDS") == SETTINGS_PRIORITIES["project"]


def test_default_rollover_through_the_crawler() -> None:
    feeds = crawler_for().settings.getdict("FEEDS")
    assert list(feeds) == ["%(feed_dir)s/%(name)s-%(run_id)s-%(batch_id)04d.jsonl"]


# --- Redis mode ---------------------------------------------------------------------------------


def workers(s: Settings) -> list[str]:
    """The project's Redis worker-membership extension, when enabled."""
    return [e for e in s.getdict("EXTENSIONS") if str(e).startswith("crawler.")
            and str(e).endswith(".Workers")]


def test_redis_mode_is_on_before_the_crawler_exists() -> None:
    s = settings(REDIS_URL="redis://127.0.0.1:1/0")
    AddonManager.load_pre_crawler_settings(s)
    # (Checked by prefix: the Redis components' module may move; they are the project's.)
    assert s.get("SCHEDULER").startswith("crawler.")
    assert s.get("DUPEFILTER_CLASS").startswith("crawler.")
    assert s.getpriority("SCHEDULER") == SPIDER
    # The state store defaults to the crawl's Redis: scrapy crawl's preflight opens it
    # before the crawl starts, so it must already be so on the crawler's settings.
    assert s.get("STATE_URI") == "redis://127.0.0.1:1/0"
    assert workers(s)
    crawler = Crawler(BaohatinhSpider, s)
    assert crawler.settings.get("STATE_URI") == "redis://127.0.0.1:1/0"


def test_redis_mode_leaves_command_line_settings_alone() -> None:
    s = settings(REDIS_URL="redis://127.0.0.1:1/0", STATE_URI="none",
                 SCHEDULER="my.Scheduler")
    RedisMode.update_pre_crawler_settings(s)
    assert s.get("STATE_URI") == "none" and s.get("SCHEDULER") == "my.Scheduler"
    assert s.getbool("SCHEDULER_PERSIST") is True


def test_no_redis_url_no_redis_mode() -> None:
    s = settings()
    RedisMode.update_pre_crawler_settings(s)
    assert s.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler"
    assert not workers(s)
