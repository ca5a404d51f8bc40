"""Settings and arguments checked before a crawl starts: one `error:` line, before Scrapy's
banner, naming the setting as given; exit status 2; nothing created."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from scrapy.settings import Settings

from crawler.settings_check import SettingError, check_settings, rules


def crawl(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "baohatinh", "-s", f"FEED_DIR={tmp_path}/out",
         "-s", "STATE_URI=none", "-s", "MIRROR=http://127.0.0.1:9", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("arg", "named"), [
    ("FEED_ROLLOVER_ITEMS=abc", "FEED_ROLLOVER_ITEMS='abc'"),
    ("FEED_ROLLOVER_ITEMS=-1", "FEED_ROLLOVER_ITEMS='-1'"),
    ("DEDUPE_NEAR_THRESHOLD=2", "DEDUPE_NEAR_THRESHOLD"),
    ("DEDUPE_NEAR_ACTION=keep", "DEDUPE_NEAR_ACTION"),
    ("DEDUPE_KEYS=url,isbn", "isbn"),
    ("FEED_GZIP=maybe", "FEED_GZIP"),
    ("PROGRESS_INTERVAL=soon", "PROGRESS_INTERVAL"),
    ("REDIS_URL=http://127.0.0.1:6379", "REDIS_URL"),
    ("STATE_URI=postgres://x", "STATE_URI"),
    ("REDIS_URL=redis://:secret@127.0.0.1:x/0", "REDIS_URL='redis://:***@"),
    ("CRAWLER_NOW=yesterday", "CRAWLER_NOW"),
    ("MIRROR=localhost:8000", "MIRROR"),
    ("CONCURRENT_REQUESTS=0", "CONCURRENT_REQUESTS"),
    ("ARCHIVE_GZIP_LEVEL=12", "ARCHIVE_GZIP_LEVEL"),
    ("NETGUARD_ALLOW_NETWORKS=10.0.0.0/33", "NETGUARD_ALLOW_NETWORKS"),
    ("REPLAY=/no/such/archive.warc.gz", "REPLAY"),
])
def test_bad_setting_is_one_line_before_the_banner(tmp_path: Path, arg: str, named: str
                                                   ) -> None:
    proc = crawl(tmp_path, "-s", arg)
    assert proc.returncode == 2, proc.stderr[-1500:]
    assert proc.stderr.startswith("error: setting "), proc.stderr[:500]
    assert proc.stderr.count("\n") == 1, proc.stderr  # no banner, no traceback
    assert named in proc.stderr
    assert "secret" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_run_id_must_be_safe(tmp_path: Path) -> None:
    proc = crawl(tmp_path, "-a", "run_id=../evil")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr[-1500:]
    assert "run_id" in proc.stderr
    assert not (tmp_path / "evil").exists() and not (tmp_path / "out").exists()


def test_spider_argument_error_comes_before_the_banner(tmp_path: Path) -> None:
    proc = crawl(tmp_path, "-a", "max_pages=x")
    assert proc.returncode == 2
    assert proc.stderr == "error: -a max_pages='x' is not a whole number\n"


def test_every_project_default_passes_and_every_own_setting_is_checked() -> None:
    from crawler import settings as project

    settings = Settings()
    settings.setmodule(project)
    check_settings(settings)  # the defaults are valid
    own_prefixes = ("CLEAN_", "VALIDATE_", "DEDUPE_", "FEED_", "DISCOVERY_", "SUMMARY_",
                    "STATE_", "REDIS_", "HEALTH_", "MEMORY_", "MIRROR", "PROGRESS_", "RETRY_",
                    "SAFETY_", "CRAWLER_", "ARCHIVE_", "NETGUARD_", "REPLAY")
    skip = {"FEED_EXPORT_ENCODING", "FEED_EXPORTERS", "FEED_STORAGES", "RETRY_ENABLED",
            "NETGUARD_HOSTS"}
    own = [n for n in dir(project) if n.isupper() and n.startswith(own_prefixes)
           and n not in skip and not isinstance(getattr(project, n), dict)]
    missing = [n for n in own if n not in rules()]
    assert not missing, missing


def test_check_settings_names_the_setting() -> None:
    with pytest.raises(SettingError, match=r"HEALTH_MAX_MISSING_SHARE=1\.5: must be at most 1"):
        check_settings(Settings({"HEALTH_MAX_MISSING_SHARE": 1.5}))
    with pytest.raises(SettingError, match="VALIDATE_REQUIRED_FIELDS"):
        check_settings(Settings({"VALIDATE_REQUIRED_FIELDS": ["url", "titel"]}))


def test_store_errors_come_before_the_banner_and_name_redis_url(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "baohatinh", "-s", f"FEED_DIR={tmp_path}/o",
         "-s", "STATE_URI=sqlite:////proc/no/such/state.sqlite3"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr[-1500:]
    assert "state store" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "baohatinh", "-s", f"FEED_DIR={tmp_path}/o",
         "-s", "REDIS_URL=redis://:pw@127.0.0.1:1/0"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr[-1500:]
    assert proc.stderr.startswith("error: REDIS_URL=redis://:***@127.0.0.1:1/0")
    assert "pw@" not in proc.stderr
