"""One RunContext per crawl: every component of a crawl sees the same one, two crawls never
share one, and the run's failures land in it once."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from scrapy.utils.test import get_crawler

from crawler import runstatus
from crawler.runcontext import ATTR, RunContext
from crawler.state import StateManager
from crawler.store import StoreError


def test_one_context_per_crawler() -> None:
    first, second = get_crawler(), get_crawler()
    ctx = RunContext.of(first)
    assert RunContext.of(first) is ctx and getattr(first, ATTR) is ctx
    assert RunContext.of(second) is not ctx
    ctx.spargs["sites"] = "baohatinh"
    assert RunContext.of(second).spargs == {}


def test_the_state_manager_is_kept_in_the_context(tmp_path: object) -> None:
    crawler = get_crawler(settings_dict={"STATE_URI": "none"})
    manager = StateManager.of(crawler)
    assert RunContext.of(crawler).state is manager and StateManager.of(crawler) is manager


def test_failures_are_recorded_in_the_context_and_decide_the_status() -> None:
    crawler = get_crawler()
    runstatus.fail(crawler, runstatus.CALLBACK, "KeyError: 'x' on https://a.vn/1")
    runstatus.fail(crawler, runstatus.DELIVERY, "cannot write a.part: No space left")
    assert RunContext.of(crawler).failures == {
        runstatus.CALLBACK: ["KeyError: 'x' on https://a.vn/1"],
        runstatus.DELIVERY: ["cannot write a.part: No space left"]}
    status = runstatus.decide(crawler, "finished")
    assert (status.exit_code, status.reason) == (
        runstatus.EXIT_DELIVERY_FAILED, "delivery_failed: cannot write a.part: No space left")
    runstatus.remember(crawler, status)
    assert runstatus.decided(crawler) is status


def test_a_store_failure_is_logged_and_recorded_once(caplog: pytest.LogCaptureFixture) -> None:
    crawler = get_crawler(settings_dict={"STATE_URI": "sqlite:///x.sqlite3"})
    with caplog.at_level(logging.ERROR):
        runstatus.fail_store(crawler, sqlite3.DatabaseError("database disk image is malformed"))
        runstatus.fail_store(crawler, StoreError("state store x: gone"))
    ctx = RunContext.of(crawler)
    assert ctx.store_failed
    assert len(ctx.failures[runstatus.STORE]) == 1
    assert "is corrupted: database disk image is malformed" in ctx.failures[runstatus.STORE][0]
    assert len([r for r in caplog.records if "state store failed" in r.getMessage()]) == 1
    assert runstatus.decide(crawler, "redis_unavailable").exit_code == runstatus.EXIT_CLOSED_EARLY


def test_redis_passwords_never_reach_the_failure_message() -> None:
    crawler = get_crawler(settings_dict={"REDIS_URL": "redis://:hunter2@127.0.0.1:1/0"})
    runstatus.fail_store(crawler, ConnectionError(
        "Error connecting to redis://:hunter2@127.0.0.1:1/0"))
    message = RunContext.of(crawler).failures[runstatus.STORE][0]
    assert "hunter2" not in message and message.startswith("Redis: ")
