--[[
  Claims an event id for one delivery, or reports what an earlier delivery of it left, in one
  round trip. Ids are remembered in per-tenant hashes, one per time slice and shard; a
  delivery looks through the current slice and the twelve before it, so an id is
  remembered for at least the dedupe window.

  KEYS[1]      hash  the current slice of this id's shard: id hash -> entry
  KEYS[2..13]  hash  the twelve earlier slices of the same shard, newest first
  An entry is "<state>|<body fingerprint>|<ms since the epoch, base 36>", state "p" (being
  published, claimed at that time) or "a" (accepted at that time).

  ARGV[1] the event id's hash (binary)
  ARGV[2] the body fingerprint
  ARGV[3] now, ms since the epoch
  ARGV[4] now, ms since the epoch in base 36 (as stored)
  ARGV[5] how long a pending claim holds before it counts as abandoned, ms
  ARGV[6] time to live of a slice, seconds (set when the slice is created)

  Returns {"new"}, {"accepted", fingerprint, acceptedAt} or {"in-flight", fingerprint, claimedAt},
  times as stored (ms, base 36).
]]
local now = tonumber(ARGV[3])
for i = 1, #KEYS do
  local prior = redis.call('HGET', KEYS[i], ARGV[1])
  if prior then
    local state, fingerprint, at = string.match(prior, '^(%a)|([^|]*)|(%w+)$')
    if state == 'a' then return {'accepted', fingerprint, at} end
    if tonumber(at, 36) + tonumber(ARGV[5]) > now then return {'in-flight', fingerprint, at} end
    -- A claim whose delivery died before publishing or releasing it.
    redis.call('HDEL', KEYS[i], ARGV[1])
  end
end
redis.call('HSET', KEYS[1], ARGV[1], 'p|' .. ARGV[2] .. '|' .. ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[6], 'NX')
return {'new'}
