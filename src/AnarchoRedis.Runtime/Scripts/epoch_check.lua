-- Empty- and old-restart detection: reads the node's epoch and notices a restart of the server process. The epoch
-- records the run id (INFO server) of the process it was last confirmed under; a node whose run id changed restarted,
-- and whatever it reloaded (an RDB or AOF file) may be older than what it acknowledged before: a 'ready' epoch becomes
-- 'filling' (same id) until an anti-entropy pass has compared the node. An epoch without a run id adopts the current one.
--
-- KEYS[1] epoch key   ARGV[1] now (ms)
--
-- Returns {0} absent; {1, id, state, rid} present (id '' when the hash has no id; rid the run id it is confirmed under
-- now); {2, id, 'filling', rid} present, and just switched to filling because the server restarted; {-1, type} the key
-- is not a hash.

local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {0} end
if t ~= 'hash' then return {-1, t} end
local v = redis.call('HMGET', KEYS[1], 'id', 'state', 'rid')
local rid = run_id()
if rid and v[1] and v[3] ~= rid then
  if v[3] and v[2] == 'ready' then
    redis.call('HSET', KEYS[1], 'state', 'filling', 'since', ARGV[1], 'rid', rid)
    return {2, v[1], 'filling', rid}
  end
  redis.call('HSET', KEYS[1], 'rid', rid)
  v[3] = rid
end
return {1, v[1] or '', v[2] or '', v[3] or ''}
