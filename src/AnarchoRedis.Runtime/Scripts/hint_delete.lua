-- Deletes replayed entries from a durable hint stream, and the stream itself once it is empty (in one step, so an
-- entry added meanwhile is never lost with it).
-- KEYS[1] the stream; ARGV the entry ids. Returns the number of entries deleted.
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'stream' then return 0 end
local n = 0
for i = 1, #ARGV, 1000 do
  n = n + redis.call('XDEL', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
if redis.call('XLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
return n
