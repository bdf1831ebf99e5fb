-- Push of one or more list elements: inserts each at its canonical place (left-pushed by descending id, then
-- right-pushed by ascending id), idempotently. Checks every type and precondition before its first write.
--
-- KEYS[1] data (LIST of envelopes)   KEYS[2] meta (HASH)   KEYS[3] element tombstones (HASH id -> removal ms)
-- KEYS[4] slot index, KEYS[5] slot digest: optional (only with slot digests on; see list_common.lua)
-- ARGV[1] registry name   ARGV[2] operation version (32 hex)   ARGV[3] data expiry ms or '0'   ARGV[4] meta expiry ms or '0'
-- ARGV[5] due candidate for the key's slot entry, Unix ms or '0' (the meta expiry of a push with a time to live)
-- ARGV[6] the list's cap (ReplicatedListDescriptor.MaxLength) or '0' for none: after the push, the node keeps its newest
-- (highest-id) cap elements by raising the watermark dv to the id of the newest one it drops (docs/lists.md, "Capped lists")
-- ARGV[7..] pairs: envelope (side byte, 32 hex id, payload), element hash (16 hex, computed by the client)
--
-- Returns {0, count, digest, version, buried}: buried is the number of pushed elements at or below the watermark dv as it
-- was before this push (a delete's or a trim's floor: dead on arrival, never visible); {-1, type} meta is not a hash; {-2, type} data is not a list;
-- {-3, detail} corrupt meta; {-4, kind, name} key belongs to another type; {-5, detail} data holds a non-envelope;
-- {-6, type} tombstones are not a hash.

-- valid, newer, envelope, xor16, hex16, check, list_entry and rewrite_list come from version_common.lua and list_common.lua, prepended when the script is loaded.

local err, meta, len = check(ARGV[1])
if err then return err end
local stored, dv, ml, mr, h = meta[1], meta[6] or '0', meta[7] or '0', meta[8] or '0', meta[5] or '0000000000000000'

-- Where a late element goes (one overtaken by a newer push of its side). Left pushes lie by descending id from the
-- head, right pushes by ascending id up to the tail, so the place of a late one is near its own end: the list is read
-- from that end in windows that double (16, 32, ...), and a push overtaken by a few newer ones reads a few elements,
-- not the whole list (which cost seconds at 100,000 elements, with the node serving nothing else).
-- Returns the element to insert before (nil: at the tail), whether the element is already there, and an error reply.
local function locate(side, id, len)
  local scanned, window, pivot = 0, 16, nil
  while scanned < len do
    local part
    if side == 'L' then
      part = redis.call('LRANGE', KEYS[1], scanned, scanned + window - 1)
    else
      part = redis.call('LRANGE', KEYS[1], -(scanned + window), -(scanned + 1))
    end
    if #part == 0 then break end
    local first, last, step = 1, #part, 1
    if side == 'R' then first, last, step = #part, 1, -1 end
    for j = first, last, step do
      local other = part[j]
      if not envelope(other) then return nil, false, {-5, 'an element is not an envelope (the list was changed outside AnarchoRedis)'} end
      local os, oid = string.sub(other, 1, 1), string.sub(other, 2, 33)
      if oid == id then return nil, true, nil end
      if side == 'L' then
        -- The first element that is right-pushed or an older left push: the new one goes before it.
        if os == 'R' or newer(id, oid) then return other, false, nil end
      elseif os == 'R' and newer(oid, id) then
        -- A newer right push: the new one goes before the leftmost of them.
        pivot = other
      else
        return pivot, false, nil
      end
    end
    scanned = scanned + #part
    window = window * 2
  end
  return pivot, false, nil
end

-- Every check passed: writes from here on (locate only reads; a non-envelope it meets fails the call, as before).
local version = stored or ARGV[2]
if newer(ARGV[2], version) then version = ARGV[2] end
local buried = 0
for i = 7, #ARGV, 2 do
  local e = ARGV[i]
  local side = string.sub(e, 1, 1)
  local id = string.sub(e, 2, 33)
  local under = dv ~= '0' and not newer(id, dv)
  if under then buried = buried + 1 end
  local dead = under or redis.call('HEXISTS', KEYS[3], id) == 1
  if not dead then
    local inserted = false
    if side == 'L' and (ml == '0' or newer(id, ml)) then
      redis.call('LPUSH', KEYS[1], e); inserted = true; ml = id
    elseif side == 'R' and (mr == '0' or newer(id, mr)) then
      redis.call('RPUSH', KEYS[1], e); inserted = true; mr = id
    else
      local pivot, present, failure = locate(side, id, redis.call('LLEN', KEYS[1]))
      if failure then return failure end
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

-- The cap (a capped list): keep the node's newest cap elements. Left pushes lie by descending id from the head and right
-- pushes by ascending id up to the tail, so the newest are at the two ends: read cap + 1 from each end, walk both
-- from the newest down, and everything from the (cap + 1)-th newest down is dead: the watermark rises to its id (no
-- tombstone), and the dead elements are the middle run between the a kept lefts and the b kept rights. Deterministic
-- for a given list; nodes that hold different elements may raise different floors, merged by max like any dv (see
-- docs/lists.md).
-- Anything that is not an envelope leaves the list untrimmed (the next read or pass reports and repairs it).
local function cap(limit)
  local n = redis.call('LLEN', KEYS[1])
  if limit <= 0 or n <= limit then return end
  local head = redis.call('LRANGE', KEYS[1], 0, limit)
  local tail = redis.call('LRANGE', KEYS[1], -(limit + 1), -1)
  local lefts, rights = {}, {}
  for j = 1, #head do
    if not envelope(head[j]) then return end
    if string.sub(head[j], 1, 1) ~= 'L' then break end
    lefts[#lefts + 1] = string.sub(head[j], 2, 33)
  end
  for j = #tail, 1, -1 do
    if not envelope(tail[j]) then return end
    if string.sub(tail[j], 1, 1) ~= 'R' then break end
    rights[#rights + 1] = string.sub(tail[j], 2, 33)
  end
  local a, b = 0, 0
  while a + b < limit do
    local l, r = lefts[a + 1], rights[b + 1]
    if l and (not r or newer(l, r)) then a = a + 1 else b = b + 1 end
  end
  local floor, r = lefts[a + 1], rights[b + 1]
  if r and (not floor or newer(r, floor)) then floor = r end
  if not floor then return end
  -- Only commands the documented ACL already grants (docs/security.md; no LTRIM): a few dropped elements are removed one
  -- by one with LREM from their nearer end (a feed pushed at one side drops at an end: O(1) each), and the digest loses
  -- their hashes; more dropped than kept, the kept ones are rewritten (DEL and RPUSH, O(cap)) and rehashed.
  local dropped = n - limit
  if dropped <= limit then
    local gone = redis.call('LRANGE', KEYS[1], a, n - b - 1)
    for j = 1, #gone do
      h = xor16(h, string.sub(redis.sha1hex(string.sub(gone[j], 2, 33)), 1, 16))
      redis.call('LREM', KEYS[1], (a + j - 1) < n / 2 and 1 or -1, gone[j])
    end
  else
    local kept = {}
    for j = 1, a do kept[#kept + 1] = head[j] end
    for j = #tail - b + 1, #tail do kept[#kept + 1] = tail[j] end
    rewrite_list(kept)
    h = '0000000000000000'
    for j = 1, a do h = xor16(h, string.sub(redis.sha1hex(lefts[j]), 1, 16)) end
    for j = 1, b do h = xor16(h, string.sub(redis.sha1hex(rights[j]), 1, 16)) end
  end
  if dv == '0' or newer(floor, dv) then dv = floor end
end
cap(tonumber(ARGV[6]) or 0)

-- The list's expiry is the one of its newest push (xv), not of the push that arrived last: a push takes it over only
-- when it is newer than xv and not under the delete watermark (a dead push says nothing), so replicas that get the
-- same pushes in another order end with the same expiry.
local x, xv, mx = meta[9] or '0', meta[10] or '0', meta[11] or '0'
-- As list_delete.lua: an expiry whose push the watermark covers goes with it (a cap never covers the newest push).
if xv ~= '0' and dv ~= '0' and not newer(xv, dv) then x, xv, mx = '0', '0', '0' end
if (xv == '0' or newer(ARGV[2], xv)) and (dv == '0' or newer(ARGV[2], dv)) then
  x, xv, mx = ARGV[3], ARGV[2], ARGV[4]
end
local c = redis.call('LLEN', KEYS[1])
redis.call('HSET', KEYS[2], 'v', version, 'k', 'l', 'n', ARGV[1], 'c', c, 'h', h, 'dv', dv, 'ml', ml, 'mr', mr, 'x', x, 'xv', xv, 'mx', mx, 'tw', meta[12], 'tn', meta[13])
apply_expiry(x, mx, stored and (meta[9] or '0'))
list_entry(version, c, h, dv, ml, mr, x, xv, meta[12], ARGV[5], false, tonumber(meta[13]))
return {0, c, h, version, buried}
