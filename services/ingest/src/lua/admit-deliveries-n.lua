--[[
  Admits the deliveries of concurrent requests in one round trip. First the marks and
  releases earlier deliveries asked for, in the order they asked; then, for each request in
  the order it came, its tenant's token bucket and, if the bucket holds the request's cost, a
  claim on each of its event ids (a request the bucket refuses claims nothing).

  Ids are remembered in per-tenant hashes, one per time slice and shard; a claim looks through
  the current slice and the twelve before it, so an id is remembered for at least the dedupe
  window. An entry is "<state>|<body fingerprint>|<ms since the epoch, base 36>", state "p"
  (being published, claimed at that time) or "a" (accepted at that time). A bucket is a hash:
  t = tokens left, at = last refill, ms since the epoch; it refills continuously at its rate
  up to its burst.

  KEYS         every key the operations touch (the "n": as many as they need), referred to
               by position from ARGV[1]; the script reads and writes no other key, and the
               caller sends one slot's operations per call, as Redis Cluster requires
  ARGV[1]      msgpack: the operations, each one of
                 {1, slice, field, entry}  mark: the id (field, its binary hash) in KEYS[slice] is now entry
                 {2, slice, field}         release: forget the id's claim
                 {3, now, nowBase36, holdMs, sliceTtlSeconds, bucket, rate, burst, cost, claims}
                                           admit, at now (ms since the epoch; nowBase36 the same in
                                           base 36, as stored): take cost tokens from the bucket at
                                           KEYS[bucket] (rate tokens per second, at most burst
                                           tokens; bucket 0: no rate limit, as for platform topics),
                                           then claim. Each claim {first, field, fingerprint}: KEYS[first]
                                           is the current slice, "<shard key>:<slice number>", and
                                           KEYS[first + 1] to KEYS[first + 12] the twelve before it.
                                           A pending claim older than holdMs counts as abandoned; a
                                           new slice lives sliceTtlSeconds.

  Returns a flat array; for each admit operation, in order: 1 and then per claim a code
  (0 new, 1 accepted, 2 in flight), the earlier delivery's fingerprint and its time as stored
  ("" for a new one); or 0 and the ms until the bucket will hold the cost.
]]
local SLICES = 13
local operations = cmsgpack.unpack(ARGV[1])

local function takeTokens(now, key, rate, burst, cost)
  local state = redis.call('HMGET', key, 't', 'at')
  local tokens = tonumber(state[1]) or burst
  local at = tonumber(state[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
  local waitMs = 0
  local taken = tokens >= cost
  if taken then
    tokens = tokens - cost
  else
    waitMs = math.ceil((math.min(cost, burst) - tokens) * 1000 / rate)
  end
  redis.call('HSET', key, 't', tostring(tokens), 'at', tostring(now))
  -- An idle bucket is full again after burst / rate seconds; it need not outlive that.
  redis.call('PEXPIRE', key, math.ceil(burst * 1000 / rate) + 1000)
  return taken, waitMs
end

local function claim(now, nowBase36, holdMs, sliceTtl, first, field, fingerprint)
  local current = KEYS[first]
  for back = 0, SLICES - 1 do
    local slice = KEYS[first + back]
    local prior = redis.call('HGET', slice, field)
    if prior then
      local state, priorFingerprint, at = string.match(prior, '^(%a)|([^|]*)|(%w+)$')
      if state == 'a' then return 1, priorFingerprint, at end
      if tonumber(at, 36) + holdMs > now then return 2, priorFingerprint, at end
      -- A claim whose delivery died before publishing or releasing it.
      redis.call('HDEL', slice, field)
    end
  end
  redis.call('HSET', current, field, 'p|' .. fingerprint .. '|' .. nowBase36)
  redis.call('EXPIRE', current, sliceTtl, 'NX')
  return 0, '', ''
end

local reply = {}
for _, operation in ipairs(operations) do
  local kind = operation[1]
  if kind == 1 then
    redis.call('HSET', KEYS[operation[2]], operation[3], operation[4])
  elseif kind == 2 then
    redis.call('HDEL', KEYS[operation[2]], operation[3])
  else
    local now, nowBase36, holdMs, sliceTtl = operation[2], operation[3], operation[4], operation[5]
    local taken, waitMs = true, 0
    if operation[6] > 0 then taken, waitMs = takeTokens(now, KEYS[operation[6]], operation[7], operation[8], operation[9]) end
    if taken then
      reply[#reply + 1] = 1
      for _, wanted in ipairs(operation[10]) do
        local code, fingerprint, at = claim(now, nowBase36, holdMs, sliceTtl, wanted[1], wanted[2], wanted[3])
        reply[#reply + 1] = code
        reply[#reply + 1] = fingerprint
        reply[#reply + 1] = at
      end
    else
      reply[#reply + 1] = 0
      reply[#reply + 1] = waitMs
    end
  end
end
return reply
