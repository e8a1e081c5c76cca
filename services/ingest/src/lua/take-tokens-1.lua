--[[
  Token bucket: takes `cost` tokens if the bucket holds them. The bucket refills continuously
  at `rate` tokens per second up to `burst`.

  KEYS[1] hash  the tenant's bucket: t = tokens left, at = last refill, ms since the epoch

  ARGV[1] now, ms since the epoch
  ARGV[2] refill rate, tokens per second
  ARGV[3] burst: most tokens the bucket holds
  ARGV[4] cost: tokens this request needs

  Returns {1, 0} when taken, or {0, ms until enough tokens will be there}.
]]
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local taken = 0
local waitMs = 0
if tokens >= cost then
  tokens = tokens - cost
  taken = 1
else
  waitMs = math.ceil((math.min(cost, burst) - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now))
-- An idle bucket is full again after burst / rate seconds; it need not outlive that.
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {taken, waitMs}
