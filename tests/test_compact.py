"""The compact in-run tables: exact set/map behaviour through growth, and the dupefilter."""

from __future__ import annotations

import random

from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.compact import CompactDupeFilter, DepthMap, U64Map, key64


def test_u64map_behaves_like_a_dict_through_growth() -> None:
    rng = random.Random(7)
    table, ref = U64Map(capacity=4), {}
    for _ in range(20_000):
        k = rng.randrange(1, 2**64) if rng.random() < 0.7 else rng.choice(list(ref) or [1])
        v = rng.randrange(-128, 128)
        assert table.set(k, v) == (k not in ref)
        ref[k] = v
    assert len(table) == len(ref)
    assert dict(table.items()) == ref
    assert all(table.get(k) == v for k, v in ref.items())
    assert table.get(12345) is None and 12345 not in table
    assert table.add(next(iter(ref))) is False


def test_depth_map() -> None:
    depths = DepthMap()
    depths["baohatinh.vn:266105"] = 2
    depths["baohatinh.vn:266105"] = 0
    depths["baohatinh.vn:999"] = 500  # clamped to a byte
    assert "baohatinh.vn:266105" in depths and depths["baohatinh.vn:266105"] == 0
    assert depths.get("baohatinh.vn:999") == 127 and depths.get("x") is None
    assert len(depths) == 2
    assert key64("a") != key64("b") and key64("") != 0


def test_compact_dupefilter_filters_like_scrapys(tmp_path) -> None:
    crawler = get_crawler(settings_dict={"JOBDIR": str(tmp_path)})
    df = CompactDupeFilter.from_crawler(crawler)
    a, b = Request("https://baohatinh.vn/a-post1.html"), Request("https://baohatinh.vn/b-post2.html")
    assert df.request_seen(a) is False
    assert df.request_seen(Request("https://baohatinh.vn/a-post1.html")) is True
    assert df.request_seen(b) is False
    assert len(df) == 2
    df.close("finished")
    # A resumed job (same JOBDIR) remembers them.
    again = CompactDupeFilter.from_crawler(get_crawler(settings_dict={"JOBDIR": str(tmp_path)}))
    assert again.request_seen(a) is True and again.request_seen(b) is True
    assert again.request_seen(Request("https://baohatinh.vn/c-post3.html")) is False
