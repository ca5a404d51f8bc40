"""One crawl's view of the state store (``STATE_URI``): what earlier runs saw, the run lock,
conditional requests, near-duplicates, and exactly-once delivery.

Exactly once: an article is recorded as seen only when the feed file holding it is complete
(renamed to its final name). A run killed mid-way leaves a ``.part`` file and records nothing
for it, so the next run finds those articles unknown, fetches and emits them again, and
removes the dead run's ``.part`` file (writing a manifest that says it was killed and resumed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals

from crawler import runstatus
from crawler.neardup import MinHasher, jaccard_estimate, lsh_bands, shingles
from crawler.runcontext import RunContext, redis_url
from crawler.runstatus import PreflightError, fail_store
from crawler.store import ArticleRecord, Clock, StateStore, StoreError, open_store, redact_uri
from crawler.store.errors import store_errors

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# The project root, against which relative STATE_URI paths resolve. Deployed as an egg (scrapyd)
# there is no project folder: VNNEWS_HOME, else the working directory, stands in for it.
ROOT = Path(__file__).resolve().parent.parent
if not ROOT.is_dir():
    ROOT = Path(os.environ.get("VNNEWS_HOME", Path.cwd()))
RUN_ID_RE = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")


# Fetch outcomes that are the site's lasting answer, not a passing fault: a run whose articles
# were all delivered or ended like this may have its topic pages answered with a 304 next
# time. Anything else (HTTP 500, timeout, oversize, empty body, redirects gone wrong...) keeps
# the topic pages' validators unsaved, so the next run reads them in full and retries. A 404
# article is retried once its topic page changes (it was never recorded as seen).
LASTING_FAILURES = ("HTTP 404", "HTTP 410", "gone", "duplicate request", "ignored")


class LockHeld(Exception):
    """Another run of the same spider holds the store's lock."""


@dataclass(frozen=True)
class Delivery:
    """What the store learns about an article once its feed file is complete."""

    site: str
    url: str
    fingerprint: str
    article_id: str | None
    published_at: str | None
    modified_at: str | None
    signature: tuple[int, ...] | None


def _delivery_row(d: Delivery) -> list[Any]:
    """A delivery as JSON: the signature's full 64-bit values in hex (LSH bands need them)."""
    sig = b"".join(v.to_bytes(8, "big") for v in d.signature).hex() if d.signature else None
    return [d.site, d.url, d.fingerprint, d.article_id, d.published_at, d.modified_at, sig]


def _delivery_from_row(row: list[Any]) -> Delivery:
    raw = bytes.fromhex(row[6]) if row[6] else b""
    sig = tuple(int.from_bytes(raw[i:i + 8], "big") for i in range(0, len(raw), 8)) or None
    return Delivery(row[0], row[1], row[2], row[3], row[4], row[5], sig)


def pack_signature(sig: tuple[int, ...]) -> bytes:
    """MinHash values in 4 bytes each: equality of slots is all a Jaccard estimate needs."""
    return b"".join((v & 0xFFFFFFFF).to_bytes(4, "big") for v in sig)


def unpack_signature(data: bytes) -> tuple[int, ...]:
    return tuple(int.from_bytes(data[i:i + 4], "big") for i in range(0, len(data), 4))


def fixed_now(value: str | None) -> datetime | None:
    """CRAWLER_NOW as an aware datetime (tests pin "now" with it)."""
    if not value:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class StateManager:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.uri = settings.get("STATE_URI") or "none"
        pinned = fixed_now(settings.get("CRAWLER_NOW"))
        self.now: Clock = (lambda: pinned) if pinned else (lambda: datetime.now(UTC))
        self.store: StateStore = open_store(self.uri, root=ROOT, now=self.now)
        self.refetch_days = settings.getfloat("STATE_REFETCH_DAYS")
        self.near_action = settings.get("DEDUPE_NEAR_ACTION", "mark")
        self.near_threshold = settings.getfloat("DEDUPE_NEAR_THRESHOLD")
        self.hasher = MinHasher()
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.lock_name: str | None = None
        self.lock_names: list[str] = []
        self.resuming: list[str] = []
        # Article URLs of dead runs' unfinished feed files, requested again by this run.
        self.resume_urls: list[str] = []
        self.counts: Counter[str] = Counter()
        self.files: list[dict[str, Any]] = []
        # Articles handed to a feed file that failed (disk full...): not delivered.
        self.undelivered = 0
        self._validators: dict[str, tuple[str | None, str | None]] = {}
        # Near-duplicate index of this run's articles not yet delivered (delivered ones are in
        # the store): signatures by URL, URLs by LSH band. Emptied as feed files complete, so
        # memory stays flat however long the run.
        self._signatures: dict[str, tuple[int, ...]] = {}
        self._band_urls: dict[str, set[str]] = {}
        self._closing: dict[int, list[Delivery]] = {}
        # Claims of this crawl: (kind, key) -> (site, url) of the first article to have it.
        # In Redis mode, shared by all workers (crawler.redis.claims.RedisClaims).
        self._claims: dict[str, str] = {}
        self._shared_claims: Any = None
        self._is_alive: Any = lambda run_id: False
        self._own_run = ""
        self._closed = False
        self._refresher: Any = None
        crawler.signals.connect(self._on_opened, signal=signals.spider_opened)
        crawler.signals.connect(self._on_spider_closed, signal=signals.spider_closed)
        # The lock is released once the engine stops: after the last feed file is recorded.
        crawler.signals.connect(self._on_closed, signal=signals.engine_stopped)

    @classmethod
    def of(cls, crawler: Crawler) -> StateManager:
        """The crawl's state manager, created on first use."""
        ctx = RunContext.of(crawler)
        if ctx.state is None:
            ctx.state = cls(crawler)
        return ctx.state

    @property
    def enabled(self) -> bool:
        return self.uri.strip().lower() != "none"

    # --- the run lock --------------------------------------------------------------------------

    def acquire(self, spider_name: str, sites: list[str] | None = None) -> None:
        """Take the locks of this spider and of each site it crawls on this store, or raise
        LockHeld naming the holder. Per site, so that two spiders that could deliver the
        same site's articles (``baohatinh`` and ``news -a sites=baohatinh``) never run at
        once on one store; all or nothing, in a fixed order (no deadlock between two runs).
        """
        ttl = self.crawler.settings.getfloat("STATE_LOCK_TTL")
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{spider_name}"
        names = [f"crawl:{spider_name}", *(f"site:{s}" for s in sorted(set(sites or [])))]
        taken: list[str] = []
        for name in names:
            holder = self.store.lock_holder(name)
            if not self.store.acquire_lock(name, self.owner, ttl):
                holder = self.store.lock_holder(name) or {}
                for done in taken:
                    self.store.release_lock(done, self.owner)
                self.lock_names = []
                what = (f"site {name.split(':', 1)[1]}" if name.startswith("site:")
                        else f"spider {spider_name}")
                held_by = str(holder.get("owner", "")).rsplit(":", 1)[-1]
                raise LockHeld(
                    f"another run ({held_by or 'unknown spider'}) holds the lock of {what} "
                    f"on {redact_uri(self.uri)} (pid {holder.get('pid')} on "
                    f"{holder.get('host')} since {holder.get('since')})"
                )
            taken.append(name)
            if holder and holder["owner"] != self.owner:
                # We took the lock over from a run that died: this run is a resume.
                who = f"pid {holder['pid']} on {holder['host']}"
                if who not in self.resuming:
                    self.resuming.append(who)
        self.lock_names = taken
        self.lock_name = taken[0]

    def refresh_lock(self) -> None:
        try:
            for name in self.lock_names:
                self.store.acquire_lock(name, self.owner,
                                        self.crawler.settings.getfloat("STATE_LOCK_TTL"))
        except store_errors() as exc:
            fail_store(self.crawler, exc)

    def release(self) -> None:
        for name in self.lock_names:
            self.store.release_lock(name, self.owner)
        self.lock_names = []
        self.lock_name = None

    # --- what earlier runs saw -----------------------------------------------------------------

    def lookup(self, site: str, url: str, article_id: str | None) -> ArticleRecord | None:
        return self.store.lookup(site, url=url, article_id=article_id)

    def should_refetch(self, record: ArticleRecord) -> bool:
        """A known article is fetched again while it is recent enough to be edited."""
        if self.refetch_days <= 0 or not record.published_at:
            return False
        published = datetime.fromisoformat(record.published_at)
        return self.now() - published <= timedelta(days=self.refetch_days)

    def validators(self, url: str) -> tuple[str | None, str | None]:
        v = self.store.http_validators(url)
        return v.etag, v.last_modified

    def remember_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        # Saved only when the run finishes: a run killed after reading a topic page must
        # not make the next run skip that page with a 304.
        self._validators[url] = (etag, last_modified)

    # --- claims: one article, one emission per crawl ------------------------------------------

    def use_claims(self, shared: Any, is_alive: Any) -> None:
        self._shared_claims, self._is_alive = shared, is_alive

    def claim(self, keys: list[str], site: str, url: str) -> tuple[str, str, str] | None:
        """Claim every key for this article; or return (key, site, url) of the article that
        already holds one of them (then nothing is claimed)."""
        holder = f"{site}\t{url}"
        if self._shared_claims is not None:
            found = self._shared_claims.claim(keys, holder)
        else:
            found = next(((k, self._claims[k]) for k in keys if k in self._claims), None)
            if found is None:
                self._claims.update(dict.fromkeys(keys, holder))
        if found is None:
            return None
        first_site, _, first_url = found[1].partition("\t")
        return found[0], first_site, first_url

    # --- near-duplicates -----------------------------------------------------------------------

    def near_duplicate_of(self, url: str, body: str) -> str | None:
        """The URL of an earlier article (this run or stored) this body nearly duplicates."""
        sig = self.hasher.signature(shingles(body))
        bands = lsh_bands(sig)
        candidates = {u for band in bands for u in self._band_urls.get(band, ())}
        candidates |= self.store.near_candidates(bands)
        candidates.discard(url)
        best, best_score = None, 0.0
        stored = self.store.signatures(c for c in candidates if c not in self._signatures)
        for cand in sorted(candidates):
            other = self._signatures.get(cand)
            if other is None and cand in stored:
                other = unpack_signature(stored[cand])
                sig_cmp = tuple(v & 0xFFFFFFFF for v in sig)
            else:
                sig_cmp = sig
            if other is None:
                continue
            score = jaccard_estimate(sig_cmp, other)
            if score > best_score:
                best, best_score = cand, score
        self._signatures[url] = sig
        for band in bands:
            self._band_urls.setdefault(band, set()).add(url)
        return best if best is not None and best_score >= self.near_threshold else None

    # --- exactly-once delivery -----------------------------------------------------------------

    def delivery(self, item: Any) -> Delivery:
        a = ItemAdapter(item)
        return Delivery(a["site"], a["url"], a["fingerprint"], a.get("article_id"),
                        a.get("published_at"), a.get("modified_at"),
                        self._signatures.get(a["url"]))

    def file_closing(self, key: int, deliveries: list[Delivery]) -> None:
        self._closing[key] = deliveries

    def before_rename(self, key: int, path: Path, run_id: str) -> None:
        """Phase 1: note in the store which articles the file holds, before it becomes
        visible. If this fails (store unreachable) the file stays ``.part``: undelivered."""
        deliveries = self._closing.get(key, [])
        payload = json.dumps([_delivery_row(d) for d in deliveries], ensure_ascii=False)
        self.store.add_pending(f"{run_id}/{path.name}", path.name, payload)

    def after_rename(self, key: int, path: Path, run_id: str) -> None:
        """Phase 2: the file is complete under its final name: its articles are delivered.
        Should this fail, the next run finds the pending note and finishes the job."""
        deliveries = self._closing.pop(key, [])
        self._record(deliveries)
        self.store.mark_delivered(f"{run_id}/{path.name}")
        self._forget_delivered(deliveries)
        self.files.append({"file": path.name, "items": len(deliveries),
                           "sha256": sha256_of(path), "bytes": path.stat().st_size})

    def file_failed(self, key: int, reason: str) -> None:
        """A feed file that never became complete: its articles are not delivered (nothing
        is recorded; the next run fetches them again) and the manifest says so."""
        deliveries = self._closing.pop(key, [])
        self.undelivered += len(deliveries)
        spider = getattr(self.crawler, "spider", None)
        note = getattr(spider, "account_undelivered", None)
        if note is not None:
            note([d.url for d in deliveries], reason)

    def _forget_delivered(self, deliveries: list[Delivery]) -> None:
        """Delivered articles are in the store now (which answers for them from here on):
        drop them from the in-run near-duplicate index and the in-run claims."""
        for d in deliveries:
            for key in (f"url\t{d.url}", f"article_id\t{d.site}:{d.article_id}",
                        f"fingerprint\t{d.fingerprint}"):
                self._claims.pop(key, None)
            sig = self._signatures.pop(d.url, None)
            if sig is None:
                continue
            for band in lsh_bands(sig):
                urls = self._band_urls.get(band)
                if urls is not None:
                    urls.discard(d.url)
                    if not urls:
                        del self._band_urls[band]

    def _record(self, deliveries: list[Delivery]) -> None:
        self.counts.update(record_deliveries(self.store, deliveries))

    def finish_dead_deliveries(self, feed_dir: Path) -> int:
        """Pending notes of dead runs: a file that reached its final name is delivered
        (record its articles); one that did not is not (forget the note)."""
        finished = 0
        for row in self.store.undelivered():
            run_id, _, name = row.run_id.partition("/")
            if self._is_alive(run_id) or run_id == self._own_run:
                continue
            if (feed_dir / name).exists():
                deliveries = [_delivery_from_row(v) for v in json.loads(row.item_json)]
                self._record(deliveries)
                self.store.mark_delivered(row.run_id)
                finished += 1
                logger.warning("run %s died after completing %s: its %d articles are now "
                               "recorded as delivered", run_id, name, len(deliveries))
            else:
                self.store.forget_pending(row.run_id)
        return finished

    # --- the dead runs' leftovers --------------------------------------------------------------

    def resume_leftovers(self, feed_dir: Path, spider_name: str, run_id: str) -> list[str]:
        """Remove .part files of runs that died; return their run ids. Their articles were
        never recorded, so this run fetches and emits them again: rediscovered from the list
        pages, and requested directly from ``resume_urls`` (an article reached only through
        the related box of one that was delivered would not be found again otherwise)."""
        dead: list[str] = []
        for part in sorted(feed_dir.glob(f"{spider_name}-*.part")):
            found = RUN_ID_RE.search(part.name)
            if run_id in part.name or (found and self._is_alive(found.group(0))):
                continue  # ours, or another live worker's (Redis mode)
            stem = part.name[len(spider_name) + 1:].split(".", 1)[0]
            found = RUN_ID_RE.search(stem)
            dead_run = found.group(0) if found else stem
            lines = 0
            with part.open("rb") as fh:
                for line in fh:
                    lines += 1
                    url = _line_url(line)
                    if url and url not in self.resume_urls:
                        self.resume_urls.append(url)
            part.unlink()
            logger.warning("run %s was killed: removed %s (%d undelivered lines, fetched again "
                           "by this run)", dead_run, part.name, lines)
            if dead_run not in dead:
                dead.append(dead_run)
                manifest = feed_dir / f"{spider_name}-{dead_run}.manifest.json"
                try:
                    # A run that failed wrote its own manifest: keep its status and reason.
                    known = json.loads(manifest.read_text("utf-8"))
                except (OSError, ValueError):
                    # Killed: its complete files (renamed before it died) are delivered.
                    known = {"run_id": dead_run, "spider": spider_name,
                             "status": "killed-and-resumed",
                             "files": complete_files(feed_dir, spider_name, dead_run)}
                known.update(resumed_by=run_id, undelivered_lines_removed=lines)
                write_json(manifest, known)
        self.resuming.extend(dead)
        return dead

    # --- start and end of run -------------------------------------------------------------------

    def _on_opened(self, spider: Any) -> None:
        if not self.enabled:
            return
        redis_mode = bool(redis_url(self.crawler.settings))
        if self.lock_name is None and not redis_mode:
            # Started without `scrapy crawl`'s preflight (e.g. a CrawlerProcess script).
            try:
                self.acquire(spider.name, sorted({p.site for p in
                                                  getattr(spider, "profiles", [])}))
            except LockHeld as exc:
                logger.error("%s: closing", exc)
                if self.crawler.engine is not None:
                    from scrapy.utils.defer import deferred_from_coro

                    deferred_from_coro(self.crawler.engine.close_spider_async(reason="locked"))
                return
        feed_dir = Path(self.crawler.settings.get("FEED_DIR", "output/%(name)s")
                        % {"name": spider.name})
        self._own_run = getattr(spider, "run_id", "")
        try:
            if not redis_mode:
                self._mark_unfinished(spider.name)
            if feed_dir.is_dir():
                self.finish_dead_deliveries(feed_dir)
                self.resume_leftovers(feed_dir, spider.name, self._own_run)
        except store_errors() as exc:
            fail_store(self.crawler, exc)
        except OSError as exc:
            runstatus.fail(self.crawler, runstatus.DELIVERY,
                           f"cannot clean up {feed_dir}: {exc.strerror or exc}", close=True)
        from twisted.internet import task

        self._refresher = task.LoopingCall(self.refresh_lock)
        self._refresher.start(max(self.crawler.settings.getfloat("STATE_LOCK_TTL") / 4, 1),
                              now=False)


    def _on_spider_closed(self, spider: Any, reason: str) -> None:
        self._reason = reason

    def _on_closed(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._refresher is not None and self._refresher.running:
            self._refresher.stop()
        try:
            redis_mode = bool(redis_url(self.crawler.settings))
            clean = RunContext.of(self.crawler).clean_crawl_end
            settled = self._all_settled()
            if (getattr(self, "_reason", None) == "finished" and (clean or not redis_mode)
                    and settled):
                for url, (etag, last_modified) in self._validators.items():
                    self.store.set_http_validators(url, etag, last_modified)
            spider = getattr(self.crawler, "spider", None)
            if spider is not None and not redis_mode and settled:
                self.store.set_http_validators(_unfinished_key(spider.name), None, None)
            self.release()
        except store_errors():
            logger.warning("state store unreachable at the end of the run: topic validators "
                           "not saved, lock left to expire")

    def _mark_unfinished(self, spider_name: str) -> None:
        """Note in the store that a run of this spider is under way, cleared only when it
        ends settled. The next run finding the note (the run failed, was stopped or killed)
        resumes: no 304s, no "page of known articles ends the topic", so every article the
        unfinished run left undelivered is found again on its topic page."""
        key = _unfinished_key(spider_name)
        left = self.store.http_validators(key)
        if left.etag and left.etag != self._own_run:
            note = f"run {left.etag} did not finish"
            if note not in self.resuming:
                self.resuming.append(note)
        self.store.set_http_validators(key, self._own_run, "running")

    def _all_settled(self) -> bool:
        """Whether every article this run found was delivered or has a lasting outcome. Only
        then may topic pages be answered with a 304 next time: an article that failed for a
        passing reason (HTTP 500, timeout, disk full...) must be found again on its topic page.
        """
        if runstatus.decide(self.crawler, getattr(self, "_reason", None)).status != "finished":
            return False
        if self.undelivered:
            return False
        ledger = getattr(getattr(self.crawler, "spider", None), "ledger", {})
        for outcome, reason in ledger.values():
            if outcome in ("pending", "not_fetched", "undelivered"):
                return False
            if outcome == "failed" and not reason.startswith(LASTING_FAILURES):
                return False
        return True

    def close(self) -> None:
        self.store.close()


def _line_url(line: bytes) -> str | None:
    """The ``url`` of one JSON Lines article, or None (a torn last line, a gzip member).

    >>> _line_url(b'{"url": "https://a.vn/x-post1.html", "title": "X"}\\n')
    'https://a.vn/x-post1.html'
    >>> _line_url(b'{"url": "https://a.vn/x-po') is None
    True
    """
    try:
        url = json.loads(line).get("url")
    except (ValueError, AttributeError):
        return None
    return url if isinstance(url, str) else None


def _unfinished_key(spider_name: str) -> str:
    # Kept among the HTTP validators (both backends have them; no schema change): a key no
    # URL can be.
    return f"vnnews:unfinished-run:{spider_name}"


def record_deliveries(store: StateStore, deliveries: list[Delivery]) -> Counter[str]:
    """Record delivered articles in the store (one batch); counts by outcome."""
    counts: Counter[str] = Counter()
    with store.batch():
        for d in deliveries:
            outcome = store.record(d.site, d.url, d.fingerprint, article_id=d.article_id,
                                   published_at=d.published_at, modified_at=d.modified_at)
            counts[f"recorded_{outcome.status}"] += 1
            if d.signature is not None:
                store.add_near(d.url, lsh_bands(d.signature))
                store.set_signature(d.url, pack_signature(d.signature))
    return counts


def complete_files(feed_dir: Path, spider_name: str, run_id: str) -> list[dict[str, Any]]:
    """The complete feed files of a run (as a manifest's ``files`` lists them)."""
    import gzip

    out = []
    for path in sorted(feed_dir.glob(f"{spider_name}-{run_id}*")):
        if not path.name.endswith((".jsonl", ".jsonl.gz")):
            continue
        opener = gzip.open if path.name.endswith(".gz") else open
        try:
            with opener(path, "rb") as fh:
                items = sum(1 for line in fh if line.strip())
        except (OSError, EOFError):
            continue
        out.append({"file": path.name, "items": items, "sha256": sha256_of(path),
                    "bytes": path.stat().st_size})
    return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    tmp.replace(path)


def lock_sites(crawler: Crawler) -> list[str]:
    """The sites a crawl about to start would deliver (its spider's profiles), from the
    spider class and its ``-a`` arguments, before the spider exists."""
    spargs = RunContext.of(crawler).spargs
    try:
        spider = crawler.spidercls(**spargs)
    except Exception:  # bad arguments were refused earlier; nothing known: spider lock only
        return []
    return sorted({p.site for p in getattr(spider, "profiles", [])})


def preflight_lock(crawler: Crawler) -> None:
    """PREFLIGHT_CHECKS hook: open the store (integrity checked) and take the locks of the
    spider and of its sites before crawling."""
    try:
        manager = StateManager.of(crawler)
    except StoreError as exc:
        raise PreflightError(str(exc)) from None
    if redis_url(crawler.settings):
        return  # Redis mode: workers join the running crawl instead of excluding each other
    try:
        manager.acquire(crawler.spidercls.name, lock_sites(crawler))
    except LockHeld as exc:
        raise PreflightError(str(exc)) from None
    except store_errors() as exc:
        # E.g. the store's disk is full: taking the lock is its first write.
        raise PreflightError(f"state store {redact_uri(manager.uri)} cannot be written: "
                             f"{' '.join(str(exc).split())}") from None
