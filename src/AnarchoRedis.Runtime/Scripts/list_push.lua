-- Push of one or more list elements: inserts each at its canonical place (left-pushed by descending id, then
-- right-pushed by ascending id), idempotently. Checks every type and precondition before its first write.
--
-- KEYS[1] data (LIST of envelopes)   KEYS[2] meta (HASH)   KEYS[3] element tombstones (HASH id -> removal ms)
-- ARGV[1] registry name   ARGV[2] operation version (32 hex)   ARGV[3] data expiry ms or '0'   ARGV[4] meta expiry ms or '0'
-- ARGV[5..] pairs: envelope (side byte, 32 hex id, payload), element hash (16 hex, computed by the client)
--
-- Returns {0, count, digest, version}; {-1, type} meta is not a hash; {-2, type} data is not a list;
-- {-3, detail} corrupt meta; {-4, kind, name} key belongs to another type; {-5, detail} data holds a non-envelope;
-- {-6, type} tombstones are not a hash.

local function valid(v)
  return type(v) == 'string' and string.len(v) == 32 and not string.find(v, '[^0-9a-f]')
end
local function newer(a, b)
  for i = 1, 32, 8 do
    local x = tonumber(string.sub(a, i, i + 7), 16)
    local y = tonumber(string.sub(b, i, i + 7), 16)
    if x ~= y then return x > y end
  end
  return false
end
local function envelope(e)
  local s = string.sub(e, 1, 1)
  return (s == 'L' or s == 'R') and string.len(e) >= 33 and valid(string.sub(e, 2, 33))
end
local function xor16(a, b)
  local hi = bit.bxor(tonumber(string.sub(a, 1, 8), 16), tonumber(string.sub(b, 1, 8), 16))
  local lo = bit.bxor(tonumber(string.sub(a, 9, 16), 16), tonumber(string.sub(b, 9, 16), 16))
  return bit.tohex(hi, 8) .. bit.tohex(lo, 8)
end
local function hex16(h)
  return type(h) == 'string' and string.len(h) == 16 and not string.find(h, '[^0-9a-f]')
end

-- Type and meta checks shared by every list script (before any write). Returns nil and the meta table, or an error reply.
local function check(name)
  local meta = redis.pcall('HMGET', KEYS[2], 'v', 'k', 'n', 'c', 'h', 'dv', 'ml', 'mr', 'x')
  if type(meta) == 'table' and meta.err then return {-1, redis.call('TYPE', KEYS[2])['ok']} end
  -- The kind and name first: a value's meta on this key is a type clash, whatever the data key holds.
  if meta[1] and valid(meta[1]) and (meta[2] ~= 'l' or meta[3] ~= name) then return {-4, meta[2] or '', meta[3] or ''} end
  local dataType = redis.call('TYPE', KEYS[1])['ok']
  if dataType ~= 'list' and dataType ~= 'none' then return {-2, dataType} end
  local tombType = redis.call('TYPE', KEYS[3])['ok']
  if tombType ~= 'hash' and tombType ~= 'none' then return {-6, tombType} end
  local len = redis.call('LLEN', KEYS[1])
  if meta[1] then
    if not valid(meta[1]) then return {-3, 'version is not 32 lowercase hex digits'} end
    if meta[2] ~= 'l' or meta[3] ~= name then return {-4, meta[2] or '', meta[3] or ''} end
    if not hex16(meta[5]) then return {-3, 'digest is not 16 lowercase hex digits'} end
    for _, w in ipairs({meta[6] or '0', meta[7] or '0', meta[8] or '0'}) do
      if w ~= '0' and not valid(w) then return {-3, 'a watermark is not 32 lowercase hex digits'} end
    end
    if len == 0 and (meta[9] or '0') ~= '0' and tonumber(meta[9]) ~= nil and tonumber(meta[4] or '') ~= 0 then
      -- The data expired (Redis dropped it at x): every element written so far is dead, as after a delete at v.
      meta[4], meta[5], meta[9] = '0', '0000000000000000', '0'
      if meta[6] == nil or meta[6] == '0' or newer(meta[1], meta[6]) then meta[6] = meta[1] end
    end
    if tonumber(meta[4] or '') ~= len then
      -- The data changed under the meta (evicted, or edited outside AnarchoRedis): describe what is really there, so
      -- the node's answer is honest and a merge repairs it. Element hash = first 16 hex digits of the id's SHA-1.
      local h = '0000000000000000'
      if len > 0 then
        local all = redis.call('LRANGE', KEYS[1], 0, -1)
        for j = 1, #all do
          if not envelope(all[j]) then return {-5, 'an element is not an envelope'} end
          h = xor16(h, string.sub(redis.sha1hex(string.sub(all[j], 2, 33)), 1, 16))
        end
      end
      meta[4], meta[5] = tostring(len), h
    end
  elseif len > 0 then
    return {-5, 'a list without meta data (written outside AnarchoRedis)'}
  end
  if len > 0 then
    local first, last = redis.call('LINDEX', KEYS[1], 0), redis.call('LINDEX', KEYS[1], -1)
    if not envelope(first) or not envelope(last) then return {-5, 'an element is not an envelope'} end
  end
  return nil, meta, len
end

local err, meta, len = check(ARGV[1])
if err then return err end
local stored, dv, ml, mr, h = meta[1], meta[6] or '0', meta[7] or '0', meta[8] or '0', meta[5] or '0000000000000000'

-- Every check passed: writes from here on.
local all = nil
local version = stored or ARGV[2]
if newer(ARGV[2], version) then version = ARGV[2] end
for i = 5, #ARGV, 2 do
  local e = ARGV[i]
  local side = string.sub(e, 1, 1)
  local id = string.sub(e, 2, 33)
  local dead = (dv ~= '0' and not newer(id, dv)) or redis.call('HEXISTS', KEYS[3], id) == 1
  if not dead then
    local inserted = false
    if side == 'L' and (ml == '0' or newer(id, ml)) then
      redis.call('LPUSH', KEYS[1], e); inserted = true; ml = id
    elseif side == 'R' and (mr == '0' or newer(id, mr)) then
      redis.call('RPUSH', KEYS[1], e); inserted = true; mr = id
    else
      all = redis.call('LRANGE', KEYS[1], 0, -1)
      local pivot, present = nil, false
      for j = 1, #all do
        local other = all[j]
        if not envelope(other) then return {-5, 'an element is not an envelope (the list was changed outside AnarchoRedis)'} end
        local os, oid = string.sub(other, 1, 1), string.sub(other, 2, 33)
        if oid == id then present = true; break end
        if pivot == nil then
          if side == 'L' then
            if os == 'R' or newer(id, oid) then pivot = other end
          elseif os == 'R' and newer(oid, id) then
            pivot = other
          end
        end
      end
      if not present then
        if pivot then redis.call('LINSERT', KEYS[1], 'BEFORE', pivot, e) else redis.call('RPUSH', KEYS[1], e) end
        inserted = true
        if side == 'L' and (ml == '0' or newer(id, ml)) then ml = id end
        if side == 'R' and (mr == '0' or newer(id, mr)) then mr = id end
      end
    end
    if inserted then h = xor16(h, ARGV[i + 1]) end
  end
end

local c = redis.call('LLEN', KEYS[1])
redis.call('HSET', KEYS[2], 'v', version, 'k', 'l', 'n', ARGV[1], 'c', c, 'h', h, 'dv', dv, 'ml', ml, 'mr', mr, 'x', ARGV[3])
if ARGV[3] ~= '0' then
  if c > 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
  redis.call('PEXPIREAT', KEYS[2], ARGV[4])
  if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIREAT', KEYS[3], ARGV[4]) end
end
return {0, c, h, version}
