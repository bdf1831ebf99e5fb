-- Anti-entropy's purge of a list's element tombstones: drops the listed ids whose stored removal time is before the
-- cutoff (the pass checked that every node holds them past the grace period), then, when asked, the whole list once
-- nothing is left of it. The key's slot entry is recomputed afterwards.
--
-- KEYS[1] data   KEYS[2] meta   KEYS[3] element tombstones   KEYS[4] slot index, KEYS[5] slot digest (optional)
-- ARGV[1] registry name   ARGV[2] cutoff, Unix ms   ARGV[3] due time of the key's slot entry afterwards, set exactly
-- (Unix ms, '0' none)   ARGV[4] drop version: '' keeps the meta; else, when the list is empty, no tombstone remains
-- and the meta version is ARGV[4], the meta, the tombstones and the slot entry are deleted
-- ARGV[5..] element ids (32 hex)
--
-- Returns {0, purged, dropped (0 or 1)}; errors as list_push.lua.
-- valid, newer, envelope, xor16, hex16, check, list_entry and drop_entry come from version_common.lua and list_common.lua, prepended when the
-- script is loaded.

local err, meta, len = check(ARGV[1])
if err then return err end
local cutoff = tonumber(ARGV[2])
local purged, tw = 0, meta[12]
for i = 5, #ARGV do
  local stored = redis.call('HGET', KEYS[3], ARGV[i])
  local at = tonumber(stored or '')
  if at and at < cutoff then
    redis.call('HDEL', KEYS[3], ARGV[i])
    tw = xor16(tw, tomb_hash(ARGV[i], stored))
    purged = purged + 1
  end
end
if not meta[1] then return {0, purged, 0} end
if ARGV[4] ~= '' and len == 0 and meta[1] == ARGV[4] and redis.call('HLEN', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[2], KEYS[3])
  drop_entry()
  return {0, purged, 1}
end
redis.call('HSET', KEYS[2], 'tw', tw, 'tn', redis.call('HLEN', KEYS[3]))
-- The entry describes the meta as stored (check() may have adjusted its copy in memory).
local m = redis.call('HMGET', KEYS[2], 'v', 'c', 'h', 'dv', 'ml', 'mr', 'x', 'xv')
list_entry(m[1], m[2] or '0', m[3] or '0000000000000000', m[4] or '0', m[5] or '0', m[6] or '0', m[7] or '0', m[8] or '0', tw, ARGV[3], true)
return {0, purged, 0}
