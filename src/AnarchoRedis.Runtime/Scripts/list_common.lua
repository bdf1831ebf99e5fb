-- Shared by every list script: LuaScript prepends this text to list_push, list_read, list_remove, list_replace,
-- list_delete and list_purge when it loads them (Redis has no include), so the checks that run before any write are
-- written once.
-- valid and newer (versions and ids) come from version_common.lua, prepended before this text; digests are XORed as
-- two 32-bit halves.

local function envelope(e)
  local s = string.sub(e, 1, 1)
  return (s == 'L' or s == 'R') and string.len(e) >= 33 and valid(string.sub(e, 2, 33))
end
local function xor16(a, b)
  local hi = bit.bxor(tonumber(string.sub(a, 1, 8), 16), tonumber(string.sub(b, 1, 8), 16))
  local lo = bit.bxor(tonumber(string.sub(a, 9, 16), 16), tonumber(string.sub(b, 9, 16), 16))
  return bit.tohex(hi, 8) .. bit.tohex(lo, 8)
end
-- The key's slot index entry as check() read it, for list_entry to reuse (nil: not read; false: none). Nothing between
-- the two writes the entry except drop_entry, which forgets it.
local seen_entry = nil
-- Where the optional slot index and digest keys start in KEYS (list_claim.lua, whose fourth key is the claims hash,
-- moves them to 5 and 6).
local slot_at = 4

local function hex16(h)
  return type(h) == 'string' and string.len(h) == 16 and not string.find(h, '[^0-9a-f]')
end
-- A tombstone's contribution to the tombstones' digest tw (the XOR over every tombstone): the first 16 hex digits of
-- the SHA-1 of id, ':' and the removal time as stored.
local function tomb_hash(id, at)
  return string.sub(redis.sha1hex(id .. ':' .. at), 1, 16)
end

-- Type and meta checks shared by every list script (before any write). Returns nil, the meta table (count and digest
-- describing the data as it really is), LLEN and damaged: 0, 1 when the data did not match the meta's count, 2 when
-- tombstones the meta counted are gone; or an error reply.
-- meta: 1 v, 2 k, 3 n, 4 c, 5 h, 6 dv, 7 ml, 8 mr, 9 x (data expiry), 10 xv (the write that set x), 11 mx (meta expiry),
-- 12 tw (the tombstones' digest, below), 13 tn (the number of tombstones tw describes). tw is computed anew from the
-- tombstones (O(tombstones), rarely) when the meta predates it or the tombstone count differs from tn: maxmemory evicts
-- the tombstone hash as a whole, or a meta key alone.
local function check(name)
  local meta = redis.pcall('HMGET', KEYS[2], 'v', 'k', 'n', 'c', 'h', 'dv', 'ml', 'mr', 'x', 'xv', 'mx', 'tw', 'tn')
  if type(meta) == 'table' and meta.err then return {-1, redis.call('TYPE', KEYS[2])['ok']} end
  -- The kind and name first: a value's meta on this key is a type clash, whatever the data key holds.
  if meta[1] and valid(meta[1]) and (meta[2] ~= 'l' or meta[3] ~= name) then return {-4, meta[2] or '', meta[3] or ''} end
  -- The slot index and digest (write scripts, with slot digests on): a wrong type fails here, before any write.
  if KEYS[slot_at + 1] then
    seen_entry = redis.call('HGET', KEYS[slot_at], KEYS[1])
    redis.call('HGET', KEYS[slot_at + 1], 's')
  end
  local dataType = redis.call('TYPE', KEYS[1])['ok']
  if dataType ~= 'list' and dataType ~= 'none' then return {-2, dataType} end
  local tombType = redis.call('TYPE', KEYS[3])['ok']
  if tombType ~= 'hash' and tombType ~= 'none' then return {-6, tombType} end
  local len = redis.call('LLEN', KEYS[1])
  local damaged = 0
  if meta[1] then
    if not valid(meta[1]) then return {-3, 'version is not 32 lowercase hex digits'} end
    if meta[2] ~= 'l' or meta[3] ~= name then return {-4, meta[2] or '', meta[3] or ''} end
    if not hex16(meta[5]) then return {-3, 'digest is not 16 lowercase hex digits'} end
    for _, w in ipairs({meta[6] or '0', meta[7] or '0', meta[8] or '0', meta[10] or '0'}) do
      if w ~= '0' and not valid(w) then return {-3, 'a watermark is not 32 lowercase hex digits'} end
    end
    -- The data no longer matches the meta (expired, evicted, or edited outside AnarchoRedis): the client tells an expiry
    -- (x passed) from a missing replica, whose answer must not count toward R.
    if tonumber(meta[4] or '') ~= len then damaged = 1 end
    if len == 0 and (meta[9] or '0') ~= '0' and tonumber(meta[9]) ~= nil and tonumber(meta[4] or '') ~= 0 then
      -- The data expired (Redis dropped it at x): this node holds no element. That is all it says: x is the expiry of
      -- the write xv, and a newer write that this node missed may have renewed the list elsewhere, so an expiry is
      -- never turned into a delete (only the expiry of the newest xv, applied by the merge, removes anything).
      meta[4], meta[5] = '0', '0000000000000000'
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
    -- A list of envelopes without meta: its meta was evicted (maxmemory) or deleted by hand. If every element is an
    -- envelope, the node describes what it holds (no version, the digest recomputed) and a merge repairs it; anything
    -- else is foreign data, never touched.
    local all = redis.call('LRANGE', KEYS[1], 0, -1)
    local h = '0000000000000000'
    for j = 1, #all do
      if not envelope(all[j]) then return {-5, 'a list without meta data (written outside AnarchoRedis)'} end
      h = xor16(h, string.sub(redis.sha1hex(string.sub(all[j], 2, 33)), 1, 16))
    end
    meta[4], meta[5] = tostring(len), h
    damaged = 1
  end
  if len > 0 then
    local first, last = redis.call('LINDEX', KEYS[1], 0), redis.call('LINDEX', KEYS[1], -1)
    if not envelope(first) or not envelope(last) then return {-5, 'an element is not an envelope'} end
  end
  local tn = redis.call('HLEN', KEYS[3])
  -- Fewer tombstones than the meta counted: the node lost some (maxmemory evicts the tombstone hash as a whole; or a
  -- hand edit). Its elements may then include removed ones that only the tombstones kept out of a merge: damaged 2,
  -- and its answer does not count (a missing replica) until a merge of every node gives the tombstones back.
  if meta[1] and tonumber(meta[13] or '') and tonumber(meta[13]) > tn then damaged = 2 end
  if not hex16(meta[12]) or tonumber(meta[13] or '') ~= tn then
    local tw = '0000000000000000'
    local tombs = redis.call('HGETALL', KEYS[3])
    for j = 1, #tombs, 2 do tw = xor16(tw, tomb_hash(tombs[j], tombs[j + 1])) end
    meta[12] = tw
  end
  meta[13] = tostring(tn)
  return nil, meta, len, damaged
end

-- Records that element id was removed at time at (Unix ms), keeping the latest removal time (as the merge does,
-- ListReplicaState.ApplyRemove), and returns the tombstones' digest tw updated: a removal time is replicated state, and
-- two nodes whose tombstones differ only in a time must differ in tw, hence in their slot entries.
local function set_tombstone(tw, id, at)
  local previous = redis.call('HGET', KEYS[3], id)
  if previous and tonumber(previous) >= tonumber(at) then return tw end
  if previous then tw = xor16(tw, tomb_hash(id, previous)) end
  redis.call('HSET', KEYS[3], id, at)
  return xor16(tw, tomb_hash(id, at))
end


-- Slot digest upkeep, only when the client passes the slot keys (AnarchoRedisOptions.SlotDigests): KEYS[slot_at] the slot
-- index (data key -> 'h' or 'h:due'), KEYS[slot_at + 1] the slot digest (s: sum of entry weights, slot_common.lua, m: earliest due time). A list's
-- entry hash is computed here, after the write, from the meta the node now holds (only the node knows the state it
-- ends in): the first 10 hex digits (40 bits) of the SHA-1 of key, v, c, h, dv, ml, mr, x, xv, the number of element
-- tombstones and their digest tw (so removal times count), joined by NUL. Its due time is the earlier of the entry's current one and the candidate (zeros ignored),
-- or exactly the given one when exact. Integers are printed with %d: tostring prints Lua's doubles with %.14g.
-- (check() has already read both slot keys, so a wrong type failed the script before its first write.)
-- tn: the number of element tombstones when the caller knows it (a push, which adds none, passes check()'s count).
local function list_entry(v, c, h, dv, ml, mr, x, xv, tw, due, exact, tn)
  if not KEYS[slot_at + 1] then return end
  local text = table.concat({KEYS[1], v, string.format('%d', c), h, dv, ml, mr, x, xv,
    string.format('%d', tn or redis.call('HLEN', KEYS[3])), tw}, '\0')
  local hash = tonumber(string.sub(redis.sha1hex(text), 1, 10), 16)
  local old = seen_entry
  if old == nil then old = redis.call('HGET', KEYS[slot_at], KEYS[1]) end
  due = tonumber(due) or 0
  if not exact and old then
    local oldDue = tonumber(string.match(old, ':(%d+)$') or '') or 0
    if oldDue ~= 0 and (due == 0 or oldDue < due) then due = oldDue end
  end
  local entry = due == 0 and string.format('%d', hash) or string.format('%d:%d', hash, due)
  redis.call('HSET', KEYS[slot_at], KEYS[1], entry)
  seen_entry = entry
  local delta = slot_weight(entry) - slot_weight(old)
  if delta ~= 0 then redis.call('HINCRBY', KEYS[slot_at + 1], 's', string.format('%d', delta)) end
  if due ~= 0 then
    local m = tonumber(redis.call('HGET', KEYS[slot_at + 1], 'm') or '')
    if m == nil or due < m then redis.call('HSET', KEYS[slot_at + 1], 'm', string.format('%d', due)) end
  end
end
-- Gives the data, meta and tombstone keys exactly the expiry the list's meta names after a write: none (PERSIST) when x
-- is '0', else the data at x and the meta and tombstones at mx (x + grace). Every list write ends with it, so a write that
-- removes or replaces a time to live does so on every key (PEXPIREAT and PERSIST do nothing to a key that is absent).
-- was: the data expiry the meta named before this write, when there was a meta (nil: unknown). Keys that meta left
-- without expiry (every list write ends here) need no PERSIST: three command calls saved on every write of a list that
-- never expires.
local function apply_expiry(x, mx, was)
  if x == '0' then
    if was == '0' then return end
    redis.call('PERSIST', KEYS[1])
    redis.call('PERSIST', KEYS[2])
    redis.call('PERSIST', KEYS[3])
  else
    redis.call('PEXPIREAT', KEYS[1], x)
    if mx ~= '0' then
      redis.call('PEXPIREAT', KEYS[2], mx)
      redis.call('PEXPIREAT', KEYS[3], mx)
    end
  end
end

-- Removes the key's entry from the slot index and its weight from the slot sum.
local function drop_entry()
  if KEYS[slot_at + 1] then drop_slot_entry(KEYS[slot_at], KEYS[slot_at + 1], KEYS[1]) end
  seen_entry = nil
end

-- Replaces the list's data with the given envelopes, in order (RPUSH in chunks of 1000: unpack has a stack limit).
local function rewrite_list(elements)
  redis.call('DEL', KEYS[1])
  local first = 1
  while first <= #elements do
    local last = math.min(first + 999, #elements)
    redis.call('RPUSH', KEYS[1], unpack(elements, first, last))
    first = last + 1
  end
end

-- The epoch check of a script whose answer may count toward a quorum (list_read, list_claim): k is the node's epoch key
-- (on a Redis Cluster node, the epoch key of the list's slot). Returns 'gone' when it is absent (the node, or the
-- slot's shard, lost its data since the client last checked it: the script answers {-7}), true when it is 'filling' (the
-- answer is usable, not counted), false when it is ready. A hash without a state field counts as ready.
local function epoch_gate(k)
  local state = redis.pcall('HGET', k, 'state')
  if not state and redis.call('EXISTS', k) == 0 then return 'gone' end
  return state == 'filling'
end

-- Removes elements by id (list_remove, and list_claim's take and drop): the pairs ARGV[first], ARGV[first + 1], ... are
-- (id, its element hash); a tombstone is recorded at time at for every id, even one the node does not hold, so a stale
-- replica cannot bring the element back. version: the operation's; due: the slot entry's due time candidate. meta and len
-- as check() returned them. Returns {0, count, digest, version}.
-- The elements are looked for from both ends in windows that double (8, 16, 32, ... from the head, then as many from the
-- tail), and each is removed with LREM from the end it was found at: a pop, a take or a trim finds its element in the
-- first window, at a cost that does not grow with the list (reading the whole list cost 6-9 ms per call at 5,000
-- elements). Only the windows read are checked for envelopes (check() checked both ends).
local function remove_ids(meta, len, version, at, due, first)
  local wanted, left = {}, 0
  for i = first, #ARGV, 2 do
    if not valid(ARGV[i]) or not hex16(ARGV[i + 1]) then return redis.error_reply('bad id or hash argument') end
    -- An id already tombstoned here, or under the watermark, is not in the list (pushes skip such ids): not looked for.
    -- (Concurrent pops of one head send the same id from every popper: the later removals must not read the list.)
    local dv = meta[6] or '0'
    if not wanted[ARGV[i]] and redis.call('HEXISTS', KEYS[3], ARGV[i]) == 0 and (dv == '0' or newer(ARGV[i], dv)) then
      wanted[ARGV[i]] = true
      left = left + 1
    end
  end
  local found = {}
  local lo, hi, window = 0, len - 1, 8
  local function look(from, to, fromTail)
    local items = redis.call('LRANGE', KEYS[1], from, to)
    for j = 1, #items do
      if not envelope(items[j]) then return false end
      local id = string.sub(items[j], 2, 33)
      if wanted[id] and not found[id] then
        found[id] = {items[j], fromTail}
        left = left - 1
      end
    end
    return true
  end
  while lo <= hi and left > 0 do
    local stop = math.min(hi, lo + window - 1)
    if not look(lo, stop, false) then return {-5, 'an element is not an envelope (the list was changed outside AnarchoRedis)'} end
    lo = stop + 1
    if lo <= hi and left > 0 then
      local start = math.max(lo, hi - window + 1)
      if not look(start, hi, true) then return {-5, 'an element is not an envelope (the list was changed outside AnarchoRedis)'} end
      hi = start - 1
    end
    window = window * 2
  end
  local h, tw = meta[5] or '0000000000000000', meta[12]
  for i = first, #ARGV, 2 do
    local id = ARGV[i]
    local e = found[id]
    if e then
      redis.call('LREM', KEYS[1], e[2] and -1 or 1, e[1])
      found[id] = nil
      h = xor16(h, ARGV[i + 1])
    end
    tw = set_tombstone(tw, id, at)
  end
  local v = meta[1] or version
  if newer(version, v) then v = version end
  local c = redis.call('LLEN', KEYS[1])
  local x, xv, mx = meta[9] or '0', meta[10] or '0', meta[11] or '0'
  redis.call('HSET', KEYS[2], 'v', v, 'k', 'l', 'n', ARGV[1], 'c', c, 'h', h, 'dv', meta[6] or '0', 'ml', meta[7] or '0', 'mr', meta[8] or '0', 'x', x, 'xv', xv, 'mx', mx, 'tw', tw, 'tn', redis.call('HLEN', KEYS[3]))
  -- A removal keeps the list's expiry, and its tombstones get it too.
  apply_expiry(x, mx)
  list_entry(v, c, h, meta[6] or '0', meta[7] or '0', meta[8] or '0', x, xv, tw, due, false)
  return {0, c, h, v}
end
