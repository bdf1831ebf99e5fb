-- Anti-entropy's end of a refill: a 'filling' node becomes 'ready', only if its epoch is still the one the pass saw at
-- its start (a node wiped again during the pass has another id, or none, and stays as it is).
--
-- KEYS[1] epoch key   ARGV[1] the id seen at the start of the pass   ARGV[2] now (ms)
-- ARGV[3] the run id the epoch was confirmed under at the start of the pass ('' when unknown): a restart noticed since
--         (a probe restamps the run id, keeping the id) means what the pass wrote may be lost, so it stays filling
-- ARGV[4..] on a Redis Cluster node: the run ids of its shards' primaries now (an epoch confirmed under one of them came
--           with its slot from that live shard: its data did not restart)
--
-- Returns {1} switched to ready; {0, id, state} not switched (another id, or already ready); {0} no epoch; {-1, type}.

local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {0} end
if t ~= 'hash' then return {-1, t} end
local v = redis.call('HMGET', KEYS[1], 'id', 'state', 'rid')
if v[1] ~= ARGV[1] or v[2] ~= 'filling' then return {0, v[1] or '', v[2] or ''} end
-- A server that restarted since its epoch was last checked (another run id) may have lost what the pass wrote.
if ARGV[3] and ARGV[3] ~= '' and v[3] ~= ARGV[3] then return {0, v[1], 'restarted'} end
local rid = run_id()
if rid and v[3] and v[3] ~= rid then
  local live = false
  for i = 4, #ARGV do
    if ARGV[i] == v[3] then live = true end
  end
  if not live then return {0, v[1], 'restarted'} end
end
redis.call('HSET', KEYS[1], 'state', 'ready', 'since', ARGV[2])
return {1}
