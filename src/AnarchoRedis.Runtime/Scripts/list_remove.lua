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
-- valid, newer, envelope, xor16, hex16, check and remove_ids come from version_common.lua and list_common.lua, prepended when the script is loaded.

local err, meta, len = check(ARGV[1])
if err then return err end
return remove_ids(meta, len, ARGV[2], ARGV[3], ARGV[5], 6)
