from __future__ import annotations

import sys

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.memtrim import MemoryTrim


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc_trim: Linux")
def test_trim_runs_and_is_counted() -> None:
    crawler = get_crawler(settings_dict={"MEMORY_TRIM_INTERVAL": 10})
    crawler.stats.open_spider()
    ext = MemoryTrim.from_crawler(crawler)
    ext.run()
    ext.run()
    assert crawler.stats.get_value("memory/trims") == 2


def test_interval_zero_switches_it_off() -> None:
    with pytest.raises(NotConfigured):
        MemoryTrim.from_crawler(get_crawler(settings_dict={"MEMORY_TRIM_INTERVAL": 0}))
