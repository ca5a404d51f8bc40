"""The tables of :class:`crawler.store.sqlite.SqliteStore` (schema version 1), created when a
file is opened; a change of layout bumps ``crawler.store.sqlite.SCHEMA_VERSION``."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    url TEXT NOT NULL,
    article_id TEXT,
    fingerprint TEXT NOT NULL,
    revision INTEGER NOT NULL,
    published_at TEXT,
    modified_at TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_fetched TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_last_seen ON articles (last_seen);
-- Every name an article is known by: "u<TAB>url" (any URL it ever had, so a slug edit
-- keeps the old URL known) and "i<TAB>site<TAB>article_id".
CREATE TABLE IF NOT EXISTS article_keys (
    key TEXT PRIMARY KEY,
    article INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_keys_article ON article_keys (article);
-- First article to carry a body fingerprint owns it.
CREATE TABLE IF NOT EXISTS fingerprints (
    fingerprint TEXT PRIMARY KEY,
    article INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fingerprints_article ON fingerprints (article);
CREATE TABLE IF NOT EXISTS near (
    band TEXT NOT NULL,
    url TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (band, url)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS near_last_seen ON near (last_seen);
-- MinHash signatures (crawler.neardup), to verify near-duplicate candidates.
CREATE TABLE IF NOT EXISTS signatures (
    url TEXT PRIMARY KEY,
    signature BLOB NOT NULL
) WITHOUT ROWID;
-- Never written any more (what a topic page looked like is kept as its HTTP validators):
-- kept so that files written by earlier versions keep schema version 1.
CREATE TABLE IF NOT EXISTS topics (
    topic_url TEXT PRIMARY KEY,
    newest_published TEXT,
    etag TEXT,
    last_modified TEXT,
    updated TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS http_validators (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    updated TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending (
    seq INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    key TEXT NOT NULL,
    item_json TEXT NOT NULL,
    created TEXT NOT NULL,
    delivered TEXT,
    UNIQUE (run_id, key)
);
CREATE INDEX IF NOT EXISTS pending_delivered ON pending (delivered);
CREATE TABLE IF NOT EXISTS locks (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    acquired TEXT NOT NULL,
    expires REAL NOT NULL
) WITHOUT ROWID;
"""
