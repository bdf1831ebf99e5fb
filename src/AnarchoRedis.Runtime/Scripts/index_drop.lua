-- Anti-entropy's removal of a stale slot index entry: a key listed in the slot index whose meta key is gone (expired
-- by its TTL, or deleted outside AnarchoRedis). Only if the meta is still absent: a write made meanwhile keeps it.
--
-- KEYS[1] meta   KEYS[2] slot index   KEYS[3] slot digest   ARGV[1] the entry's field (the data key)
--
-- Returns {1} the meta exists (nothing done); {0, 1} the entry was removed; {0, 0} there was no entry.

if redis.call('EXISTS', KEYS[1]) == 1 then return {1} end
local old = redis.call('HGET', KEYS[2], ARGV[1])
if not old then return {0, 0} end
redis.call('HDEL', KEYS[2], ARGV[1])
local weight = slot_weight(old)
if weight ~= 0 then redis.call('HINCRBY', KEYS[3], 's', string.format('%d', -weight)) end
return {0, 1}
