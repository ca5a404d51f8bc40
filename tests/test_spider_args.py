from __future__ import annotations

import pytest

from spiders.baohatinh import BaohatinhSpider
from spiders.base import SpiderArgumentError


def test_unknown_argument_is_refused_with_the_known_ones_named() -> None:
    with pytest.raises(SpiderArgumentError, match=r"unknown spider argument.*sincee"):
        BaohatinhSpider(sincee="2025-01-01")


@pytest.mark.parametrize(("kw", "msg"), [
    ({"since": "hôm qua nữa"}, "since"),
    ({"until": "2025-13-45"}, "until"),
    ({"max_pages": "two"}, "max_pages"),
    ({"related_depth": "-1"}, "related_depth"),
])
def test_bad_values_are_refused(kw: dict[str, str], msg: str) -> None:
    with pytest.raises(SpiderArgumentError, match=msg):
        BaohatinhSpider(**kw)


def test_start_and_bounds_are_parsed() -> None:
    spider = BaohatinhSpider(start="https://baohatinh.vn/kinh-te/, https://baohatinh.vn/xa-hoi/",
                             since="2025-06-01", max_pages="2")
    assert spider.topic_urls == ["https://baohatinh.vn/kinh-te/", "https://baohatinh.vn/xa-hoi/"]
    assert spider.since is not None and spider.since.isoformat() == "2025-06-01T00:00:00+07:00"
    assert spider.allowed_domains == ["baohatinh.vn"]
