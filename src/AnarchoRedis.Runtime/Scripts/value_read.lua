-- Atomic read of one replicated value: its meta fields and data in one step.
--
-- KEYS[1]  data key (STRING)          KEYS[2]  meta key (HASH)
--
-- Returns {0, version, tombstone, deleted_at, expires_at, kind, name, data} (missing items are nil);
-- {-1, type} meta key has the wrong type; {-2, type} data key has the wrong type.

local meta = redis.pcall('HMGET', KEYS[2], 'v', 't', 'd', 'x', 'k', 'n')
if type(meta) == 'table' and meta.err then
  return {-1, redis.call('TYPE', KEYS[2])['ok']}
end

local data = redis.pcall('GET', KEYS[1])
if type(data) == 'table' and data.err then
  return {-2, redis.call('TYPE', KEYS[1])['ok']}
end

return {0, meta[1], meta[2], meta[3], meta[4], meta[5], meta[6], data}
