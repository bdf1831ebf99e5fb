-- Conditional write of one replicated value: set, delete (tombstone) and read repair all use it.
-- Checks every type and precondition before its first write (Redis does not roll back a script that fails halfway).
--
-- KEYS[1]  data key (STRING)          KEYS[2]  meta key (HASH)
-- ARGV[1]  version, 32 lowercase hex digits
-- ARGV[2]  mode: 'v' value, 't' tombstone, 'x' expired value (meta only: the data is already gone)
-- ARGV[3]  payload (mode 'v')
-- ARGV[4]  absolute expiry of the data in Unix ms, '0' for none
-- ARGV[5]  absolute expiry of the meta key in Unix ms, '0' for none
-- ARGV[6]  deletion time in Unix ms (mode 't'), else '0'
-- ARGV[7]  registry name of the type
-- ARGV[8]  '1' to also replace an equal version (repair of a damaged copy), else '0'
-- Slot digests (only when AnarchoRedisOptions.SlotDigests is on; without them the script does no digest work):
-- KEYS[3]  slot index (HASH data key -> 'h' or 'h:due')   KEYS[4]  slot digest (HASH: s sum, m earliest due)
-- ARGV[9]  entry hash, decimal (40 bits, SlotEntry.ValueHash)   ARGV[10] due time in Unix ms, '0' for none
--
-- Returns {0, version} applied; {1, stored} superseded (the node holds this version or a newer one);
-- {-1, type} meta key has the wrong type; {-2, type} data key has the wrong type;
-- {-3, detail} meta key is corrupt; {-4, stored_kind, stored_name} key belongs to another replicated type.

-- valid and newer come from version_common.lua, prepended when the script is loaded.

local incoming = ARGV[1]
local meta = redis.pcall('HMGET', KEYS[2], 'v', 'k', 'n', 'x')
if type(meta) == 'table' and meta.err then
  return {-1, redis.call('TYPE', KEYS[2])['ok']}
end

local dataType = redis.call('TYPE', KEYS[1])['ok']
if dataType ~= 'string' and dataType ~= 'none' then
  return {-2, dataType}
end

local stored = meta[1]
if stored then
  if not valid(stored) then
    return {-3, 'version is not 32 lowercase hex digits'}
  end
  if meta[2] ~= 'v' or meta[3] ~= ARGV[7] then
    return {-4, meta[2] or '', meta[3] or ''}
  end
  if stored == incoming then
    if ARGV[8] ~= '1' then
      return {1, stored}
    end
  elseif not newer(incoming, stored) then
    return {1, stored}
  end
end

-- The key's old slot entry and the slot's earliest due time are read before the first write, so that an index or a
-- digest of the wrong type fails the script cleanly (WRONGTYPE), before anything is written.
-- (Remembering the entry hash in a meta field instead saved under 0.5 us per call: within the noise, not kept.)
local oldEntry = KEYS[4] and redis.call('HGET', KEYS[3], KEYS[1])
local oldDue = KEYS[4] and redis.call('HGET', KEYS[4], 'm')

local mode = ARGV[2]
if mode == 'v' then
  redis.call('SET', KEYS[1], ARGV[3])
  -- PEXPIREAT rather than SET ... PXAT: same effect, and Garnet (the demo's embedded server) rejects PXAT.
  if ARGV[4] ~= '0' then
    redis.call('PEXPIREAT', KEYS[1], ARGV[4])
  end
else
  redis.call('DEL', KEYS[1])
end

-- An existing meta key was checked above to hold this kind and name: only the changing fields are written.
if stored then
  redis.call('HSET', KEYS[2], 'v', incoming, 't', mode == 't' and '1' or '0', 'd', ARGV[6], 'x', ARGV[4])
else
  redis.call('HSET', KEYS[2], 'v', incoming, 't', mode == 't' and '1' or '0', 'd', ARGV[6], 'x', ARGV[4], 'k', 'v', 'n', ARGV[7])
end
-- The meta key expires only with expiring data (its 'x' is then not '0'): one written without expiry has no TTL to
-- remove, so PERSIST (a command call per write) runs only when the old meta had expiring data or is unknown.
if ARGV[5] ~= '0' then
  redis.call('PEXPIREAT', KEYS[2], ARGV[5])
elseif not (stored and meta[4] == '0') then
  redis.call('PERSIST', KEYS[2])
end

-- Slot digest: the key's entry becomes ARGV[9] (with its due time), the slot sum moves by the new weight less the old (HINCRBY, exact
-- 64-bit), and the slot's earliest due time only goes down (a visit settles it). Integers are printed with %d:
-- tostring would print Lua's doubles with %.14g.
if KEYS[4] then
  local entry = ARGV[10] == '0' and ARGV[9] or (ARGV[9] .. ':' .. ARGV[10])
  redis.call('HSET', KEYS[3], KEYS[1], entry)
  local delta = slot_weight(entry) - slot_weight(oldEntry)
  if delta ~= 0 then
    redis.call('HINCRBY', KEYS[4], 's', string.format('%d', delta))
  end
  if ARGV[10] ~= '0' then
    local m = tonumber(oldDue or '')
    if m == nil or tonumber(ARGV[10]) < m then
      redis.call('HSET', KEYS[4], 'm', ARGV[10])
    end
  end
end
return {0, incoming}
