-- A Redis Cluster node keeps its epoch per hash slot (docs/failures.md). After a shard was found wiped or restarted, the
-- client runs this on the epoch key of every slot the shard owns: a slot without one lost its data (created 'filling'),
-- a 'ready' one written under another server process (a restart, or a replica promoted by a failover: it may lack what
-- its old primary acknowledged) becomes 'filling'. An anti-entropy pass sets them ready again (epoch_ready.lua).
--
-- KEYS[1] the slot's epoch key   ARGV[1] id if created (32 hex digits)   ARGV[2] now (ms)
--
-- Returns {1} created filling; {2} switched to filling (the server restarted); {0} left as it was; {-1, type} not a hash.

local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'state', 'filling', 'since', ARGV[2], 'rid', run_id() or '')
  return {1}
end
if t ~= 'hash' then return {-1, t} end
local v = redis.call('HMGET', KEYS[1], 'state', 'rid')
local rid = run_id()
if rid and v[2] ~= rid then
  if v[2] and v[1] == 'ready' then
    redis.call('HSET', KEYS[1], 'state', 'filling', 'since', ARGV[2], 'rid', rid)
    return {2}
  end
  redis.call('HSET', KEYS[1], 'rid', rid)
end
return {0}
