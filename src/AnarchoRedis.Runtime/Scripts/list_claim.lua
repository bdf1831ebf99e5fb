-- Exactly-once pops (ListPopper): claim an element, release claims, take a claimed element, drop a taken one elsewhere.
--
-- A claim says "this popper is about to take element id": the claims hash maps id -> 'claimant|until' (until: Unix ms by
-- the claimant's clock). A take removes the element only where the taker's own claim stands and the element is not yet
-- removed, so each node lets at most one popper take an element; a popper returns it only with takes from a quorum of
-- nodes, and two quorums share a node: at most one popper returns it. Claims only keep poppers from spoiling each
-- other's quorums; a lease lets another popper claim over a popper that crashed.
--
-- KEYS[1] data   KEYS[2] meta   KEYS[3] element tombstones   KEYS[4] claims   KEYS[5] slot index, KEYS[6] slot digest
-- (optional, take only)   KEYS[#KEYS] the node's epoch key (on a Redis Cluster node, that of the list's slot)
-- ARGV[1] registry name   ARGV[2] mode   ARGV[3] claimant
--
-- 'claim'   ARGV[4] side ('L': from the head, 'R': from the tail)   ARGV[5] now (ms)   ARGV[6] until (ms)
--           Claims the first element from that side that no other popper's claim covers (a claim whose until has
--           passed covers nothing; the claimant's own is claimed again). The claims hash then lives as long as the
--           latest live claim by ARGV[5]'s clock (PEXPIRE: the servers' clocks are not the claimant's).
--           Returns {0, filling, id, envelope, skipped}, or {0, filling, '', '', skipped} when there is none (empty, or
--           every element claimed); skipped: how many elements other poppers' claims covered before the answer.
-- 'release' ARGV[4..] ids: drops the claimant's claims on them. Returns {0, filling, released}.
-- 'take'    ARGV[4] operation version   ARGV[5] removal time (ms)   ARGV[6] due candidate for the slot entry
--           ARGV[7] id   ARGV[8] its element hash
--           Returns {0, filling, count, digest, version} taken (the element removed and tombstoned, the claim dropped);
--           {2, filling, 'gone'} the element is removed already (tombstoned, or under the delete watermark);
--           {2, filling, 'taken'} the claimant's claim is not there (never made here, released, or claimed over).
-- 'drop'    ARGV[4..8] as for 'take': removes the element whoever claimed it, and drops every claim on it (sent, after a
--           won take, to the nodes that did not take it: the element is gone, and so are the claims on it).
--           Returns {0, filling, count, digest, version}.
-- filling: 1 when the epoch is 'filling', 2 when the copy does not match its meta (tombstones or elements evicted): the
-- answer does not count; else 0. {-7}: no epoch (the node lost its data).
-- Errors as list_push.lua.
-- valid, newer, envelope, xor16, check, epoch_gate and remove_ids come from version_common.lua and list_common.lua,
-- prepended when the script is loaded.

slot_at = 5
local filling = epoch_gate(KEYS[#KEYS])
if filling == 'gone' then return {-7} end
filling = filling and 1 or 0
local err, meta, len, damaged = check(ARGV[1])
if err then return err end
local mode, claimant = ARGV[2], ARGV[3]
-- A copy that does not match its meta does not count, as for reads (ListReadParser.IsMissing): tombstones gone (2), or
-- elements gone before the list's expiry (1; an expired list rightly holds nothing). ARGV[5] is the caller's now.
if filling == 0 and mode ~= 'release' and (damaged == 2 or (damaged == 1 and ((meta[9] or '0') == '0' or tonumber(meta[9]) > tonumber(ARGV[5])))) then
  filling = 2
end
local t = redis.call('TYPE', KEYS[4])['ok']
if t ~= 'hash' and t ~= 'none' then return {-6, t} end

local function owner(claim)
  local bar = string.find(claim, '|', 1, true)
  if not bar then return claim, 0 end
  return string.sub(claim, 1, bar - 1), tonumber(string.sub(claim, bar + 1)) or 0
end

if mode == 'claim' then
  local now, untilMs = tonumber(ARGV[5]), ARGV[6]
  -- The hash's time to live, as the claimant's clock judges every lease (see below).
  local covered, latest = {}, tonumber(untilMs) - now
  local all = redis.call('HGETALL', KEYS[4])
  for j = 1, #all, 2 do
    local who, till = owner(all[j + 1])
    if till <= now then
      -- A lapsed claim (its popper crashed, or is slower than the lease): it covers nothing any more.
      redis.call('HDEL', KEYS[4], all[j])
    elseif who ~= claimant then
      covered[all[j]] = true
      if till - now > latest then latest = till - now end
    end
  end
  local window, from, skipped = 16, 0, 0
  while from < len do
    local items
    if ARGV[4] == 'L' then
      items = redis.call('LRANGE', KEYS[1], from, from + window - 1)
    else
      items = redis.call('LRANGE', KEYS[1], -(from + window), -(from + 1))
      local reversed = {}
      for j = #items, 1, -1 do reversed[#reversed + 1] = items[j] end
      items = reversed
    end
    for j = 1, #items do
      if not envelope(items[j]) then return {-5, 'an element is not an envelope (the list was changed outside AnarchoRedis)'} end
      local id = string.sub(items[j], 2, 33)
      if covered[id] then
        skipped = skipped + 1
      else
        redis.call('HSET', KEYS[4], id, claimant .. '|' .. untilMs)
        -- The hash lives as long as its latest claim: claims of poppers that crashed go with it. Relative (PEXPIRE),
        -- as every lease here is judged by the claimant's clock: an absolute until from a clock behind the server's
        -- would be in the server's past, and Redis would delete the claim it just wrote.
        redis.call('PEXPIRE', KEYS[4], string.format('%d', math.max(1, latest)))
        return {0, filling, id, items[j], skipped}
      end
    end
    from, window = from + window, window * 2
  end
  return {0, filling, '', '', skipped}
elseif mode == 'release' then
  local released = 0
  for i = 4, #ARGV do
    local claim = redis.call('HGET', KEYS[4], ARGV[i])
    if claim and owner(claim) == claimant then
      redis.call('HDEL', KEYS[4], ARGV[i])
      released = released + 1
    end
  end
  return {0, filling, released}
elseif mode == 'take' then
  local id = ARGV[7]
  local dv = meta[6] or '0'
  if redis.call('HEXISTS', KEYS[3], id) == 1 or (dv ~= '0' and not newer(id, dv)) then
    return {2, filling, 'gone'}
  end
  local claim = redis.call('HGET', KEYS[4], id)
  if not claim or owner(claim) ~= claimant then return {2, filling, 'taken'} end
  local reply = remove_ids(meta, len, ARGV[4], ARGV[5], ARGV[6], 7)
  redis.call('HDEL', KEYS[4], id)
  if reply[1] == 0 then reply = {0, filling, reply[2], reply[3], reply[4]} end
  return reply
elseif mode == 'drop' then
  if not valid(ARGV[7]) then return redis.error_reply('bad id argument') end
  local reply = remove_ids(meta, len, ARGV[4], ARGV[5], ARGV[6], 7)
  redis.call('HDEL', KEYS[4], ARGV[7])
  if reply[1] == 0 then reply = {0, filling, reply[2], reply[3], reply[4]} end
  return reply
end
return redis.error_reply('unknown list_claim mode')
