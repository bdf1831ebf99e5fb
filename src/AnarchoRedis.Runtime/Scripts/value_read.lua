-- Atomic read of one replicated value: its meta fields and data in one step.
--
-- KEYS[1]  data key (STRING)          KEYS[2]  meta key (HASH)
-- KEYS[3]  the node's epoch key (on a Redis Cluster node, the epoch key of the data key's slot), for a read whose
--          answer may count toward R (with exactly three keys: anti-entropy passes the slot keys as KEYS[3..4] instead,
--          and checks the epochs at the start of a pass)
--
-- Returns {0, version, tombstone, deleted_at, expires_at, kind, name, data} (missing items are nil), with a ninth item
-- 'filling' when the epoch says the node (or the slot's shard) is being refilled: the copy can be used, not counted;
-- {-1, type} meta key has the wrong type; {-2, type} data key has the wrong type; {-7} the epoch key is gone (the node
-- or the slot's shard lost its data, FLUSHALL or an empty restart, since the client last checked it: cannot count).

local filling = false
if #KEYS == 3 then
  local state = redis.pcall('HGET', KEYS[3], 'state')
  if not state and redis.call('EXISTS', KEYS[3]) == 0 then return {-7} end
  filling = state == 'filling'
end

local meta = redis.pcall('HMGET', KEYS[2], 'v', 't', 'd', 'x', 'k', 'n')
if type(meta) == 'table' and meta.err then
  return {-1, redis.call('TYPE', KEYS[2])['ok']}
end

local data = redis.pcall('GET', KEYS[1])
if type(data) == 'table' and data.err then
  return {-2, redis.call('TYPE', KEYS[1])['ok']}
end

if filling then return {0, meta[1], meta[2], meta[3], meta[4], meta[5], meta[6], data, 'filling'} end
return {0, meta[1], meta[2], meta[3], meta[4], meta[5], meta[6], data}
