"""The crawl the workers of one spider share: its id, its live workers, their heartbeats.

A worker is alive while its heartbeat key exists and was written to the current Redis
process; the last live worker out ends the crawl (and forgets its dupefilter, claims and
depths); a worker finding a crawl whose workers all died starts a new one that resumes it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

from crawler.redis import PREFIX


class Crawl:
    """Keys of one spider's shared crawl."""

    def __init__(self, server: Any, spider_name: str, run_id: str):
        self.server = server
        self.spider = spider_name
        self.run_id = run_id
        self.base = f"{PREFIX}{spider_name}"
        # Workers of an earlier crawl found dead when joining: this crawl resumes theirs.
        self.dead_found: list[str] = []

    @property
    def crawl_key(self) -> str:
        return f"{self.base}:crawl"

    @property
    def workers_key(self) -> str:
        return f"{self.base}:workers"

    def alive_key(self, run_id: str) -> str:
        return f"{self.base}:alive:{run_id}"

    def server_run(self) -> str:
        """The Redis server process's run id: a new one after every restart."""
        return str(self.server.info("server").get("run_id", ""))

    def is_alive(self, run_id: str) -> bool:
        """A worker is alive when its heartbeat key exists *and* was written to this Redis
        process. Heartbeats restored from the AOF after a restart carry the old server's run
        id: their workers lost Redis and closed, even if the keys have not expired yet."""
        beat = self.server.get(self.alive_key(run_id))
        return beat is not None and beat == self.server_run()

    def live_workers(self) -> list[str]:
        workers = self.server.hkeys(self.workers_key)
        if not workers:
            return []
        current = self.server_run()
        beats = self.server.mget([self.alive_key(w) for w in workers])
        return [w for w, beat in zip(workers, beats, strict=True) if beat == current]

    def join(self, ttl: int) -> str:
        """Register this worker and return the crawl id (a new one when nobody is alive).

        Atomic against workers starting at the same moment: the heartbeat is written first,
        and the crawl key is only created with SET NX or replaced with compare-and-set, so
        two newcomers always end up in one crawl."""
        self.heartbeat(ttl)
        self._await_stale_beats(ttl)
        self.server.hset(self.workers_key, self.run_id, json.dumps(
            {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}))
        for _ in range(10):
            current = self.server.get(self.crawl_key)
            others = [w for w in self.live_workers() if w != self.run_id]
            if current and others:
                return str(current)
            if current is None:
                if self.server.set(self.crawl_key, self.run_id, nx=True):
                    self._purge_dead()
                    return self.run_id
                continue  # another worker created it just now: join it
            # A crawl whose workers all died: take it over (if nobody else just did).
            if self._replace(str(current)):
                self._purge_dead()
                self._forget(str(current))
                return self.run_id
        return str(self.server.get(self.crawl_key) or self.run_id)

    def _await_stale_beats(self, ttl: int) -> None:
        """Heartbeats written to an earlier Redis process (restored from the AOF after a
        restart) prove nothing: wait one heartbeat period for their workers to beat again on
        this one. A worker that rode out the restart does; a dead one does not."""
        period = max(ttl / 3, 1) + 1
        deadline = time.monotonic() + period
        while time.monotonic() < deadline:
            workers = [w for w in self.server.hkeys(self.workers_key) if w != self.run_id]
            if not workers:
                return
            current = self.server_run()
            beats = self.server.mget([self.alive_key(w) for w in workers])
            if not any(b is not None and b != current for b in beats):
                return
            time.sleep(0.25)

    def _replace(self, old: str) -> bool:
        script = self.server.register_script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            "redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0")
        return bool(script(keys=[self.crawl_key], args=[old, self.run_id]))

    def _purge_dead(self) -> None:
        live = set(self.live_workers())
        for dead in self.server.hkeys(self.workers_key):
            if dead != self.run_id and dead not in live:
                self.server.hdel(self.workers_key, dead)
                self.server.delete(self.alive_key(dead))
                self.dead_found.append(dead)

    def heartbeat(self, ttl: int) -> None:
        self.server.set(self.alive_key(self.run_id), self.server_run(), ex=ttl)

    def leave(self, crawl_id: str, queue_empty: bool) -> tuple[bool, bool]:
        """Unregister; the last worker out ends the crawl. Returns (ended, clean): clean when
        no worker of the crawl died (a dead worker's articles wait for the next crawl)."""
        self.server.delete(self.alive_key(self.run_id))
        self.server.hdel(self.workers_key, self.run_id)
        registered = self.server.hkeys(self.workers_key)
        live = self.live_workers()
        if not live and queue_empty:
            if self.server.get(self.crawl_key) == crawl_id:
                self.server.delete(self.crawl_key)
            self._forget(crawl_id)
            # Dead workers stay registered: the next crawl sees them and resumes.
            return True, not registered
        return False, False

    def _forget(self, crawl_id: str) -> None:
        self.server.delete(f"{self.base}:seen:{crawl_id}", f"{self.base}:claims:{crawl_id}",
                           f"{self.base}:depth:{crawl_id}", f"{self.base}:related:{crawl_id}")
