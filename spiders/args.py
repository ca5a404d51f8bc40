"""The spider's ``-a`` arguments, parsed and checked before any request is made.

``scrapy crawl`` checks them before Scrapy's banner (crawler/commands/crawl.py calls the
spider's ``check_arguments``), and the spider checks them again when it is built.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawler.settings_check import SettingError, check_run_id
from crawler.text import VN_TZ, parse_vn_datetime
from crawler.urls import is_http_url

KNOWN_ARGS = ("start", "max_pages", "since", "until", "related_depth", "run_id")


class SpiderArgumentError(ValueError):
    """A spider argument is unknown or malformed (raised before any request is made)."""


def parse_bound(name: str, value: str | None) -> datetime | None:
    """A ``since``/``until`` argument as an aware datetime (dates are midnight, +07:00)."""
    if not value:
        return None
    dt = parse_vn_datetime(value)
    if dt is None:
        raise SpiderArgumentError(f"-a {name}={value!r} is not a date (use YYYY-MM-DD)")
    return dt.astimezone(VN_TZ)


def check_arguments(kwargs: dict[str, Any], known_args: tuple[str, ...]) -> dict[str, Any]:
    """Parse and check ``-a`` arguments; raises SpiderArgumentError with a one-line reason."""
    unknown = sorted(k for k in kwargs if k not in known_args and k != "_job")
    if unknown:
        raise SpiderArgumentError(
            f"unknown spider argument(s): {', '.join(unknown)} "
            f"(known: {', '.join(known_args)})"
        )
    out: dict[str, Any] = {k: kwargs[k] for k in ("start", "run_id", "sites")
                           if kwargs.get(k)}
    if out.get("run_id"):
        try:
            check_run_id(str(out["run_id"]))
        except SettingError as exc:
            raise SpiderArgumentError(str(exc)) from None
    for url in (out.get("start") or "").split(","):
        if url.strip() and not is_http_url(url.strip()):
            raise SpiderArgumentError(f"-a start: {url.strip()!r} is not an http(s) URL")
    out["since"] = parse_bound("since", kwargs.get("since"))
    out["until"] = parse_bound("until", kwargs.get("until"))
    if out["since"] and out["until"] and out["since"] > out["until"]:
        raise SpiderArgumentError("-a since=... is after -a until=...")
    out["max_pages"] = _opt_int("max_pages", kwargs.get("max_pages"))
    out["related_depth"] = _opt_int("related_depth", kwargs.get("related_depth"))
    return out


def _opt_int(name: str, value: str | None) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise SpiderArgumentError(f"-a {name}={value!r} is not a whole number") from None
    if number < 0:
        raise SpiderArgumentError(f"-a {name}={value!r} must be 0 or more")
    return number
