-- How many keys the node has evicted since it started (INFO stats, evicted_keys), or -1 when the server does not say
-- (or refuses INFO in scripts). Read by anti-entropy's eviction sweep (EvictionSweep).
local info = redis.pcall('INFO', 'stats')
if type(info) ~= 'string' then return -1 end
local n = string.match(info, 'evicted_keys:(%d+)')
if not n then return -1 end
return tonumber(n)
