-- Removal of list elements by id. A tombstone is recorded for every id, even one the node does not hold, so a stale
-- replica cannot bring the element back.
--
-- KEYS[1] data   KEYS[2] meta   KEYS[3] element tombstones   KEYS[4] slot index, KEYS[5] slot digest (optional)
-- ARGV[1] registry name   ARGV[2] operation version   ARGV[3] removal time ms   ARGV[4] unused ('0'; the
-- tombstones take the list's own expiry)
-- ARGV[5] due candidate for the key's slot entry, Unix ms or '0' (removal time + grace: the tombstones' purge)
-- ARGV[6..] pairs: id (32 hex), element hash (16 hex)
--
-- Returns {0, count, digest, version}; errors as list_push.lua.
-- valid, newer, envelope, xor16, hex16, check and list_entry come from version_common.lua and list_common.lua, prepended when the script is loaded.

local err, meta, len = check(ARGV[1])
if err then return err end
local byId = {}
if len > 0 then
  local all = redis.call('LRANGE', KEYS[1], 0, -1)
  for j = 1, #all do
    if not envelope(all[j]) then return {-5, 'an element is not an envelope (the list was changed outside AnarchoRedis)'} end
    byId[string.sub(all[j], 2, 33)] = all[j]
  end
end
for i = 6, #ARGV, 2 do
  if not valid(ARGV[i]) or not hex16(ARGV[i + 1]) then return redis.error_reply('bad id or hash argument') end
end

local h, tw = meta[5] or '0000000000000000', meta[12]
for i = 6, #ARGV, 2 do
  local id = ARGV[i]
  local e = byId[id]
  if e then
    redis.call('LREM', KEYS[1], 1, e)
    byId[id] = nil
    h = xor16(h, ARGV[i + 1])
  end
  tw = set_tombstone(tw, id, ARGV[3])
end
local version = meta[1] or ARGV[2]
if newer(ARGV[2], version) then version = ARGV[2] end
local c = redis.call('LLEN', KEYS[1])
local x, xv, mx = meta[9] or '0', meta[10] or '0', meta[11] or '0'
redis.call('HSET', KEYS[2], 'v', version, 'k', 'l', 'n', ARGV[1], 'c', c, 'h', h, 'dv', meta[6] or '0', 'ml', meta[7] or '0', 'mr', meta[8] or '0', 'x', x, 'xv', xv, 'mx', mx, 'tw', tw, 'tn', redis.call('HLEN', KEYS[3]))
-- A removal keeps the list's expiry, and its tombstones get it too.
apply_expiry(x, mx)
list_entry(version, c, h, meta[6] or '0', meta[7] or '0', meta[8] or '0', x, xv, tw, ARGV[5], false)
return {0, c, h, version}
