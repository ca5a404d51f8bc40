"""What can go wrong with the state store, for every layer that uses it.

Single-machine code (feeds, summary, pipelines, middlewares, the state manager) catches
:func:`store_errors` to end the run cleanly when the store fails under it; it never imports
Redis mode (:mod:`crawler.redis`) to learn what a Redis failure looks like.
"""

from __future__ import annotations

import functools
import sqlite3

__all__ = ["RECOVERY", "StoreError", "store_errors"]

# The hint every "corrupted" message of the SQLite store ends with.
RECOVERY = ("; check it with `python -m crawler state check`, rebuild it from the delivered "
            "feeds with `python -m crawler state rebuild --feeds FEED_DIR`")


class StoreError(Exception):
    """The state store cannot be opened or used; the message names the path or URI."""


@functools.cache
def store_errors() -> tuple[type[BaseException], ...]:
    """Errors of the state store or Redis (connection lost, SQLite disk full, I/O error, a
    file corrupted under a running crawl): each ends the run cleanly, never a traceback."""
    try:
        # An optional dependency (the `redis` extra): without it no Redis error can happen.
        import redis
    except ImportError:
        return (StoreError, sqlite3.Error)
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
            redis.exceptions.ResponseError, StoreError, sqlite3.Error)
