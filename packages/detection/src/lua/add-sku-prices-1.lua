--[[
  Adds payments' unit prices to their sku's recent prices across all payers, keeping the
  newest `cap`: the prices of one sku that one pipeline carries, in one call. Idempotent: a
  member names its payment, so a redelivery adds nothing.

  KEYS[1] prices  zset  "<unit price>:<payment id>" scored by occurredAt (ms)

  ARGV[1] cap: most prices kept
  ARGV[2] ttl of the key, seconds (a sku nobody buys disappears)
  ARGV[3], ARGV[4], …  occurredAt (ms since the epoch) and member "<unit price>:<payment id>",
          a pair per payment

  Returns how many of the prices were new.
]]
local added = redis.call('ZADD', KEYS[1], unpack(ARGV, 3))
local cap = tonumber(ARGV[1])
if added > 0 and redis.call('ZCARD', KEYS[1]) > cap then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(cap + 1))
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return added
