-- Delete of a whole list at version D, or a keep-newest trim's floor D: every element with an id at or below D goes,
-- the meta key stays with deleted-up-to = max(dv, D), so no stale replica brings them back. Element tombstones stay. Elements above D (pushes
-- concurrent with the delete) survive, and their digest is recomputed here (element hash = the first 16 hex digits of
-- the SHA-1 of the id, as ListDigest.ElementHash).
--
-- KEYS[1] data   KEYS[2] meta   KEYS[3] element tombstones   KEYS[4] slot index, KEYS[5] slot digest (optional)
-- ARGV[1] registry name   ARGV[2] delete version D   ARGV[3] due candidate for the key's slot entry, Unix ms or '0'
-- ARGV[4] optional: the write's own version, when D is a floor rather than the write's version (a keep-newest trim,
-- ReplicatedListStore.TrimToNewestAsync: D is the id of the newest element it drops; the meta version rises to ARGV[4])
--
-- Returns {0, count, digest, version}; errors as list_push.lua.
-- valid, newer, envelope, xor16, hex16, check, list_entry and rewrite_list come from version_common.lua and list_common.lua,
-- prepended when the script is loaded.

local err, meta, len = check(ARGV[1])
if err then return err end
local D = ARGV[2]
local survivors, ids = {}, {}
local ml, mr = meta[7] or '0', meta[8] or '0'
if len > 0 and ((ml ~= '0' and newer(ml, D)) or (mr ~= '0' and newer(mr, D))) then
  local all = redis.call('LRANGE', KEYS[1], 0, -1)
  for j = 1, #all do
    if not envelope(all[j]) then return {-5, 'an element is not an envelope (the list was changed outside AnarchoRedis)'} end
    local id = string.sub(all[j], 2, 33)
    if newer(id, D) then
      survivors[#survivors + 1] = all[j]
      ids[#ids + 1] = id
    end
  end
end
local h = '0000000000000000'
for _, id in ipairs(ids) do
  h = xor16(h, string.sub(redis.sha1hex(id), 1, 16))
end

rewrite_list(survivors)
local dv = meta[6] or '0'
if dv == '0' or newer(D, dv) then dv = D end
local written = ARGV[4] or D
local version = meta[1] or written
if newer(written, version) then version = written end
local c = redis.call('LLEN', KEYS[1])
-- The expiry goes with the push that set it (xv): deleted with it when the delete covers it, else kept. (Not "when the
-- list is left empty": a newer push whose elements were removed still holds the expiry on every node.)
local x, xv, mx = meta[9] or '0', meta[10] or '0', meta[11] or '0'
if xv == '0' or not newer(xv, dv) then x, xv, mx = '0', '0', '0' end
redis.call('HSET', KEYS[2], 'v', version, 'k', 'l', 'n', ARGV[1], 'c', c, 'h', h, 'dv', dv, 'ml', ml, 'mr', mr, 'x', x, 'xv', xv, 'mx', mx, 'tw', meta[12], 'tn', meta[13])
apply_expiry(x, mx)
list_entry(version, c, h, dv, ml, mr, x, xv, meta[12], ARGV[3], false)
return {0, c, h, version}
