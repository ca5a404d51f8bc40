"""The Lua scripts of :class:`crawler.store.redis.RedisStore`.

Each read-then-write that must not interleave with another process is one script, which Redis
runs atomically. Keys are named from the prefix passed as ``ARGV[1]`` (the layout is described
in :mod:`crawler.store.redis`), so the store wants one Redis server, not Redis Cluster.
"""

# ARGV: prefix, then 9 per article: site, url, fingerprint, stamp, score, flags, article_id,
# published_at, modified_at. flags is three "0"/"1" saying which of the last three is given:
# SQLite tells None from "" (it stores "" but not None). One call records many articles, each
# as SQLite would one after the other, and returns (status, revision, url) for each.
RECORD = r"""
local P = ARGV[1]
local K = P .. 'keys'

local function append(A, field, value)
  local list = cjson.decode(redis.call('HGET', A, field) or '[]')
  table.insert(list, value)
  redis.call('HSET', A, field, cjson.encode(list))
end

local function optional(fields, flags, aid, pub, mod)
  if string.sub(flags, 1, 1) == '1' then table.insert(fields, 'aid'); table.insert(fields, aid) end
  if string.sub(flags, 2, 2) == '1' then table.insert(fields, 'pub'); table.insert(fields, pub) end
  if string.sub(flags, 3, 3) == '1' then table.insert(fields, 'mod'); table.insert(fields, mod) end
end

local function record(site, url, fp, stamp, score, flags, aid, pub, mod)
  local ukey = 'u\t' .. url
  local ikey = false
  if string.sub(flags, 1, 1) == '1' and aid ~= '' then ikey = 'i\t' .. site .. '\t' .. aid end

  -- The URL (any the article ever had) wins over the site's id, as in SQLite.
  local id = redis.call('HGET', K, ukey)
  if not id and ikey then id = redis.call('HGET', K, ikey) end

  if not id then
    id = redis.call('INCR', P .. 'seq')
    local names = {ukey}
    redis.call('HSET', K, ukey, id)
    if ikey then
      redis.call('HSET', K, ikey, id)
      names[2] = ikey
    end
    local fields = {'url', url, 'site', site, 'fp', fp, 'rev', 1, 'first', stamp,
                    'last', stamp, 'fetched', stamp, 'k', cjson.encode(names)}
    optional(fields, flags, aid, pub, mod)
    -- First article to carry a fingerprint owns it (SETNX); noted so prune drops it too.
    if redis.call('HSETNX', P .. 'fp', fp, id) == 1 then
      table.insert(fields, 'f'); table.insert(fields, cjson.encode({fp}))
    end
    redis.call('HSET', P .. 'a:' .. id, unpack(fields))
    redis.call('ZADD', P .. 'seen', score, id)
    return 'new', 1, url
  end

  local A = P .. 'a:' .. id
  local cur = redis.call('HMGET', A, 'url', 'fp', 'rev')
  local old_url, old_fp, rev = cur[1], cur[2], tonumber(cur[3])
  if old_url ~= url or ikey then
    -- A key already naming another article keeps it (first owner wins).
    if redis.call('HSETNX', K, ukey, id) == 1 then append(A, 'k', ukey) end
    if ikey and redis.call('HSETNX', K, ikey, id) == 1 then append(A, 'k', ikey) end
  end
  redis.call('ZADD', P .. 'seen', score, id)
  if old_fp == fp then
    redis.call('HSET', A, 'last', stamp)
    return 'unchanged', rev, old_url
  end
  local fields = {'url', url, 'fp', fp, 'rev', rev + 1, 'last', stamp, 'fetched', stamp}
  optional(fields, flags, aid, pub, mod)
  redis.call('HSET', A, unpack(fields))
  if redis.call('HSETNX', P .. 'fp', fp, id) == 1 then append(A, 'f', fp) end
  return 'updated', rev + 1, url
end

local out = {}
for i = 2, #ARGV, 9 do
  local status, rev, url = record(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4],
                                  ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8])
  out[#out + 1] = status
  out[#out + 1] = rev
  out[#out + 1] = url
end
return out
"""

# ARGV: prefix, url key or "", id key or "". The URL key is tried first.
LOOKUP = r"""
local K = ARGV[1] .. 'keys'
local id = false
if ARGV[2] ~= '' then id = redis.call('HGET', K, ARGV[2]) end
if not id and ARGV[3] ~= '' then id = redis.call('HGET', K, ARGV[3]) end
if not id then return false end
return redis.call('HMGET', ARGV[1] .. 'a:' .. id,
                  'url', 'site', 'aid', 'fp', 'rev', 'pub', 'mod', 'first', 'last', 'fetched')
"""

FP_OWNER = r"""
local id = redis.call('HGET', ARGV[1] .. 'fp', ARGV[2])
if not id then return false end
return redis.call('HGET', ARGV[1] .. 'a:' .. id, 'url')
"""

# ARGV: prefix, url, score, band... (SQLite: one row per (band, url) with its last_seen)
ADD_NEAR = r"""
local P, url, score = ARGV[1], ARGV[2], ARGV[3]
local NU = P .. 'nu:' .. url
local added = 0
for i = 4, #ARGV do
  added = added + redis.call('SADD', P .. 'n:' .. ARGV[i], url)
  redis.call('ZADD', NU, score, ARGV[i])
end
if added > 0 then redis.call('INCRBY', P .. 'near_n', added) end
local oldest = redis.call('ZRANGE', NU, 0, 0, 'WITHSCORES')
if oldest[2] then redis.call('ZADD', P .. 'near', oldest[2], url) end
return added
"""

SET_SIGNATURE = r"""
local P, url = ARGV[1], ARGV[2]
redis.call('HSET', P .. 'sig', url, ARGV[3])
-- Signed before being recorded: prune must check it, as no article will take it along.
if redis.call('HEXISTS', P .. 'keys', 'u\t' .. url) == 0 then
  redis.call('SADD', P .. 'sig_loose', url)
end
"""

# ARGV: prefix, run_id, member, item_json
ADD_PENDING = r"""
local P, run, m, js = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HEXISTS', P .. 'pj', m) == 1 then
  -- Re-emitted: the latest JSON wins, order and delivery state stay (SQLite ON CONFLICT).
  redis.call('HSET', P .. 'pj', m, js)
  return 0
end
redis.call('ZADD', P .. 'pu', redis.call('INCR', P .. 'pseq'), m)
redis.call('HSET', P .. 'pj', m, js)
redis.call('SADD', P .. 'pr:' .. run, m)
return 1
"""

MARK_DELIVERED = r"""
local P, run, score = ARGV[1], ARGV[2], ARGV[3]
local n = 0
for _, m in ipairs(redis.call('SMEMBERS', P .. 'pr:' .. run)) do
  if redis.call('ZREM', P .. 'pu', m) == 1 then
    redis.call('ZADD', P .. 'pd', score, m)
    n = n + 1
  end
end
return n
"""

# Members and JSON in one atomic read; HMGET in slices to stay under Lua's unpack() limit.
UNDELIVERED = r"""
local P = ARGV[1]
local ms = redis.call('ZRANGE', P .. 'pu', 0, -1)
local out = {}
for lo = 1, #ms, 1000 do
  local slice = {}
  for i = lo, math.min(lo + 999, #ms) do slice[#slice + 1] = ms[i] end
  local js = redis.call('HMGET', P .. 'pj', unpack(slice))
  for i, m in ipairs(slice) do
    out[#out + 1] = m
    out[#out + 1] = js[i] or ''
  end
end
return out
"""

FORGET_PENDING = r"""
local P, run = ARGV[1], ARGV[2]
local ms = redis.call('SMEMBERS', P .. 'pr:' .. run)
for _, m in ipairs(ms) do
  redis.call('ZREM', P .. 'pu', m)
  redis.call('ZREM', P .. 'pd', m)
  redis.call('HDEL', P .. 'pj', m)
end
redis.call('DEL', P .. 'pr:' .. run)
return #ms
"""

RELEASE_LOCK = r"""
local raw = redis.call('HGET', ARGV[1] .. 'locks', ARGV[2])
if not raw or cjson.decode(raw)['owner'] ~= ARGV[3] then return 0 end
return redis.call('HDEL', ARGV[1] .. 'locks', ARGV[2])
"""

# ARGV: prefix, cutoff score (exclusive), limit. Returns ids seen, articles, keys, fps, sigs.
PRUNE_ARTICLES = r"""
local P, cut, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', P .. 'seen', '-inf', '(' .. cut, 'LIMIT', 0, limit)
local arts, keys, fps, sigs = 0, 0, 0, 0
for _, id in ipairs(ids) do
  local A = P .. 'a:' .. id
  local owned = redis.call('HMGET', A, 'k', 'f')
  for _, name in ipairs(cjson.decode(owned[1] or '[]')) do
    keys = keys + redis.call('HDEL', P .. 'keys', name)
    if string.sub(name, 1, 2) == 'u\t' then
      -- The URL is no longer known: its signature goes, as SQLite's orphan sweep would.
      sigs = sigs + redis.call('HDEL', P .. 'sig', string.sub(name, 3))
    end
  end
  for _, fp in ipairs(cjson.decode(owned[2] or '[]')) do
    fps = fps + redis.call('HDEL', P .. 'fp', fp)
  end
  arts = arts + redis.call('DEL', A)
  redis.call('ZREM', P .. 'seen', id)
end
return {#ids, arts, keys, fps, sigs}
"""

# ARGV: prefix, cutoff (exclusive), offset, limit. Near pairs older than the cutoff go unless
# their URL is still a recorded article (an UNCHANGED article is not re-indexed). Those kept
# stay in range, hence the offset. Returns URLs looked at, pairs removed, URLs kept.
PRUNE_NEAR = r"""
local P, cut = ARGV[1], ARGV[2]
local urls = redis.call('ZRANGEBYSCORE', P .. 'near', '-inf', '(' .. cut,
                        'LIMIT', tonumber(ARGV[3]), tonumber(ARGV[4]))
local removed, kept = 0, 0
for _, url in ipairs(urls) do
  if redis.call('HEXISTS', P .. 'keys', 'u\t' .. url) == 1 then
    kept = kept + 1
  else
    local NU = P .. 'nu:' .. url
    for _, band in ipairs(redis.call('ZRANGEBYSCORE', NU, '-inf', '(' .. cut)) do
      removed = removed + redis.call('SREM', P .. 'n:' .. band, url)
    end
    redis.call('ZREMRANGEBYSCORE', NU, '-inf', '(' .. cut)
    local oldest = redis.call('ZRANGE', NU, 0, 0, 'WITHSCORES')
    if oldest[2] then
      redis.call('ZADD', P .. 'near', oldest[2], url)
    else
      redis.call('ZREM', P .. 'near', url)
    end
  end
end
if removed > 0 then redis.call('DECRBY', P .. 'near_n', removed) end
return {#urls, removed, kept}
"""

PRUNE_LOOSE_SIGNATURES = r"""
local P = ARGV[1]
local n = 0
for _, url in ipairs(redis.call('SPOP', P .. 'sig_loose', tonumber(ARGV[2]))) do
  if redis.call('HEXISTS', P .. 'keys', 'u\t' .. url) == 0 then
    n = n + redis.call('HDEL', P .. 'sig', url)
  end
end
return n
"""

# ARGV: prefix, cutoff (exclusive), limit. Delivered items older than the cutoff.
PRUNE_DELIVERED = r"""
local P = ARGV[1]
local ms = redis.call('ZRANGEBYSCORE', P .. 'pd', '-inf', '(' .. ARGV[2],
                      'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(ms) do
  local colon = string.find(m, ':', 1, true)
  local run = string.sub(m, colon + 1, colon + tonumber(string.sub(m, 1, colon - 1)))
  redis.call('ZREM', P .. 'pd', m)
  redis.call('HDEL', P .. 'pj', m)
  redis.call('SREM', P .. 'pr:' .. run, m)
end
return #ms
"""
