-- The probe of one slot's epoch on a Redis Cluster node: reads it, changes nothing. The client compares the run id the
-- epoch was last confirmed under with the server's own and with the other shards' (a slot that migrated brings the
-- epoch its old shard confirmed: not a restart), and decides (NodeHealthMonitor.Cluster.cs).
--
-- KEYS[1] the slot's epoch key
--
-- Returns {0, the server's run id} absent; {1, id, state, the epoch's run id, the server's run id} ('' for a field it lacks); {-1, type}.

local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {0, run_id() or ''} end
if t ~= 'hash' then return {-1, t} end
local v = redis.call('HMGET', KEYS[1], 'id', 'state', 'rid')
return {1, v[1] or '', v[2] or '', v[3] or '', run_id() or ''}
