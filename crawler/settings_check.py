"""Every setting crawler/settings.py defines, checked (type and range) before a crawl starts.

A wrong value (``-s FEED_ROLLOVER_ITEMS=abc``, ``-s DEDUPE_NEAR_THRESHOLD=2``) is one
``error:`` line naming the setting as the user wrote it, before Scrapy prints anything, instead
of a traceback from deep inside a component or a silently odd crawl.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from crawler.items import Article
from crawler.store import redact_uri

# A run id becomes part of file names inside FEED_DIR: letters, digits, '.', '_', '-' only,
# not starting with '.', so that it can never name a path outside the feed folder.
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")


class SettingError(ValueError):
    """One setting's value is unusable; the message is the line the operator sees."""


def check_run_id(value: str) -> str:
    """
    >>> check_run_id("20250901T030000Z-a1b2c3")
    '20250901T030000Z-a1b2c3'
    >>> check_run_id("../evil")
    Traceback (most recent call last):
    ...
    crawler.settings_check.SettingError: -a run_id='../evil': use letters, digits, '.', '_' \
and '-' only (at most 100, not starting with '.')
    """
    if not RUN_ID_PATTERN.match(value):
        raise SettingError(f"-a run_id={value!r}: use letters, digits, '.', '_' and '-' only "
                           "(at most 100, not starting with '.')")
    return value


def _number(kind: type, low: float | None = None, high: float | None = None,
            low_open: bool = False) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool):
            return "not a number"
        try:
            number = kind(value) if kind is float else _as_int(value)
        except (TypeError, ValueError):
            return "not a whole number" if kind is int else "not a number"
        if kind is float and not math.isfinite(number):
            return "not a finite number"
        if low is not None and (number <= low if low_open else number < low):
            return f"must be {'more than' if low_open else 'at least'} {low:g}"
        if high is not None and number > high:
            return f"must be at most {high:g}"
        return None

    return check


def _as_int(value: Any) -> int:
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    return int(str(value).strip())


def _bool(value: Any) -> str | None:
    if isinstance(value, bool) or value in (0, 1):
        return None
    if str(value).strip().lower() in ("true", "false", "1", "0"):
        return None
    return "must be True or False (or 1 / 0)"


def _choice(*options: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if str(value) in options else f"must be one of {', '.join(options)}"

    return check


def _list_of(*options: str, non_empty: bool = False) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            return "must be a comma-separated list"
        unknown = [str(v) for v in items if str(v) not in options]
        if unknown:
            return f"unknown {', '.join(unknown)} (known: {', '.join(options)})"
        if non_empty and not items:
            return "must name at least one"
        return None

    return check


def _http_url_or_empty(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL with a host, e.g. http://127.0.0.1:8000"
    return None


def redis_available() -> bool:
    """Whether Redis mode's packages (redis, scrapy-redis) are installed."""
    try:
        return all(importlib.util.find_spec(m) is not None for m in ("redis", "scrapy_redis"))
    except (ImportError, ValueError):
        return False


def _redis_url(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        return "must be redis://HOST:PORT/DB (or rediss://, unix://)"
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "has a port that is not a number"
    if not redis_available():
        return "Redis support is not installed: pip install 'vnnews-crawler[redis]'"
    return None


def _state_uri(value: Any) -> str | None:
    text = str(value or "").strip()
    if text.lower() == "none":
        return None
    scheme = text.split(":", 1)[0].lower()
    if scheme == "sqlite":
        rest = text[len("sqlite://"):] if text.lower().startswith("sqlite://") else ""
        if not rest.startswith("/") or len(rest) < 2:
            return "must be sqlite:///relative/path, sqlite:////absolute/path or none"
        return None
    if scheme in ("redis", "rediss"):
        return _redis_url(text)
    return "unknown scheme (sqlite:///..., redis://..., none)"


def _iso_or_empty(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return "must be an ISO 8601 time such as 2025-09-01T03:00:00+07:00"
    return None


def _feed_dir(value: Any) -> str | None:
    text = str(value or "")
    if not text.strip():
        return "must name a folder"
    try:
        text % {"name": "spider"}
    except (KeyError, ValueError, TypeError):
        return "may only use %(name)s (the spider's name) as a placeholder"
    return None


def _networks(value: Any) -> str | None:
    import ipaddress

    items = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) \
        else value
    if not isinstance(items, (list, tuple)):
        return "must be a list of networks (CIDR), e.g. 10.20.0.0/16"
    for item in items:
        try:
            ipaddress.ip_network(str(item), strict=False)
        except ValueError:
            return f"{item!r} is not a network (CIDR), e.g. 10.20.0.0/16"
    return None


def _hosts(value: Any) -> str | None:
    import ipaddress
    import json

    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            return 'must be a JSON object {"host": "address" or ["addresses"]}'
    if not hasattr(value, "items"):
        return 'must be an object {"host": "address" or ["addresses"]}'
    for host, addresses in dict(value).items():
        for address in [addresses] if isinstance(addresses, str) else addresses:
            try:
                ipaddress.ip_address(str(address))
            except ValueError:
                return f"{host}: {address!r} is not an IP address"
    return None


def _folder_or_empty(value: Any) -> str | None:
    return None if not str(value or "").strip() else _feed_dir(value)


def _paths_or_empty(value: Any) -> str | None:
    """REPLAY: WARC files or folders, comma-separated; each must exist."""
    from pathlib import Path

    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    missing = [str(v).strip() for v in items if str(v).strip() and not Path(
        str(v).strip()).exists()]
    return f"no such file or folder: {', '.join(missing)}" if missing else None


def _log_level(value: Any) -> str | None:
    levels = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
    if isinstance(value, int) or str(value).upper() in levels:
        return None
    return f"must be one of {', '.join(levels)}"


def _article_fields() -> tuple[str, ...]:
    from dataclasses import fields

    return tuple(f.name for f in fields(Article))


def rules() -> dict[str, Callable[[Any], str | None]]:
    """Setting name -> check returning a problem (None when the value is fine)."""
    at_least_0, at_least_1 = _number(int, 0), _number(int, 1)
    seconds, positive = _number(float, 0), _number(float, 0, low_open=True)
    return {
        # Scrapy's own settings that settings.py sets.
        "CONCURRENT_REQUESTS": at_least_1,
        "CONCURRENT_REQUESTS_PER_DOMAIN": at_least_1,
        "DOWNLOAD_DELAY": seconds,
        "AUTOTHROTTLE_ENABLED": _bool,
        "AUTOTHROTTLE_START_DELAY": seconds,
        "AUTOTHROTTLE_MAX_DELAY": seconds,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": positive,
        "DOWNLOAD_TIMEOUT": positive,
        "DOWNLOAD_MAXSIZE": at_least_0,
        "DOWNLOAD_WARNSIZE": at_least_0,
        "RETRY_ENABLED": _bool,
        "RETRY_TIMES": at_least_0,
        "REDIRECT_MAX_TIMES": at_least_0,
        "ROBOTSTXT_OBEY": _bool,
        "COOKIES_ENABLED": _bool,
        "TELNETCONSOLE_ENABLED": _bool,
        "LOG_LEVEL": _log_level,
        # Ours.
        "RETRY_BACKOFF_BASE": seconds,
        "RETRY_BACKOFF_MAX": seconds,
        "RETRY_AFTER_MAX": seconds,
        "SAFETY_ENABLED": _bool,
        "MIRROR": _http_url_or_empty,
        "MIRROR_DOWNLOAD_DELAY": seconds,
        "MIRROR_CONCURRENT_REQUESTS_PER_DOMAIN": at_least_1,
        "DISCOVERY_MAX_PAGES": at_least_1,
        "DISCOVERY_RELATED_DEPTH": at_least_0,
        "DISCOVERY_FOLLOW_RELATED": _bool,
        "DISCOVERY_FEEDS": _bool,
        "STATE_URI": _state_uri,
        "STATE_REFETCH_DAYS": seconds,
        "STATE_LOCK_TTL": positive,
        "CRAWLER_NOW": _iso_or_empty,
        "REDIS_URL": _redis_url,
        "REDIS_IDLE_CLOSE": seconds,
        "REDIS_HEARTBEAT_TTL": at_least_1,
        "CLEAN_ENABLED": _bool,
        "VALIDATE_ENABLED": _bool,
        "VALIDATE_REQUIRED_FIELDS": _list_of(*_article_fields()),
        "VALIDATE_MIN_BODY_CHARS": at_least_0,
        "DEDUPE_ENABLED": _bool,
        "DEDUPE_KEYS": _list_of("url", "article_id", "fingerprint", non_empty=True),
        "DEDUPE_NEAR_ACTION": _choice("mark", "drop"),
        "DEDUPE_NEAR_THRESHOLD": _number(float, 0, 1, low_open=True),
        "FEED_DIR": _feed_dir,
        "FEED_ROLLOVER_ITEMS": at_least_0,
        "FEED_GZIP": _bool,
        "FEED_STORE_EMPTY": _bool,
        "HEALTH_ENABLED": _bool,
        "HEALTH_MIN_SAMPLE": at_least_1,
        "HEALTH_MAX_MISSING_SHARE": _number(float, 0, 1),
        "MEMORY_TRIM_INTERVAL": seconds,
        "SUMMARY_ENABLED": _bool,
        "PROGRESS_INTERVAL": seconds,
        "HEALTH_DRIFT_WARN_SHARE": _number(float, 0, 1),
        "NETGUARD_SITE_DOMAINS_ONLY": _bool,
        "NETGUARD_ALLOW_NETWORKS": _networks,
        "NETGUARD_HOSTS": _hosts,
        "NETGUARD_DNS_TTL": seconds,
        "ARCHIVE_ENABLED": _bool,
        "ARCHIVE_DIR": _folder_or_empty,
        "ARCHIVE_MAX_BYTES": at_least_1,
        "ARCHIVE_GZIP_LEVEL": _number(int, 0, 9),
        "ARCHIVE_REVISITS": _bool,
        "ARCHIVE_QUEUE": at_least_1,
        "ARCHIVE_THREAD": _bool,
        "REPLAY": _paths_or_empty,
        "SUMMARY_FALLBACK_DIR": _folder_or_empty,
    }


def check_settings(settings: BaseSettings) -> None:
    """Raise SettingError for the first unusable setting (in settings.py's order)."""
    for name, check in rules().items():
        if name not in settings:
            continue
        value = settings.get(name)
        problem = check(value)
        if problem:
            if isinstance(value, str):
                value = redact_uri(value)  # never a password on the terminal or in cron mail
            raise SettingError(f"setting {name}={value!r}: {problem}")
