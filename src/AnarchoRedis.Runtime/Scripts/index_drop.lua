-- Anti-entropy's removal of a stale slot index entry: a key listed in the slot index whose meta key is gone (expired
-- by its TTL, or deleted outside AnarchoRedis). Only if the meta is still absent: a write made meanwhile keeps it.
--
-- KEYS[1] meta   KEYS[2] slot index   KEYS[3] slot digest   ARGV[1] the entry's field (the data key)
--
-- Returns {1} the meta exists (nothing done); {0, 1} the entry was removed; {0, 0} there was no entry.
-- (slot_weight and drop_slot_entry come from slot_common.lua, prepended when the script is loaded.)

if redis.call('EXISTS', KEYS[1]) == 1 then return {1} end
if not drop_slot_entry(KEYS[2], KEYS[3], ARGV[1]) then return {0, 0} end
return {0, 1}
