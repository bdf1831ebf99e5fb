-- Empty-restart detection: reads the node's epoch, creating it when it is absent. Create-if-absent in one atomic step,
-- so concurrent clients that find the same node without an epoch agree on the one id the first of them wrote.
--
-- KEYS[1] epoch key   ARGV[1] new id (32 hex digits)   ARGV[2] state if created ('ready' or 'filling')   ARGV[3] now (ms)
--
-- Returns {1, id, state, since, rid} created; {0, id, state, since, rid} already there; {-1, type} the key is not a hash.

local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then
  -- The server's run id goes with it, so that a later restart of the process is noticed (epoch_check.lua).
  local rid = run_id() or ''
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'state', ARGV[2], 'since', ARGV[3], 'rid', rid)
  return {1, ARGV[1], ARGV[2], ARGV[3], rid}
end
if t ~= 'hash' then return {-1, t} end
local v = redis.call('HMGET', KEYS[1], 'id', 'state', 'since', 'rid')
return {0, v[1] or '', v[2] or '', v[3] or '', v[4] or ''}
