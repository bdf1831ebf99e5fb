-- Drops element tombstones removed before a cutoff (anti-entropy calls it once every node holds them past grace).
--
-- KEYS[1] element tombstones (HASH id -> removal ms)   ARGV[1] cutoff, Unix ms
--
-- Returns {0, purged}; {-6, type} the key is not a hash.
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {0, 0} end
if t ~= 'hash' then return {-6, t} end
local all = redis.call('HGETALL', KEYS[1])
local cutoff = tonumber(ARGV[1])
local purged = 0
for i = 1, #all, 2 do
  local at = tonumber(all[i + 1])
  if at and at < cutoff then
    redis.call('HDEL', KEYS[1], all[i])
    purged = purged + 1
  end
end
return {0, purged}
