-- Which of the given commands the Redis user running this script may not run (Redis 7 ACLs), checked once per node when
-- the client connects. A script stops at the first command its user may not run, after the writes before it (Redis
-- does not roll back), so a user lacking a command the scripts call must be refused before any script runs.
--
-- KEYS[1]  a key the user may use (the epoch key), given as each of a command's arguments (every one is a key to DEL or
--          EXISTS), so that only the command is checked
-- ARGV     the commands, each 'NAME' or 'NAME|SUBCOMMAND'
--
-- Returns the commands the user may not run, as given; {} also when the server cannot tell (no redis.acl_check_cmd:
-- Redis before 7, or a Redis-compatible server without it).

if not redis.acl_check_cmd then
  return {}
end
local denied = {}
for _, command in ipairs(ARGV) do
  local bar = string.find(command, '|', 1, true)
  local ok, allowed
  if bar then
    ok, allowed = pcall(redis.acl_check_cmd, string.sub(command, 1, bar - 1), string.sub(command, bar + 1), 'x')
  else
    ok, allowed = pcall(redis.acl_check_cmd, command, KEYS[1], KEYS[1], KEYS[1], KEYS[1])
  end
  -- (A command the server does not know raises an error: not a refusal.)
  if ok and not allowed then
    denied[#denied + 1] = command
  end
end
return denied
