"""Log lines an operator can read: a dropped article is one line naming why, not a dump of
the whole article (which can be tens of KB of Vietnamese text)."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class OneLineLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any,
                spider: Any) -> LogFormatterResult:
        level = getattr(exception, "log_level", None) or logging.INFO
        if isinstance(level, str):
            level = getattr(logging, level)
        return {"level": level, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}
