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
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler

from crawler.runstatus import EXIT_BAD_INPUT, EXIT_UNHEALTHY, decide, decided

__all__ = ["EXIT_BAD_INPUT", "EXIT_UNHEALTHY", "Command", "PreflightError", "preflight"]


class PreflightError(Exception):
    """A problem found before crawling; its message is the one line the operator sees."""


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
    check_feed_dir(crawler, spider_name)
    # The lock hook needs the spider's sites, which depend on its arguments.
    crawler.__dict__["_vnnews_spargs"] = dict(spargs)
    for hook in crawler.settings.getlist("PREFLIGHT_CHECKS"):
        from scrapy.utils.misc import load_object

        load_object(hook)(crawler)


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        # Passwords in REDIS_URL/STATE_URI never reach the logs (Scrapy logs its settings).
        from crawler.distributed import install_log_redaction

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
            print(f"error: {exc}", file=sys.stderr)
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
