-- Atomic read of one replicated value: its meta fields and data in one step.
--
-- KEYS[1]  data key (STRING)          KEYS[2]  meta key (HASH)
-- KEYS[3]  the node's epoch key, for a read whose answer may count toward R (with exactly three keys: anti-entropy
--          passes the slot keys as KEYS[3..4] instead, and checks the epochs at the start of a pass)
--
-- Returns {0, version, tombstone, deleted_at, expires_at, kind, name, data} (missing items are nil);
-- {-1, type} meta key has the wrong type; {-2, type} data key has the wrong type; {-7} the node's epoch key is gone
-- (the node lost its data, FLUSHALL or an empty restart, since the client last checked it: the answer cannot count).

if #KEYS == 3 and redis.call('EXISTS', KEYS[3]) == 0 then
  return {-7}
end

local meta = redis.pcall('HMGET', KEYS[2], 'v', 't', 'd', 'x', 'k', 'n')
if type(meta) == 'table' and meta.err then
  return {-1, redis.call('TYPE', KEYS[2])['ok']}
end

local data = redis.pcall('GET', KEYS[1])
if type(data) == 'table' and data.err then
  return {-2, redis.call('TYPE', KEYS[1])['ok']}
end

return {0, meta[1], meta[2], meta[3], meta[4], meta[5], meta[6], data}
