--[[
  Records one payment in its payer's state and returns the state as it was before it, in one
  round trip. Idempotent per event id: a redelivered event changes nothing and gets back what
  its first delivery left (the snapshot, or the flags once they were recorded).

  KEYS[1] seen        hash  event id -> "S:<snapshot json>" | "F:<flags json>"; "#newest" -> ms
  KEYS[2] seenAt      zset  event id scored by occurredAt (ms); bounds KEYS[1]
  KEYS[3] payments    zset  compact payment json scored by occurredAt (ms), this currency only
  KEYS[4] orders      hash  order id -> json array of the order's compact payments
  KEYS[5] ordersAt    zset  order id scored by its newest payment's occurredAt (ms); bounds KEYS[4]
  KEYS[6] recipients  zset  recipient account scored by when it was last paid (ms)
  KEYS[7] categories  zset  category scored by when it was last bought (ms)
  KEYS[8] deliveries  zset  order id scored by when its goods were delivered (ms); written by
                            observe-delivery-2.lua, only read here

  ARGV[1]  event id
  ARGV[2]  occurredAt, ms since the epoch
  ARGV[3]  order id
  ARGV[4]  compact payment json (an object; "nc":1 is appended when its category is new)
  ARGV[5]  history horizon, ms: payments, recipients, categories older than newest - horizon go
  ARGV[6]  history cap: most payments kept per currency
  ARGV[7]  seen cap: most event ids remembered
  ARGV[8]  seen horizon, ms
  ARGV[9]  ttl of every key of the payer, seconds (an idle payer disappears)
  ARGV[10] order cap: most orders remembered
  ARGV[11] order horizon, ms
  ARGV[12] recipient account, "" when the payment has none
  ARGV[13] recipient cap: most recipients remembered
  ARGV[14] category, "" when the payment is not a purchase with a category
  ARGV[15] category cap: most categories remembered
  ARGV[16] context json the caller read elsewhere (sku statistics), kept in the snapshot so a
           redelivery is judged against exactly what the first delivery saw

  Returns { 1, stored } for an event already seen, or { 0, snapshot json } where the snapshot
  is { newest = ms, payments = [...], order = [...], recipients = [account, ms, ...],
  categories = [category, ms, ...], deliveries = [order id, ms, ...], context = ... } as they
  were before this event.
]]
local seen, seenAt, payments, orders, ordersAt, recipients, categories, deliveries = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local eventId = ARGV[1]
local occurredAt = tonumber(ARGV[2])
local orderId = ARGV[3]
local payment = ARGV[4]
local horizon = tonumber(ARGV[5])
local historyCap = tonumber(ARGV[6])
local seenCap = tonumber(ARGV[7])
local seenHorizon = tonumber(ARGV[8])
local payerTtl = tonumber(ARGV[9])
local orderCap = tonumber(ARGV[10])
local orderHorizon = tonumber(ARGV[11])
local recipient = ARGV[12]
local recipientCap = tonumber(ARGV[13])
local category = ARGV[14]
local categoryCap = tonumber(ARGV[15])
local context = ARGV[16]

-- Forgets the members of a bounded hash that are older than the cutoff or beyond the cap,
-- oldest first, together with their entries in the index that bounds it.
local function evict(hash, index, cutoff, cap)
  local evicted = redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. string.format('%d', cutoff))
  local overflow = redis.call('ZCARD', index) - #evicted - cap
  if overflow > 0 then
    local oldest = redis.call('ZRANGE', index, #evicted, #evicted + overflow - 1)
    for _, id in ipairs(oldest) do evicted[#evicted + 1] = id end
  end
  if #evicted > 0 then
    redis.call('HDEL', hash, unpack(evicted))
    redis.call('ZREM', index, unpack(evicted))
  end
end

local stored = redis.call('HGET', seen, eventId)
if stored then
  return { 1, stored }
end

-- The payer's newest event time is the watermark every horizon is measured from, so a
-- replayed backlog is trimmed by event time, never by the wall clock.
local newest = tonumber(redis.call('HGET', seen, '#newest') or '0')
local history = redis.call('ZRANGE', payments, 0, -1)
local orderPayments = redis.call('HGET', orders, orderId)
local knownRecipients = redis.call('ZRANGE', recipients, 0, -1, 'WITHSCORES')
local knownCategories = redis.call('ZRANGE', categories, 0, -1, 'WITHSCORES')
local knownDeliveries = redis.call('ZRANGE', deliveries, 0, -1, 'WITHSCORES')

local function quoted(list)
  local out = {}
  for i = 1, #list, 2 do
    out[#out + 1] = cjson.encode(list[i]) .. ',' .. list[i + 1]
  end
  return table.concat(out, ',')
end

-- Assembled as JSON text: stored members are already JSON, so nothing is re-encoded.
local snapshot = '{"newest":' .. string.format('%d', newest) ..
  ',"payments":[' .. table.concat(history, ',') ..
  '],"order":' .. (orderPayments or '[]') ..
  ',"recipients":[' .. quoted(knownRecipients) ..
  '],"categories":[' .. quoted(knownCategories) ..
  '],"deliveries":[' .. quoted(knownDeliveries) ..
  '],"context":' .. context .. '}'

local latest = math.max(newest, occurredAt)
local cutoff = '(' .. string.format('%d', latest - horizon)

if category ~= '' and not redis.call('ZSCORE', categories, category) then
  payment = string.sub(payment, 1, -2) .. ',"nc":1}'
end
redis.call('ZADD', payments, occurredAt, payment)
redis.call('ZREMRANGEBYSCORE', payments, '-inf', cutoff)
redis.call('ZREMRANGEBYRANK', payments, 0, -(historyCap + 1))
redis.call('EXPIRE', payments, payerTtl)

if orderPayments then
  redis.call('HSET', orders, orderId, string.sub(orderPayments, 1, -2) .. ',' .. payment .. ']')
else
  redis.call('HSET', orders, orderId, '[' .. payment .. ']')
end
redis.call('ZADD', ordersAt, 'GT', occurredAt, orderId)
evict(orders, ordersAt, latest - orderHorizon, orderCap)
redis.call('EXPIRE', orders, payerTtl)
redis.call('EXPIRE', ordersAt, payerTtl)

if recipient ~= '' then
  redis.call('ZADD', recipients, 'GT', occurredAt, recipient)
  redis.call('ZREMRANGEBYSCORE', recipients, '-inf', cutoff)
  redis.call('ZREMRANGEBYRANK', recipients, 0, -(recipientCap + 1))
  redis.call('EXPIRE', recipients, payerTtl)
end
if category ~= '' then
  redis.call('ZADD', categories, 'GT', occurredAt, category)
  redis.call('ZREMRANGEBYSCORE', categories, '-inf', cutoff)
  redis.call('ZREMRANGEBYRANK', categories, 0, -(categoryCap + 1))
  redis.call('EXPIRE', categories, payerTtl)
end

redis.call('HSET', seen, eventId, 'S:' .. snapshot, '#newest', string.format('%d', latest))
redis.call('ZADD', seenAt, occurredAt, eventId)
evict(seen, seenAt, latest - seenHorizon, seenCap)
redis.call('EXPIRE', seen, payerTtl)
redis.call('EXPIRE', seenAt, payerTtl)

return { 0, snapshot }
