-- Atomic read of one replicated list: meta, then a range, the whole list and its tombstones, or nothing.
--
-- KEYS[1] data   KEYS[2] meta   KEYS[3] element tombstones
-- ARGV[1] registry name   ARGV[2] mode: 'range' (ARGV[3] start, ARGV[4] stop), 'full' or 'meta'
--
-- Returns {0, version, count, digest, dv, expiry, elements, tombstones (id, time pairs; 'full' only), max left id,
-- max right id, the version of the push that set the expiry, 1 when the data did not match the meta's count (expired,
-- evicted or edited outside AnarchoRedis), 2 when tombstones the meta counted are gone (evicted), else 0} (the watermarks and that version as 32 hex or '0', so that a repair
-- can give every node the same ones);
-- errors as list_push.lua.
-- valid, newer, envelope, xor16, hex16, check and list_entry come from version_common.lua and list_common.lua, prepended when the script is loaded.

-- KEYS[4], when given: the node's epoch key (on a Redis Cluster node, the epoch key of the list's slot), for a read
-- whose answer may count toward R. Gone => {-7}: the node (or the slot's shard) lost its data (FLUSHALL or an empty
-- restart) since the client last checked it. 'filling' => a 13th item 'filling': the copy can be used, not counted.
local filling = false
if KEYS[4] then
  filling = epoch_gate(KEYS[4])
  if filling == 'gone' then return {-7} end
end
local err, meta, len, damaged = check(ARGV[1])
if err then return err end
local items = {}
local tombs = {}
if ARGV[2] == 'range' then
  items = redis.call('LRANGE', KEYS[1], ARGV[3], ARGV[4])
elseif ARGV[2] == 'full' then
  items = redis.call('LRANGE', KEYS[1], 0, -1)
  tombs = redis.call('HGETALL', KEYS[3])
end
return {0, meta[1] or '', meta[4] or '0', meta[5] or '0000000000000000', meta[6] or '0', meta[9] or '0', items, tombs,
  meta[7] or '0', meta[8] or '0', meta[10] or '0', damaged, filling and 'filling' or nil}
