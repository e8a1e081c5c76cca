--[[
  Records that an order's goods were delivered, in its payer's state, so the rules can tell
  whether a purchase's goods had reached the payer by a given event time. Idempotent per event
  id, and per order: an order keeps its earliest delivery time, so a redelivered event, or a
  second report of the same delivery, changes nothing.

  KEYS[1] seen        hash  of observe-payment-8.lua; only "#newest" (ms) is read, the payer's
                            event-time watermark every horizon is measured from
  KEYS[2] deliveries  zset  order id scored by when its goods were delivered (ms)

  ARGV[1] order id
  ARGV[2] occurredAt of the delivery, ms since the epoch
  ARGV[3] order horizon, ms: deliveries older than the payer's newest event - horizon go
  ARGV[4] order cap: most deliveries remembered
  ARGV[5] ttl of the key, seconds (an idle payer disappears)

  Returns 1 when the delivery was new (or earlier than the one known), 0 otherwise.
]]
local seen, deliveries = KEYS[1], KEYS[2]
local orderId = ARGV[1]
local deliveredAt = tonumber(ARGV[2])
local horizon = tonumber(ARGV[3])
local cap = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])

local changed = redis.call('ZADD', deliveries, 'LT', 'CH', deliveredAt, orderId)
local newest = math.max(tonumber(redis.call('HGET', seen, '#newest') or '0'), deliveredAt)
redis.call('ZREMRANGEBYSCORE', deliveries, '-inf', '(' .. string.format('%d', newest - horizon))
redis.call('ZREMRANGEBYRANK', deliveries, 0, -(cap + 1))
redis.call('EXPIRE', deliveries, ttl)
return changed
