-- Anti-entropy's purge of a value tombstone (held at the same version by every node, deleted before now - grace):
-- the meta and data keys and the key's slot index entry go, only if the node still holds exactly this tombstone.
--
-- KEYS[1] data   KEYS[2] meta   KEYS[3] slot index, KEYS[4] slot digest (optional: only with slot digests on)
-- ARGV[1] tombstone version (32 hex)   ARGV[2] registry name
--
-- Returns {0} purged; {1, stored version or ''} the node holds something else (nothing done);
-- {-1, type} the meta key is not a hash.
-- (slot_weight and drop_slot_entry come from slot_common.lua, prepended when the script is loaded.)

local meta = redis.pcall('HMGET', KEYS[2], 'v', 't', 'k', 'n')
if type(meta) == 'table' and meta.err then
  return {-1, redis.call('TYPE', KEYS[2])['ok']}
end
if meta[1] ~= ARGV[1] or meta[2] ~= '1' or meta[3] ~= 'v' or meta[4] ~= ARGV[2] then
  return {1, meta[1] or ''}
end
redis.call('DEL', KEYS[2], KEYS[1])
if KEYS[4] then drop_slot_entry(KEYS[3], KEYS[4], KEYS[1]) end
return {0}
