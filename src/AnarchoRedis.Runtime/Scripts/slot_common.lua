-- Shared by every script that keeps a slot digest (value_write, value_purge, index_drop, slot_settle and the list
-- scripts): LuaScript prepends this text when it loads them.

-- An index entry's weight in its slot's sum s. The entry is 'h' or 'h:due'; its weight is (h + due) mod 2^40
-- (SlotEntry.Weight), so that s covers due times as well as states: two nodes whose entries differ only in a due time
-- differ in s, and a pass visits the slot and sets the due time exactly. (A list's due time depends on the order its
-- writes arrived in, not only on its state.) Lua numbers are doubles: h < 2^40 and due < 2^42 add exactly.
local function slot_weight(entry)
  if not entry then return 0 end
  local h = tonumber(string.match(entry, '^%d+') or '') or 0
  local due = tonumber(string.match(entry, ':(%d+)$') or '') or 0
  return (h + due) % 1099511627776
end

-- Removes a key's entry (field) from a slot index and its weight from the slot digest's sum; returns whether there was one.
-- The last entry takes the digest key with it (as slot_settle does): an empty slot has no digest key on any node, not a
-- digest of s = 0 on the nodes that once held a key there.
local function drop_slot_entry(index, digest, field)
  local old = redis.call('HGET', index, field)
  if not old then return false end
  redis.call('HDEL', index, field)
  if redis.call('EXISTS', index) == 0 then
    redis.call('DEL', digest)
    return true
  end
  local weight = slot_weight(old)
  if weight ~= 0 then redis.call('HINCRBY', digest, 's', string.format('%d', -weight)) end
  return true
end
