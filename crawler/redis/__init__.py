"""Redis mode: several worker processes, one crawl.

Switched on by ``REDIS_URL`` (environment or setting). Then ``scrapy crawl baohatinh`` started N
times is N workers of one crawl: they share scrapy-redis's request queue and a dupefilter, the
state store (``STATE_URI`` defaults to the same Redis), the claims that keep an article from
being emitted twice, and heartbeats that tell live workers from dead ones.

A *crawl* is what the workers of one wave share; its id scopes the dupefilter and the claims.
When the last live worker closes, the crawl ends. A worker that finds a crawl whose workers are
all dead starts a new one: requests those workers had in flight were never delivered (their
feed files stayed ``.part``), so the new crawl discovers and emits them again, once.

One module per Scrapy component it replaces or adds, as scrapy-redis lays itself out:

- :mod:`crawler.redis.mode`: the settings that switch it on (``apply_redis_mode``), the
  connection, ``python -m crawler push``;
- :mod:`crawler.redis.scheduler`: the shared request queue (``SCHEDULER``);
- :mod:`crawler.redis.dupefilter`: the shared dupefilter, scoped to the crawl
  (``DUPEFILTER_CLASS``);
- :mod:`crawler.redis.membership`: the crawl's id, its workers and their heartbeats;
- :mod:`crawler.redis.claims`: one article, one emission across the workers;
- :mod:`crawler.redis.depths`: related-link depths shared across the workers;
- :mod:`crawler.redis.workers`: the extension that joins the crawl, beats the heart, idles
  while others work and leaves (``EXTENSIONS``).

Nothing of a one-machine crawl imports this package (``tests/test_architecture.py``): what it
shares with one is :func:`crawler.store.errors.store_errors` (which errors end a run) and
:func:`crawler.runstatus.fail_store` (ending it). Its keys all start with :data:`PREFIX`.
"""

PREFIX = "vnnews:"
