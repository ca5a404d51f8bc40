"""Log lines an operator can read: a dropped article is one line naming why, not a dump of
the whole article (which can be tens of KB of Vietnamese text); and no password of a
``redis://`` or other URL ever reaches a log line (Scrapy logs its overridden settings)."""

from __future__ import annotations

import logging
import re
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class OneLineLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any,
                spider: Any) -> LogFormatterResult:
        level = getattr(exception, "log_level", None) or logging.INFO
        if isinstance(level, str):
            level = getattr(logging, level)
        return {"level": level, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}


_SECRET_IN_URL = re.compile(r"(\b[a-z][a-z0-9+.-]*://)([^:/@\s]*):([^@\s]+)@", re.I)


def redact_secrets(text: str) -> str:
    """Passwords inside any URL of a text.

    >>> redact_secrets("Error connecting to redis://:hunter2@10.1.1.1:6379/0")
    'Error connecting to redis://:***@10.1.1.1:6379/0'
    """
    return _SECRET_IN_URL.sub(lambda m: f"{m.group(1)}{m.group(2)}:***@", text)


class RedactSecretsFilter(logging.Filter):
    """Masks passwords of URLs in every log line (e.g. Scrapy's "Overridden settings")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_log_redaction() -> None:
    """Add :class:`RedactSecretsFilter` to every handler of the root logger (once)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactSecretsFilter) for f in handler.filters):
            handler.addFilter(RedactSecretsFilter())
