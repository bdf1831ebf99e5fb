-- Settles one slot's digest after an anti-entropy visit: m (earliest due time) and s (sum of entry weights) are
-- recomputed from the slot index. Writes only lower m, so it may be early; s should already be right, and a
-- difference (a bug, or an index edited outside AnarchoRedis) is corrected and reported.
--
-- KEYS[1] slot index   KEYS[2] slot digest
--
-- Returns {1, old s, new s} s was corrected; {0} it was right. An empty index removes the digest key.

local all = redis.call('HGETALL', KEYS[1])
local old = redis.call('HGET', KEYS[2], 's') or '0'
if #all == 0 then
  redis.call('DEL', KEYS[2])
  if old ~= '0' then return {1, old, '0'} end
  return {0}
end

-- Lua numbers are doubles: partial sums of up to 4096 weights (each below 2^40) stay exact, and are added up by
-- HINCRBY (64-bit integers) in a scratch field removed before the script ends.
local scratch = '_settle'
redis.call('HDEL', KEYS[2], scratch)
local m, partial, count = nil, 0, 0
for i = 2, #all, 2 do
  partial = partial + slot_weight(all[i])
  local due = tonumber(string.match(all[i], '^%d+:(%d+)$') or '')
  if due and due ~= 0 and (m == nil or due < m) then m = due end
  count = count + 1
  if count == 4096 then
    redis.call('HINCRBY', KEYS[2], scratch, string.format('%d', partial))
    partial, count = 0, 0
  end
end
redis.call('HINCRBY', KEYS[2], scratch, string.format('%d', partial))
local new = redis.call('HGET', KEYS[2], scratch)
redis.call('HDEL', KEYS[2], scratch)
if m then redis.call('HSET', KEYS[2], 'm', string.format('%d', m)) else redis.call('HDEL', KEYS[2], 'm') end
if new ~= old then
  redis.call('HSET', KEYS[2], 's', new)
  return {1, old, new}
end
return {0}
