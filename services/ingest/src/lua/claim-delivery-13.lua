--[[
  Claims an event id for one delivery, or reports what an earlier delivery of it left, in one
  round trip. Ids are remembered in per-tenant hashes, one per time slice and shard; a
  delivery looks through the current slice and the twelve before it, so an id is
  remembered for at least the dedupe window.

  KEYS[1]      hash  the current slice of this id's shard: id hash -> entry
  KEYS[2..13]  hash  the twelve earlier slices of the same shard, newest first
  An entry is "<state>|<body fingerprint>|<ms since the epoch>", state "p" (being published,
  claimed at ms) or "a" (accepted at ms).

  ARGV[1] the event id's hash (binary)
  ARGV[2] the body fingerprint
  ARGV[3] now, ms since the epoch
  ARGV[4] how long a pending claim holds before it counts as abandoned, ms
  ARGV[5] time to live of a slice, seconds (set when the slice is created)

  Returns {"new"}, {"accepted", fingerprint, acceptedAtMs} or {"in-flight", fingerprint, claimedAtMs}.
]]
local now = tonumber(ARGV[3])
for i = 1, #KEYS do
  local prior = redis.call('HGET', KEYS[i], ARGV[1])
  if prior then
    local state, fingerprint, ms = string.match(prior, '^(%a)|([^|]*)|(%d+)$')
    if state == 'a' then return {'accepted', fingerprint, ms} end
    if tonumber(ms) + tonumber(ARGV[4]) > now then return {'in-flight', fingerprint, ms} end
    -- A claim whose delivery died before publishing or releasing it.
    redis.call('HDEL', KEYS[i], ARGV[1])
  end
end
redis.call('HSET', KEYS[1], ARGV[1], 'p|' .. ARGV[2] .. '|' .. ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5], 'NX')
return {'new'}
