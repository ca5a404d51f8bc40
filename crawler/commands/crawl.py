"""``scrapy crawl``, with checks before the crawl and an exit status that tells the truth.

Before anything starts: spider arguments, the feed directory and the state store (lock,
integrity) are checked; a problem is one line on stderr and exit status 2. After the crawl,
the exit status is the one the run's manifest states (crawler.runstatus):

0 finished; 1 closed early (state store or Redis lost mid-run, stopped by a signal); 2 bad
input, lock held, state store unreadable or corrupted; 3 layout changed; 4 delivery failed
(a feed file or the manifest could not be written); 5 nothing fetched (no start page could be
fetched); 6 finished with crawler errors on some pages.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.misc import load_object

from crawler.feeds import apply_cli_feeds, project_feed_dir_used
from crawler.logformatter import install_log_redaction
from crawler.runcontext import RunContext
from crawler.runstatus import EXIT_BAD_INPUT, EXIT_UNHEALTHY, PreflightError, decide, decided
from crawler.settings_check import SettingError, check_run_id, check_settings
from crawler.state import ROOT
from crawler.store import StoreError, open_store, redact_uri

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler

__all__ = ["EXIT_BAD_INPUT", "EXIT_UNHEALTHY", "Command", "PreflightError", "preflight"]


def check_feed_dir(crawler: Crawler, spider_name: str) -> None:
    feed_dir = Path(crawler.settings.get("FEED_DIR", "output/%(name)s") % {"name": spider_name})
    try:
        feed_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=feed_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise PreflightError(f"feed directory {feed_dir} is not writable: {exc.strerror}") from None


def preflight(crawler: Crawler, spider_name: str, spargs: dict[str, Any]) -> None:
    check = getattr(crawler.spidercls, "check_arguments", None)
    if check is not None:
        try:
            check(dict(spargs))
        except ValueError as exc:
            raise PreflightError(str(exc)) from None
    if project_feed_dir_used(crawler.settings):
        check_feed_dir(crawler, spider_name)
    # The lock hook needs the spider's sites, which depend on its arguments.
    RunContext.of(crawler).spargs = dict(spargs)
    for hook in crawler.settings.getlist("PREFLIGHT_CHECKS"):
        load_object(hook)(crawler)


def blame(message: str, settings: Any) -> str:
    """Name the setting the operator gave: in Redis mode STATE_URI defaults to REDIS_URL, so a
    store error then is about REDIS_URL (unless STATE_URI was set explicitly)."""
    url = (settings.get("REDIS_URL") or "").strip()
    state_given = (settings.getpriority("STATE_URI") or 0) > SETTINGS_PRIORITIES["project"]
    if not url or state_given or "state store" not in message:
        return message
    return f"REDIS_URL={redact_uri(url)} (the state store of Redis mode): {message}"


def check_store_opens(settings: Any, spider_name: str = "",
                      sites: tuple[str, ...] = ()) -> None:
    """Open (and close) the state store the run will use, so that a bad path or an
    unreachable Redis is reported before Scrapy's banner; the lock is taken later."""
    uri = settings.get("STATE_URI") or "none"
    redis = (settings.get("REDIS_URL") or "").strip()
    if redis and (settings.getpriority("STATE_URI") or 0) <= SETTINGS_PRIORITIES["project"]:
        uri = redis  # Redis mode: the state store defaults to REDIS_URL
    try:
        store = open_store(uri, root=ROOT)
    except StoreError as exc:
        raise PreflightError(blame(str(exc), settings)) from None
    try:
        # One machine: a run of this spider going on is reported here, before the banner (the
        # lock itself, with the spider's sites, is taken once the crawler exists). Redis
        # workers of one spider join each other's crawl instead.
        peek = getattr(store, "live_lock_holder", None)
        names = [f"crawl:{spider_name}", *(f"site:{s}" for s in sites)] if spider_name else []
        for name in names if peek and not redis else ():
            holder = peek(name)  # type: ignore[misc]  # not None: the loop is empty then
            if holder:
                held_by = str(holder.get("owner", "")).rsplit(":", 1)[-1]
                what = (f"site {name.split(':', 1)[1]}" if name.startswith("site:")
                        else f"spider {spider_name}")
                raise PreflightError(
                    f"another run ({held_by or 'unknown spider'}) holds the lock of {what} "
                    f"on {redact_uri(uri)} (pid {holder.get('pid')} on "
                    f"{holder.get('host')} since {holder.get('since')})")
    finally:
        store.close()


def early_checks(settings: Any, args: list[str], spargs: dict[str, Any]) -> None:
    """Checks that need no crawler, run before Scrapy logs anything: every setting's type and
    range (crawler.settings_check), the spider's name and its -a arguments."""
    try:
        check_settings(settings)
    except SettingError as exc:
        raise PreflightError(str(exc)) from None
    if settings.get("JOBDIR"):
        # Scrapy's JOBDIR pickles the spider's `state` dict and its queue; this project keeps
        # what a killed run needs in the state store instead (it resumes without JOBDIR).
        raise PreflightError(
            f"setting JOBDIR={settings.get('JOBDIR')!r}: not supported: a killed crawl resumes "
            "from STATE_URI (the state store), nothing lost; drop JOBDIR")
    if spargs.get("run_id"):
        try:
            check_run_id(str(spargs["run_id"]))
        except SettingError as exc:
            raise PreflightError(str(exc)) from None
    if len(args) != 1:
        return  # the usage error comes from run()
    try:
        spidercls = get_spider_loader(settings).load(args[0])
    except KeyError as exc:
        raise PreflightError(str(exc.args[0])) from None
    check = getattr(spidercls, "check_arguments", None)
    if check is not None:
        try:
            check(dict(spargs))
        except ValueError as exc:
            raise PreflightError(str(exc)) from None
    try:  # the sites it would deliver, as the lock hook computes them once the crawler exists
        sites = tuple(sorted({p.site for p in getattr(spidercls(**spargs), "profiles", [])}))
    except Exception:  # arguments were checked above; nothing known: the spider's lock only
        sites = ()
    check_store_opens(settings, args[0], sites)
    if project_feed_dir_used(settings):
        check_feed_dir(SimpleNamespace(settings=settings), args[0])  # type: ignore[arg-type]


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        apply_cli_feeds(self.settings)
        # Before the crawler process exists, hence before Scrapy's banner: a wrong setting or
        # argument is the only thing the operator sees.
        try:
            early_checks(self.settings, args, getattr(opts, "spargs", {}) or {})
        except PreflightError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(EXIT_BAD_INPUT)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        # Passwords in REDIS_URL/STATE_URI never reach the logs (Scrapy logs its settings).
        install_log_redaction()
        try:
            crawler = self.crawler_process.create_crawler(args[0])
        except KeyError as exc:
            print(f"error: {exc.args[0]}", file=sys.stderr)
            self.exitcode = EXIT_BAD_INPUT
            return
        try:
            preflight(crawler, args[0], opts.spargs)
        except PreflightError as exc:
            print(f"error: {blame(str(exc), self.settings)}", file=sys.stderr)
            self.exitcode = EXIT_BAD_INPUT
            return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        # The run summary decided (and wrote in the manifest); without it (SUMMARY_ENABLED
        # off), the same rules. A run whose engine never closed (no finish reason) did not
        # finish.
        status = decided(crawler) or decide(crawler, stats.get("finish_reason") or "unclean")
        self.exitcode = status.exit_code
