--[[
  Adds one payment's unit price to its sku's recent prices across all payers, keeping the
  newest `cap`. Idempotent: the member names the payment, so a redelivery adds nothing.

  KEYS[1] prices  zset  "<unit price>:<payment id>" scored by occurredAt (ms)

  ARGV[1] occurredAt, ms since the epoch
  ARGV[2] member, "<unit price>:<payment id>"
  ARGV[3] cap: most prices kept
  ARGV[4] ttl of the key, seconds (a sku nobody buys disappears)

  Returns 1 when the price was new, 0 otherwise.
]]
local added = redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if added == 1 and redis.call('ZCARD', KEYS[1]) > tonumber(ARGV[3]) then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return added
