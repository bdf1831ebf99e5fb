-- Shared by every script that validates or orders versions (value_write and the list scripts): LuaScript prepends this
-- text when it loads them (Redis has no include), so the version rule is written once.

-- A version (or list element id) is 32 lowercase hex digits (ReplicatedVersion's text form), ordered as a 128-bit number.
local function valid(v)
  return type(v) == 'string' and string.len(v) == 32 and not string.find(v, '[^0-9a-f]')
end
-- Whether version a is after version b. Compared 8 hex digits (32 bits) at a time: exact in Lua's doubles, unlike the
-- whole 128 bits.
local function newer(a, b)
  for i = 1, 32, 8 do
    local x = tonumber(string.sub(a, i, i + 7), 16)
    local y = tonumber(string.sub(b, i, i + 7), 16)
    if x ~= y then return x > y end
  end
  return false
end
