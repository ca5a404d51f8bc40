"""Every setting of the project, grouped by component.

Scrapy's own settings come first, then ours. Ours are prefixed per component (``CLEAN_``,
``VALIDATE_``, ``DEDUPE_``, ``FEED_``, ``DISCOVERY_``, ``SUMMARY_``); the few named by the
product's contract (``MIRROR``) keep their plain names. Override any of them on the command
line with ``-s NAME=VALUE``; nothing is configured by editing code.
"""

from __future__ import annotations

import os

BOT_NAME = "vnnews"

# Spiders live in the top-level ``spiders`` package; operator commands in crawler/commands.
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "crawler.commands"

# --- Politeness -------------------------------------------------------------------------
# A polite user agent that names the project, so site operators can tell who we are.
USER_AGENT = "vnnews-crawler/0.1 (+https://github.com/vnnews/vnnews-crawler; news archiving bot)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
# Real article pages are 150-500 KB; anything past 8 MB is not a news page.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
# Waits before a retry: exponential backoff from RETRY_BACKOFF_BASE seconds up to
# RETRY_BACKOFF_MAX, or the server's Retry-After (429/503), capped by RETRY_AFTER_MAX.
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 30.0
RETRY_AFTER_MAX = 120.0
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.SafetyMiddleware": 50,
    # Scrapy's offsite filter drops off-site requests at scheduling time, silently for the
    # spider (a redirect off the site stayed "pending"), and lets dont_filter requests through.
    # SafetyMiddleware refuses every off-site request, with an outcome for each.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    # Scrapy's robots.txt handling, but a failed robots.txt fetch is one line, not a traceback.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Next to the download handler: sees responses as received (before decompression,
    # redirects and retries) and requests as sent. See "Archive" below.
    "crawler.archive.ArchiveMiddleware": 900,
}
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.StoreFailureMiddleware": 50,
}
# --- Network guard (crawler/netguard.py, crawler.middlewares.SafetyMiddleware) ---------------
# Every request (start, topic, feed, sitemap, robots.txt, each redirect hop, meta refresh,
# dont_filter or not) is refused unless it is http(s), on the spider's site domains, and its
# host is no loopback/private/link-local/CGNAT/multicast/reserved address in any spelling
# (127.1, 0x7f000001, 2130706433, 0177.0.0.1, [::ffff:127.0.0.1]...) nor a name resolving to
# one. The reactor's resolver (below) checks every resolved address and hands Twisted only
# checked ones, so nothing is resolved twice. The MIRROR server is the one exception, in
# mirror mode only. Off only for debugging: SAFETY_ENABLED=False.
SAFETY_ENABLED = True
TWISTED_DNS_RESOLVER = "crawler.netguard.GuardedResolver"
# Refuse hosts off the spider's site domains (its profiles' domains), redirects included.
NETGUARD_SITE_DOMAINS_ONLY = True
# Networks (CIDR) the operator allows although private, e.g. ["10.20.0.0/16"] to crawl an
# intranet site on purpose. Empty: none.
NETGUARD_ALLOW_NETWORKS: list[str] = []
# Host name -> address(es) used instead of DNS, like /etc/hosts (pinned addresses are checked
# like resolved ones). For tests and for pinning a site to known servers.
NETGUARD_HOSTS: dict[str, str | list[str]] = {}
# How long a checked DNS answer is reused (seconds). Connections use the cached, checked
# addresses; after this the name is resolved and checked again.
NETGUARD_DNS_TTL = 600.0
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
# No listening ports on a crawl machine: the telnet console and remote control are off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
# One line per dropped article (reason and URL), at INFO: drops are counted in the stats.
LOG_FORMATTER = "crawler.logformatter.OneLineLogFormatter"
# The spiders canonicalise every URL before requesting it, so Scrapy's default request
# fingerprinting (over the canonical URL) is the dupefilter we want.

# --- Crawl command ---------------------------------------------------------------------------
# Extra checks run by `scrapy crawl` before crawling (callables taking the crawler, raising
# crawler.runstatus.PreflightError): a failure is one line on stderr and exit status 2.
PREFLIGHT_CHECKS = ["crawler.replay.preflight_replay", "crawler.state.preflight_lock"]

# --- Add-ons (crawler/addons.py) ------------------------------------------------------------
# Settings that follow from other settings, applied once per crawl: Redis mode (REDIS_URL),
# relaxed politeness under MIRROR/REPLAY, feed rollover and gzip (FEED_ROLLOVER_ITEMS,
# FEED_GZIP). They set values above settings.py and below the command line: -s still wins.
ADDONS = {
    "crawler.addons.RedisMode": 100,
    "crawler.addons.MirrorPoliteness": 200,
    "crawler.addons.FeedOptions": 300,
}

# --- Mirror (offline copy) -------------------------------------------------------------------
# MIRROR: one base URL (e.g. http://127.0.0.1:8000). When set, a request for
# https://HOST/PATH?QUERY is fetched from MIRROR/HOST/PATH?QUERY at download time only;
# scheduler, dupefilter and items keep the real URL. Politeness is relaxed for the mirror only
# (MIRROR_* below), since the mirror is our own local server.
MIRROR = ""
MIRROR_DOWNLOAD_DELAY = 0.0
MIRROR_CONCURRENT_REQUESTS_PER_DOMAIN = 16
# The handler serves REPLAY (below) when set, else MIRROR when set, else the network.
DOWNLOAD_HANDLERS = {
    "http": "crawler.replay.ReplayDownloadHandler",
    "https": "crawler.replay.ReplayDownloadHandler",
}

# --- Archive (crawler/archive.py) and replay (crawler/replay.py) ------------------------------
# Keep every response as WARC (ISO 28500): request + response records, one gzip member each,
# real URLs in WARC-Target-URI (also under MIRROR), the page's role (article, list...) in
# WARC-Page-Role; an unchanged re-fetched page is a revisit record. Files
# <ARCHIVE_DIR>/<spider>-<run id>-0001.warc.gz, written as *.part and renamed when complete,
# listed in the manifest (records, bytes, SHA-256). `python -m crawler reextract` and REPLAY
# read them; `python -m crawler prune --feeds DIR` ages them out with the feeds.
ARCHIVE_ENABLED = True
# Folder of the WARC files; empty: the feed folder (FEED_DIR), beside the feeds.
ARCHIVE_DIR = ""
# Start a new file once the current one is this large (compressed bytes).
ARCHIVE_MAX_BYTES = 1024 * 1024 * 1024
# zlib level of each record's gzip member: 3 costs ~1/3 of level 6's CPU for ~10% more bytes.
ARCHIVE_GZIP_LEVEL = 3
# Write a revisit record (headers + payload digest) for a 200 whose body is the one archived
# last time for that URL (remembered in <ARCHIVE_DIR>/archive-index.sqlite3).
ARCHIVE_REVISITS = True
# Build, digest, compress and write records in a writer thread (zlib and hashlib release
# the GIL: on a machine with a spare core it overlaps the crawl); False: in the crawl's thread.
ARCHIVE_THREAD = True
# Exchanges waiting for the writer thread before the crawl waits for it (bounds memory).
ARCHIVE_QUEUE = 64
# REPLAY: WARC files or folders (comma-separated). Every request is answered from the archive
# (the most recent record for its URL, revisits resolved); a URL not in it is not fetched: it
# fails as "not in archive" (stats: replay/not_in_archive). Nothing is archived during a replay.
REPLAY = ""

# --- Site profiles (crawler/sites) -----------------------------------------------------------
# Every module of crawler/sites/ declaring PROFILES is found on its own. A profile module kept
# elsewhere (a site maintained outside this repository, a test's throwaway site) is registered
# through the ENVIRONMENT variable SITES_EXTRA_MODULES: dotted module names, comma-separated,
# importable from PYTHONPATH, e.g. `SITES_EXTRA_MODULES=mysites.baovidu scrapy crawl baovidu`.
# It cannot be a -s setting: spiders are made from the registry when Scrapy loads them, before
# the crawl's settings exist. Two profiles with one slug stop the run.

# --- Discovery (spiders) ---------------------------------------------------------------------
# How many pages of a topic's pagination to walk (page 1 included).
DISCOVERY_MAX_PAGES = 5
# How many hops of "Đọc thêm" / related links to follow from an article found on a list page.
DISCOVERY_RELATED_DEPTH = 3
# Follow links in related boxes at all.
DISCOVERY_FOLLOW_RELATED = True
# Also read each profile's RSS feeds and sitemaps (not when -a start=... names the pages).
DISCOVERY_FEEDS = True

# --- State across runs (crawler/state.py, crawler/store) ----------------------------------------
# Where the crawler remembers what it saw: sqlite:///relative/path (against the project root,
# never the working directory), sqlite:////absolute/path, or none (remember nothing).
STATE_URI = "sqlite:///.state/crawler.sqlite3"
# Re-fetch a known article while it was published less than this many days ago, to catch
# edits (a changed body is emitted again as revision 2, 3...). 0: never re-fetch.
STATE_REFETCH_DAYS = 0.0
# The per-spider run lock: a second run exits at once while the first holds it. The holder
# refreshes it every TTL/4; a lock whose holder died (same host) or expired is taken over.
STATE_LOCK_TTL = 3600.0
# Fix "now" (ISO 8601) for reproducible runs and tests; empty: the real clock.
CRAWLER_NOW = ""

# --- Redis mode (crawler/redis/) -------------------------------------------------------------
# Set REDIS_URL (environment, or -s) and every `scrapy crawl SPIDER` started with it is a worker
# of one shared crawl: scrapy-redis queue and dupefilter, shared claims, and STATE_URI defaulting
# to the same Redis. Per-site politeness limits are per worker. It sets (crawler.redis.mode):
# SCHEDULER = "crawler.redis.scheduler.CrawlScheduler",
# DUPEFILTER_CLASS = "crawler.redis.dupefilter.CrawlDupeFilter" and the extension
# "crawler.redis.workers.Workers" (joins the crawl, heartbeats, idles, leaves).
REDIS_URL = os.environ.get("REDIS_URL", "")
# A worker whose queue is empty waits this long for other workers' requests before closing.
REDIS_IDLE_CLOSE = 10.0
# Heartbeat key lifetime: a worker silent this long is dead (its claims and .part files free).
REDIS_HEARTBEAT_TTL = 30

# --- Item pipelines --------------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
}
CLEAN_ENABLED = True
VALIDATE_ENABLED = True
# Fields an article must have to be emitted; a missing one drops it (stats: validate/missing_<f>).
VALIDATE_REQUIRED_FIELDS = ["url", "title", "body", "published_at"]
# A body shorter than this many characters is not an article body (layout change, paywall).
VALIDATE_MIN_BODY_CHARS = 80
DEDUPE_ENABLED = True
# Keys an article is deduplicated on, in order: canonical URL, site article id, body fingerprint.
DEDUPE_KEYS = ["url", "article_id", "fingerprint"]
# Near-duplicates (the same story on another site, or lightly edited), found with MinHash over
# tone-mark-canonical syllable shingles: "mark" emits them with duplicate_of set to the first
# URL; "drop" drops them (counted as dedupe/dropped_near).
DEDUPE_NEAR_ACTION = "mark"
# Estimated Jaccard similarity from which two bodies are near-duplicates.
DEDUPE_NEAR_THRESHOLD = 0.5

# --- Feeds -----------------------------------------------------------------------------------
# One JSON Lines file per run, named with the run id, under FEED_DIR. While it is written it is
# named *.jsonl.part, so a consumer globbing *.jsonl only ever sees complete files.
# Scrapy's -O FILE / -o FILE (or FEEDS given with -s) replace this feed: FEED_DIR is then not
# written (the manifest goes beside FILE as <stem>.manifest.json) unless FEED_DIR is also given.
# -O always rewrites FILE with this run's articles (empty when none); -o appends them. Articles
# already delivered are not emitted again: add -s STATE_URI=none for every article each run.
FEED_DIR = "output/%(name)s"
FEEDS = {
    "%(feed_dir)s/%(name)s-%(run_id)s.jsonl": {
        "format": "jsonlines",
        "encoding": "utf-8",
        "uri_params": "crawler.feeds.uri_params",
        "overwrite": True,
    }
}
FEED_EXPORT_ENCODING = "utf-8"
# -O/-o files in these formats record their articles as delivered too (exactly once across
# runs); CSV cells hold nested fields (images, related, authors, tags) as JSON text.
FEED_EXPORTERS = {
    "jsonlines": "crawler.feeds.DeliveryJsonLinesExporter",
    "jsonl": "crawler.feeds.DeliveryJsonLinesExporter",
    "json": "crawler.feeds.DeliveryJsonExporter",
    "csv": "crawler.feeds.DeliveryCsvExporter",
}
# Roll over to a new file every N articles, named <spider>-<run id>-<NNNN>.jsonl (0: one file
# per run, <spider>-<run id>.jsonl). Complete files appear while a long run goes on, and the
# in-run memory of undelivered articles stays bounded by N.
FEED_ROLLOVER_ITEMS = 1000
# Gzip the feed files (*.jsonl.gz).
FEED_GZIP = False
FEED_STORAGES = {
    "": "crawler.feeds.AtomicFileFeedStorage",
    "file": "crawler.feeds.AtomicFileFeedStorage",
}
# A run that finds nothing new writes no feed file (its manifest says so).
FEED_STORE_EMPTY = False

# --- Layout health (failing loudly) -----------------------------------------------------------
# The run ends as "layout_changed" (exit status 3) when, over at least HEALTH_MIN_SAMPLE
# article pages of a site, the share missing title, body or date (or not extracted at all)
# passes HEALTH_MAX_MISSING_SHARE, or when the first page of a topic yields no article link.
HEALTH_ENABLED = True
HEALTH_MIN_SAMPLE = 10
HEALTH_MAX_MISSING_SHARE = 0.5
# Layout drift: a site's profile missed a field (or the whole article) and a fallback layer
# (CMS family, generic) filled it in. From this share of the site's profiled pages (over at
# least HEALTH_MIN_SAMPLE) a warning is logged and the manifest lists it under
# "layout_drift"; past HEALTH_MAX_MISSING_SHARE the run fails as layout_changed.
HEALTH_DRIFT_WARN_SHARE = 0.1

# --- Memory -------------------------------------------------------------------------------------
# Every this many seconds, hand freed C-heap memory back to the OS (glibc malloc_trim), so a
# long crawl's resident size does not creep up with its length. 0: off.
MEMORY_TRIM_INTERVAL = 10.0
# Scrapy's duplicate filter with fingerprints kept as 64-bit keys in a flat table (~18 bytes
# each instead of ~90): same fingerprints, same JOBDIR file. Redis mode replaces it with the
# shared one (crawler.redis.dupefilter.CrawlDupeFilter).
DUPEFILTER_CLASS = "crawler.compact.CompactDupeFilter"

# --- Run summary -----------------------------------------------------------------------------
EXTENSIONS = {
    "crawler.memtrim.MemoryTrim": 300,
    "crawler.health.LayoutHealth": 400,
    "crawler.summary.RunSummary": 500,
    "crawler.progress.Progress": 600,
}
# Write <FEED_DIR>/<spider>-<run_id>.manifest.json with counters at the end of a run.
SUMMARY_ENABLED = True
# Where the manifest goes when FEED_DIR refuses it (disk full, read-only): the run then fails
# (exit status 4) and its manifest is written here; if this fails too, to stderr as one line.
# Empty: $VNNEWS_MANIFEST_FALLBACK, else <temp dir>/vnnews-manifests.
SUMMARY_FALLBACK_DIR = ""

# --- Progress (crawler/progress.py) ------------------------------------------------------------
# Every this many seconds, one INFO line: pages and pages/s, articles emitted, queue size,
# articles per site, failed fetches so far. 0: off. Quiet under -L WARNING.
PROGRESS_INTERVAL = 10.0

# --- Modern Scrapy defaults ------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
