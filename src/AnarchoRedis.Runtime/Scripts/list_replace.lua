-- Full-value repair: writes the merged list to the node. When the node still holds the (count, digest) the client saw,
-- the merge replaces its list. Even then, a removal or delete can have reached the node after the client read it
-- without changing its (count, digest) (the node never held the element): so no merged element that the node has
-- tombstoned, or that its delete watermark covers, is written, and the reply's (count, digest) describe what the node
-- holds in the end. When the node changed since the client read it (a push, a removal landed meanwhile: a busy list
-- always does), the merge is merged with what the node holds now instead of being given up: the union of its elements
-- and the merge's, minus every tombstone (the node's and the merge's) and the delete watermark, in canonical order (left
-- pushes by descending id, then right pushes by ascending id). That is the merge the client would make of the node's new
-- state, so the repair lands however busy the list is, and nothing the node gained meanwhile is lost.
--
-- KEYS[1] data   KEYS[2] meta   KEYS[3] element tombstones   KEYS[4] slot index, KEYS[5] slot digest (optional)
-- ARGV[1] registry name   ARGV[2] expected count   ARGV[3] expected digest   ARGV[4] merged version
-- ARGV[5] deleted-up-to   ARGV[6] data expiry ms or '0'   ARGV[7] meta expiry ms or '0'
-- ARGV[8] merged count   ARGV[9] merged digest   ARGV[10] max left id   ARGV[11] max right id
-- ARGV[12] due candidate for the key's slot entry, Unix ms or '0' (earliest tombstone + grace, or the meta expiry)
-- ARGV[13] the version of the write that set the expiry (xv), or '0'
-- ARGV[14] number of envelopes n; ARGV[15 .. 14+n] envelopes in canonical order; then tombstone pairs (id, time)
--
-- Returns {0, count, digest, version}: what the node holds now; errors as list_push.lua.
-- valid, newer, envelope, xor16, hex16, check, list_entry and rewrite_list come from version_common.lua and list_common.lua,
-- prepended when the script is loaded.

local err, meta, len = check(ARGV[1])
if err then return err end
local c0, h0 = meta[4] or '0', meta[5] or '0000000000000000'
local unchanged = tostring(c0) == ARGV[2] and h0 == ARGV[3]
local dv = ARGV[5]
if meta[6] and meta[6] ~= '0' and (dv == '0' or newer(meta[6], dv)) then dv = meta[6] end
local n = tonumber(ARGV[14])
local elements, h = {}, ARGV[9]
if unchanged then
  for i = 15, 14 + n do
    local id = string.sub(ARGV[i], 2, 33)
    if (dv ~= '0' and not newer(id, dv)) or redis.call('HEXISTS', KEYS[3], id) == 1 then
      -- Removed here after the client's read: the node's removal wins; the element hash leaves the digest.
      h = xor16(h, string.sub(redis.sha1hex(id), 1, 16))
    else
      elements[#elements + 1] = ARGV[i]
    end
  end
else
  -- The node changed meanwhile: the union of its elements and the merge's, minus every tombstone and the watermark.
  local removed = {}
  for i = 15 + n, #ARGV - 1, 2 do removed[ARGV[i]] = true end
  local byId = {}
  for i = 15, 14 + n do byId[string.sub(ARGV[i], 2, 33)] = ARGV[i] end
  if len > 0 then
    local held = redis.call('LRANGE', KEYS[1], 0, -1)
    for j = 1, #held do
      if not envelope(held[j]) then return {-5, 'an element is not an envelope (the list was changed outside AnarchoRedis)'} end
      local id = string.sub(held[j], 2, 33)
      if not byId[id] then byId[id] = held[j] end
    end
  end
  local lefts, rights = {}, {}
  h = '0000000000000000'
  for id, e in pairs(byId) do
    if not ((dv ~= '0' and not newer(id, dv)) or removed[id] or redis.call('HEXISTS', KEYS[3], id) == 1) then
      h = xor16(h, string.sub(redis.sha1hex(id), 1, 16))
      if string.sub(e, 1, 1) == 'L' then lefts[#lefts + 1] = e else rights[#rights + 1] = e end
    end
  end
  -- Ids are 32 lowercase hex digits: as strings of one length they compare as the numbers they are.
  table.sort(lefts, function(a, b) return string.sub(a, 2, 33) > string.sub(b, 2, 33) end)
  table.sort(rights, function(a, b) return string.sub(a, 2, 33) < string.sub(b, 2, 33) end)
  for j = 1, #rights do lefts[#lefts + 1] = rights[j] end
  elements = lefts
end
rewrite_list(elements)
-- The merged tombstones: the latest removal time of each wins (a removal that reached the node after the client read it
-- keeps its later time).
local tw = meta[12]
for i = 15 + n, #ARGV - 1, 2 do tw = set_tombstone(tw, ARGV[i], ARGV[i + 1]) end
local version = ARGV[4]
if meta[1] and newer(meta[1], version) then version = meta[1] end
local ml, mr = ARGV[10], ARGV[11]
if meta[7] and meta[7] ~= '0' and (ml == '0' or newer(meta[7], ml)) then ml = meta[7] end
if meta[8] and meta[8] ~= '0' and (mr == '0' or newer(meta[8], mr)) then mr = meta[8] end
-- The expiry of the newest push wins (see list_push.lua), and goes when the delete watermark covers that push.
local x, xv, mx = ARGV[6], ARGV[13], ARGV[7]
if meta[10] and meta[10] ~= '0' and (xv == '0' or newer(meta[10], xv)) then x, xv, mx = meta[9] or '0', meta[10], meta[11] or '0' end
if xv == '0' or (dv ~= '0' and not newer(xv, dv)) then x, xv, mx = '0', '0', '0' end
local c = redis.call('LLEN', KEYS[1])
redis.call('HSET', KEYS[2], 'v', version, 'k', 'l', 'n', ARGV[1], 'c', c, 'h', h, 'dv', dv, 'ml', ml, 'mr', mr, 'x', x, 'xv', xv, 'mx', mx, 'tw', tw, 'tn', redis.call('HLEN', KEYS[3]))
apply_expiry(x, mx)
list_entry(version, c, h, dv, ml, mr, x, xv, tw, ARGV[12], false)
return {0, c, h, version}
