--[[
  Records that an order's goods were delivered, in its payer's state, so the rules can tell
  whether a purchase's goods had reached the payer by a given event time. Idempotent per event
  id, and per order: an order keeps its earliest delivery time, so a redelivered event, or a
  second report of the same delivery, changes nothing.

  KEYS[1] seen        hash  of observe-payment-8.lua: "#newest" (ms) is read, the payer's
                            event-time watermark every horizon is measured from; "#version",
                            the name of the payer's state, is replaced
  KEYS[2] deliveries  zset  order id scored by when its goods were delivered (ms)

  ARGV[1] order id
  ARGV[2] occurredAt of the delivery, ms since the epoch
  ARGV[3] order horizon, ms: deliveries older than the payer's newest event - horizon go
  ARGV[4] order cap: most deliveries remembered
  ARGV[5] ttl of the key, seconds (an idle payer disappears)
  ARGV[6] "=" followed by the state version the caller's own copy of the payer's state stands
          for, "" if it holds none

  The new version is sha1(version .. "|d|" .. order id .. "|" .. occurredAt) when ARGV[6] was
  the payer's version, so the caller's copy, with this delivery applied, stays current; any
  other caller's copy is out of date either way.

  Returns { changed, current }: changed 1 when the delivery was new (or earlier than the one
  known), 0 otherwise; current 1 when ARGV[6] named the payer's version.
]]
local seen, deliveries = KEYS[1], KEYS[2]
local orderId = ARGV[1]
local deliveredAt = tonumber(ARGV[2])
local horizon = tonumber(ARGV[3])
local cap = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local expectedVersion = string.sub(ARGV[6], 2)

local header = redis.call('HMGET', seen, '#newest', '#version')
-- As in observe-payment-8.lua: no state is the empty version, an older writer's state none.
local currentVersion = header[2] or (not header[1] and '' or nil)
local current = ARGV[6] ~= '' and expectedVersion == currentVersion
local changed = redis.call('ZADD', deliveries, 'LT', 'CH', deliveredAt, orderId)
local newest = math.max(tonumber(header[1] or '0'), deliveredAt)
redis.call('ZREMRANGEBYSCORE', deliveries, '-inf', '(' .. string.format('%d', newest - horizon))
redis.call('ZREMRANGEBYRANK', deliveries, 0, -(cap + 1))
redis.call('EXPIRE', deliveries, ttl)
local version
if current then
  version = string.sub(redis.sha1hex(expectedVersion .. '|d|' .. orderId .. '|' .. ARGV[2]), 1, 16)
else
  local time = redis.call('TIME')
  version = string.sub(redis.sha1hex((header[2] or '') .. '|d|' .. orderId .. '|' .. time[1] .. '.' .. time[2]), 1, 16)
end
redis.call('HSET', seen, '#version', version)
-- A payer known only by deliveries so far gets a seen hash here: it must expire like the rest.
if not header[1] and not header[2] then redis.call('EXPIRE', seen, ttl) end
return { changed, current and 1 or 0 }
