"""The Redis store's Lua scripts (redis.py): each multi-key step of the queue, atomic.

Lease expiries are on Redis' clock (`TIME`), not the replicas': replicas on nodes whose clocks
disagree still agree on when a lease has run out. `not_before` and `created` are the writer's
clock, as before (a retry's delay, a task's age). Scripts that read `TIME` and then write need
effects replication, Redis' default since 5.0 and its only mode since 7.0.
"""

from __future__ import annotations

# A task's hash is keyed by id; `owner` is set while it is leased (then it is in `leased`, not in
# `ready`), '' otherwise. `attempts` counts claims: the lease's fencing token.

ENQUEUE = """
local p = ARGV[1]
local ids = {}
for i = 2, #ARGV, 7 do
  local lane, kind, serial = ARGV[i], ARGV[i+1], ARGV[i+2]
  local payload, created, nb = ARGV[i+3], ARGV[i+4], ARGV[i+5]
  local id = redis.call('INCR', p .. ':seq')
  redis.call('HSET', p .. ':task:' .. id, 'lane', lane, 'kind', kind, 'serial_key', serial,
             'payload', payload, 'created', created, 'not_before', nb, 'attempts', 0, 'owner', '')
  redis.call('ZADD', p .. ':tasks:' .. lane, created, id)
  if serial ~= '' then
    if redis.call('RPUSH', p .. ':serial:' .. serial, id) == 1 then
      redis.call('ZADD', p .. ':ready:' .. lane, nb, id)
    end
  else
    redis.call('ZADD', p .. ':ready:' .. lane, nb, id)
  end
  ids[#ids + 1] = tostring(id)
end
return ids
"""

_NOW = """
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
"""

# ARGV: prefix, lane, ready_by (the claimer's clock, against not_before), lease seconds, owner
CLAIM = (
    _NOW
    + """
local p, lane, ready_by, lease, owner = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local ids = redis.call('ZRANGEBYSCORE', p .. ':ready:' .. lane, '-inf', ready_by, 'LIMIT', 0, 1)
if #ids == 0 then return false end
local id = ids[1]
local key = p .. ':task:' .. id
redis.call('ZREM', p .. ':ready:' .. lane, id)
redis.call('ZADD', p .. ':leased', now() + lease, id)
redis.call('HSET', key, 'owner', owner)
local attempts = redis.call('HINCRBY', key, 'attempts', 1)
local t = redis.call('HMGET', key, 'kind', 'serial_key', 'payload', 'created')
return {id, t[1], t[2], t[3], t[4], tostring(attempts)}
"""
)

DONE = """
local p, id, now = ARGV[1], ARGV[2], ARGV[3]
local key = p .. ':task:' .. id
local t = redis.call('HMGET', key, 'lane', 'serial_key')
if not t[1] then return 0 end
redis.call('ZREM', p .. ':leased', id)
redis.call('ZREM', p .. ':ready:' .. t[1], id)
redis.call('ZREM', p .. ':tasks:' .. t[1], id)
redis.call('SREM', p .. ':retrying', id)
redis.call('DEL', key)
if t[2] and t[2] ~= '' then
  local list = p .. ':serial:' .. t[2]
  redis.call('LREM', list, 1, id)
  local head = redis.call('LINDEX', list, 0)
  if head then
    local h = redis.call('HMGET', p .. ':task:' .. head, 'lane', 'not_before', 'owner')
    if h[3] == '' then redis.call('ZADD', p .. ':ready:' .. h[1], h[2], head) end
  end
end
return 1
"""

# ARGV: prefix, id, not_before, error, attempts. Only the attempt holding the lease gives it back.
RETRY = """
local p, id, nb, err, attempts = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local key = p .. ':task:' .. id
local t = redis.call('HMGET', key, 'lane', 'owner', 'attempts')
if not t[1] or not t[2] or t[2] == '' or t[3] ~= attempts then return 0 end
redis.call('ZREM', p .. ':leased', id)
redis.call('HSET', key, 'owner', '', 'not_before', nb, 'last_error', err)
redis.call('SADD', p .. ':retrying', id)
redis.call('ZADD', p .. ':ready:' .. t[1], nb, id)
return 1
"""

# ARGV: prefix, owner, lease seconds, ids...; returns the ids still queued under another owner.
RENEW = (
    _NOW
    + """
local p, owner = ARGV[1], ARGV[2]
local expiry = now() + tonumber(ARGV[3])
local lost = {}
for i = 4, #ARGV do
  local holder = redis.call('HGET', p .. ':task:' .. ARGV[i], 'owner')
  if holder == owner then
    redis.call('ZADD', p .. ':leased', 'XX', expiry, ARGV[i])
  elseif holder then
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
"""
)

# Back into `ready` at its own not_before (older than anything claimable since): a group's
# head is released, so the group's order holds and its next task still waits behind it.
_RELEASE = """
local function release(p, id)
  local key = p .. ':task:' .. id
  local t = redis.call('HMGET', key, 'lane', 'not_before')
  redis.call('ZREM', p .. ':leased', id)
  if not t[1] then return 0 end
  redis.call('HSET', key, 'owner', '')
  redis.call('ZADD', p .. ':ready:' .. t[1], t[2], id)
  return 1
end
"""

# ARGV: prefix
RECLAIM = (
    _NOW
    + _RELEASE
    + """
local p = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', p .. ':leased', '-inf', string.format('(%.6f', now()))
local n = 0
for _, id in ipairs(ids) do n = n + release(p, id) end
return n
"""
)

# ARGV: prefix, owner prefix (earlier lives of the caller)
RECOVER = (
    _NOW
    + _RELEASE
    + """
local p, prefix = ARGV[1], ARGV[2]
local t = now()
local leased = redis.call('ZRANGE', p .. ':leased', 0, -1, 'WITHSCORES')
local n = 0
for i = 1, #leased, 2 do
  local id = leased[i]
  local owner = redis.call('HGET', p .. ':task:' .. id, 'owner') or ''
  if tonumber(leased[i + 1]) < t or string.sub(owner, 1, #prefix) == prefix then
    n = n + release(p, id)
  end
end
return n
"""
)

ENRICH = """
local key, revision, body = KEYS[1], tonumber(ARGV[1]), ARGV[2]
local old = redis.call('GET', key)
if old and tonumber(string.match(old, '^(%d+)')) > revision then return 0 end
redis.call('SET', key, tostring(revision) .. '\\n' .. body, 'EX', ARGV[3])
return 1
"""
