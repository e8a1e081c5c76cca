--[[
  Records one payment in its payer's state and returns the state as it was before it, in one
  round trip. Idempotent per event id: a redelivered event changes nothing and gets back what
  its first delivery left (the snapshot, or the flags once they were recorded).

  KEYS[1] seen        hash  event id -> "S:<snapshot json>" | "F:<flags json>"
  KEYS[2] seenAt      zset  event id scored by occurredAt (ms); bounds KEYS[1]
  KEYS[3] payments    zset  compact payment json scored by occurredAt (ms), this currency only
  KEYS[4] order       hash  payment id -> compact payment json, for this payment's order
  KEYS[5] recipients  zset  recipient account scored by when it was last paid (ms)
  KEYS[6] categories  zset  category scored by when it was last bought (ms)

  ARGV[1]  event id
  ARGV[2]  occurredAt, ms since the epoch
  ARGV[3]  payment id
  ARGV[4]  compact payment json (an object; "nc":1 is appended when its category is new)
  ARGV[5]  history horizon, ms: anything older than newest - horizon is dropped
  ARGV[6]  history cap: most payments kept per currency
  ARGV[7]  seen cap: most event ids remembered
  ARGV[8]  seen horizon, ms
  ARGV[9]  ttl of the payer's keys, seconds
  ARGV[10] ttl of the order key, seconds
  ARGV[11] recipient account, "" when the payment has none
  ARGV[12] recipient cap: most recipients remembered
  ARGV[13] category, "" when the payment is not a purchase with a category
  ARGV[14] category cap: most categories remembered
  ARGV[15] context json the caller read elsewhere (sku statistics), kept in the snapshot so a
           redelivery is judged against exactly what the first delivery saw

  Returns { 1, stored } for an event already seen, or { 0, snapshot json } where the snapshot
  is { newest = ms, payments = [...], order = [...], recipients = [account, ms, ...],
  categories = [category, ms, ...], context = ... } as they were before this event.
]]
local seen, seenAt, payments, order, recipients, categories = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local eventId = ARGV[1]
local occurredAt = tonumber(ARGV[2])
local paymentId = ARGV[3]
local payment = ARGV[4]
local horizon = tonumber(ARGV[5])
local historyCap = tonumber(ARGV[6])
local seenCap = tonumber(ARGV[7])
local seenHorizon = tonumber(ARGV[8])
local payerTtl = tonumber(ARGV[9])
local orderTtl = tonumber(ARGV[10])
local recipient = ARGV[11]
local recipientCap = tonumber(ARGV[12])
local category = ARGV[13]
local categoryCap = tonumber(ARGV[14])
local context = ARGV[15]

local stored = redis.call('HGET', seen, eventId)
if stored then
  return { 1, stored }
end

-- The payer's newest event time is the watermark every horizon is measured from, so a
-- replayed backlog is trimmed by event time, never by the wall clock.
local newest = tonumber(redis.call('HGET', seen, '#newest') or '0')
local history = redis.call('ZRANGE', payments, 0, -1)
local orderPayments = redis.call('HVALS', order)
local knownRecipients = redis.call('ZRANGE', recipients, 0, -1, 'WITHSCORES')
local knownCategories = redis.call('ZRANGE', categories, 0, -1, 'WITHSCORES')

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
  '],"order":[' .. table.concat(orderPayments, ',') ..
  '],"recipients":[' .. quoted(knownRecipients) ..
  '],"categories":[' .. quoted(knownCategories) ..
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

redis.call('HSET', order, paymentId, payment)
redis.call('EXPIRE', order, orderTtl)

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
local evicted = redis.call('ZRANGEBYSCORE', seenAt, '-inf', '(' .. string.format('%d', latest - seenHorizon))
local overflow = redis.call('ZCARD', seenAt) - #evicted - seenCap
if overflow > 0 then
  local oldest = redis.call('ZRANGE', seenAt, #evicted, #evicted + overflow - 1)
  for _, id in ipairs(oldest) do evicted[#evicted + 1] = id end
end
if #evicted > 0 then
  redis.call('HDEL', seen, unpack(evicted))
  redis.call('ZREM', seenAt, unpack(evicted))
end
redis.call('EXPIRE', seen, payerTtl)
redis.call('EXPIRE', seenAt, payerTtl)

return { 0, snapshot }
