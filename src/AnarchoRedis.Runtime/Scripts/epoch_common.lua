-- Shared by the epoch scripts (epoch_check, epoch_ensure, epoch_ready): LuaScript prepends this text when it loads them.

-- The server process's run id (INFO server), or nil when the server does not say (or refuses INFO in scripts): an epoch
-- records it, so that a restart of the process is noticed.
local function run_id()
  local info = redis.pcall('INFO', 'server')
  return type(info) == 'string' and string.match(info, 'run_id:(%x+)') or nil
end

