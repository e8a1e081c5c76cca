--[[
  Records one payment in its payer's state and returns the state as it was before it, in one
  round trip. Idempotent per event id: a redelivered event changes nothing and gets back what
  its first delivery left (the snapshot, or the flags once they were recorded).

  KEYS[1] seen        hash  event id -> "S:<snapshot json>" | "F:<flags json>"; "#newest" -> ms;
                            "#expiry" -> wall-clock ms when the payer's keys last had their
                            expiry renewed
  KEYS[2] seenAt      zset  event id scored by occurredAt (ms); bounds KEYS[1]
  KEYS[3] payments    zset  compact payment json scored by occurredAt (ms), this currency only
  KEYS[4] orders      hash  order id -> json array of the order's compact payments
  KEYS[5] ordersAt    zset  order id scored by its newest payment's occurredAt (ms); bounds KEYS[4]
  KEYS[6] recipients  zset  recipient account scored by when it was last paid (ms)
  KEYS[7] categories  zset  category scored by when it was last bought (ms)
  KEYS[8] deliveries  zset  order id scored by when its goods were delivered (ms); written by
                            observe-delivery-2.lua, only read here

  ARGV[1] event id
  ARGV[2] occurredAt, ms since the epoch
  ARGV[3] order id
  ARGV[4] compact payment json (an object; "nc":1 is appended when its category is new)
  ARGV[5] recipient account, "" when the payment has none
  ARGV[6] category, "" when the payment is not a purchase with a category
  ARGV[7] context json the caller read elsewhere (sku statistics), kept in the snapshot so a
          redelivery is judged against exactly what the first delivery saw
  ARGV[8] wall-clock time, ms: only decides whether the keys' expiry is due for renewal
  ARGV[9] the limits, packed once by the caller as nine integers separated by spaces:
          history horizon (ms: payments, recipients, categories older than newest - horizon go),
          history cap (payments kept per currency), seen cap (event ids remembered),
          seen horizon (ms), ttl of every key of the payer (s; an idle payer disappears),
          order cap, order horizon (ms), recipient cap, category cap
  ARGV[10] "=" followed by the state version the caller judged the payment against ("=" alone
           for a payer with no state yet), "" when it judged nothing (see "Judged ahead" below)
  ARGV[11] the flags json the caller's judgement produced ("" with ARGV[10] "")
  ARGV[12] the length of the order's json the caller expects (0: the order is unknown to it)
  ARGV[13] what the caller's copy holds, five integers separated by spaces: payments in this
           currency, recipients, categories, deliveries, and the payer's newest event time (ms)

  Judged ahead. "#version" in KEYS[1] names the payer's state: every write here and in
  observe-delivery-2.lua replaces it. A caller that keeps the payer's state in its own memory
  judges the payment before calling and passes the version its copy stands for. When that
  is still the payer's version, the order is as long as the caller expects (its copy holds
  only the orders it has seen), and the payer holds as many payments, recipients, categories
  and deliveries, with the same newest event time, as the copy (a key that expired on its
  own, or a writer that keeps no version, changes them but not the version), the copy was exact: the payment is recorded as below, the
  flags are stored under the event id at once, no snapshot is read or returned, and the new
  version is sha1(version .. "|" .. event id), which the caller computes too. Otherwise the
  call is an ordinary one and the caller judges the snapshot it returns.

  Every key's expiry is renewed when the payer's keys were last renewed a day or more ago,
  and when the key is created; in between a payer's keys are not touched again, so the ttl
  the caller passes should exceed the horizon it stands for by that day.

  Returns { 1, stored } for an event already seen, { 2 } for a payment judged ahead, or
  { 0, snapshot json, version } where the version is the state's new one and the snapshot
  is { newest = ms, payments = [...], ms = [occurredAt of each payment, ms], order = [...],
  recipients = [account, ms, ...], categories = [category, ms, ...], deliveries = [order id,
  ms, ...], context = ... } as they were before this event; payments oldest first.
]]
local seen, seenAt, payments, orders, ordersAt, recipients, categories, deliveries = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local eventId = ARGV[1]
local occurredAt = tonumber(ARGV[2])
local orderId = ARGV[3]
local payment = ARGV[4]
local recipient = ARGV[5]
local category = ARGV[6]
local context = ARGV[7]
local nowMs = tonumber(ARGV[8])
local limits = {}
for value in string.gmatch(ARGV[9], '%S+') do limits[#limits + 1] = tonumber(value) end
local horizon, historyCap, seenCap, seenHorizon, payerTtl, orderCap, orderHorizon, recipientCap, categoryCap =
  limits[1], limits[2], limits[3], limits[4], limits[5], limits[6], limits[7], limits[8], limits[9]
local RENEW_EXPIRY_MS = 86400000

-- Forgets the members of a bounded hash that are older than the cutoff or beyond the cap,
-- oldest first, together with their entries in the index that bounds it. Returns how many
-- the index held before.
local function evict(hash, index, cutoff, cap)
  local evicted = redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. string.format('%d', cutoff))
  local count = redis.call('ZCARD', index)
  local overflow = count - #evicted - cap
  if overflow > 0 then
    local oldest = redis.call('ZRANGE', index, #evicted, #evicted + overflow - 1)
    for _, id in ipairs(oldest) do evicted[#evicted + 1] = id end
  end
  if #evicted > 0 then
    redis.call('HDEL', hash, unpack(evicted))
    redis.call('ZREM', index, unpack(evicted))
  end
  return count
end

local header = redis.call('HMGET', seen, eventId, '#newest', '#expiry', '#version')
if header[1] then
  return { 1, header[1] }
end
-- The payer's newest event time is the watermark every horizon is measured from, so a
-- replayed backlog is trimmed by event time, never by the wall clock.
local newest = tonumber(header[2] or '0')
local renew = nowMs - tonumber(header[3] or '0') >= RENEW_EXPIRY_MS
local orderPayments = redis.call('HGET', orders, orderId)
local expectedVersion = string.sub(ARGV[10], 2)
-- A payer with no state has the empty version; one whose state an older writer left without a
-- version has none a caller could name.
local currentVersion = header[4] or (not header[2] and '' or nil)
local judged = ARGV[10] ~= '' and expectedVersion == currentVersion and #(orderPayments or '') == tonumber(ARGV[12])

local paymentCount, oldestPayment, recipientCount, oldestRecipient, knownRecipient, categoryCount, oldestCategory, knownCategory
if judged then
  -- Nothing is read back: counts for the caps, and -inf as the oldest so every horizon trim runs.
  paymentCount = redis.call('ZCARD', payments)
  recipientCount = redis.call('ZCARD', recipients)
  categoryCount = redis.call('ZCARD', categories)
  local expected = {}
  for value in string.gmatch(ARGV[13], '%S+') do expected[#expected + 1] = tonumber(value) end
  judged = expected[1] == paymentCount and expected[2] == recipientCount and expected[3] == categoryCount
    and expected[4] == redis.call('ZCARD', deliveries) and expected[5] == newest
end
local snapshot
if judged then
  oldestPayment = -math.huge
  oldestRecipient = -math.huge
  knownRecipient = recipient ~= '' and redis.call('ZSCORE', recipients, recipient) ~= false
  oldestCategory = -math.huge
  knownCategory = category ~= '' and redis.call('ZSCORE', categories, category) ~= false
else
  local history = redis.call('ZRANGE', payments, 0, -1, 'WITHSCORES')
  local knownRecipients = redis.call('ZRANGE', recipients, 0, -1, 'WITHSCORES')
  local knownCategories = redis.call('ZRANGE', categories, 0, -1, 'WITHSCORES')
  local knownDeliveries = redis.call('ZRANGE', deliveries, 0, -1, 'WITHSCORES')

  -- Pairs as JSON text, the oldest score among them, and whether `member` is one of them.
  local function quoted(list, member)
    local out = {}
    local oldest = math.huge
    local found = false
    for i = 1, #list, 2 do
      out[#out + 1] = cjson.encode(list[i]) .. ',' .. list[i + 1]
      local score = tonumber(list[i + 1])
      if score < oldest then oldest = score end
      if list[i] == member then found = true end
    end
    return table.concat(out, ','), oldest, found
  end
  local paymentsJson, paymentsMs = {}, {}
  for i = 1, #history, 2 do
    paymentsJson[#paymentsJson + 1] = history[i]
    paymentsMs[#paymentsMs + 1] = history[i + 1]
  end
  local recipientsJson, categoriesJson, deliveriesJson
  recipientsJson, oldestRecipient, knownRecipient = quoted(knownRecipients, recipient)
  categoriesJson, oldestCategory, knownCategory = quoted(knownCategories, category)
  deliveriesJson = quoted(knownDeliveries, nil)
  paymentCount = #paymentsMs
  oldestPayment = tonumber(paymentsMs[1] or math.huge)
  recipientCount = #knownRecipients / 2
  categoryCount = #knownCategories / 2
  -- Assembled as JSON text: stored members are already JSON, so nothing is re-encoded.
  snapshot = '{"newest":' .. string.format('%d', newest) ..
    ',"payments":[' .. table.concat(paymentsJson, ',') ..
    '],"ms":[' .. table.concat(paymentsMs, ',') ..
    '],"order":' .. (orderPayments or '[]') ..
    ',"recipients":[' .. recipientsJson ..
    '],"categories":[' .. categoriesJson ..
    '],"deliveries":[' .. deliveriesJson ..
    '],"context":' .. context .. '}'
end

local latest = math.max(newest, occurredAt)
local cutoffMs = latest - horizon
local cutoff = '(' .. string.format('%d', cutoffMs)
-- Trims are issued only when something can be beyond a horizon or a cap.
local function trim(key, count, oldest, cap)
  if math.min(oldest, occurredAt) < cutoffMs then redis.call('ZREMRANGEBYSCORE', key, '-inf', cutoff) end
  if count > cap then redis.call('ZREMRANGEBYRANK', key, 0, -(cap + 1)) end
end

if category ~= '' and not knownCategory then
  payment = string.sub(payment, 1, -2) .. ',"nc":1}'
end
redis.call('ZADD', payments, occurredAt, payment)
trim(payments, paymentCount + 1, oldestPayment, historyCap)
if renew or paymentCount == 0 then redis.call('EXPIRE', payments, payerTtl) end

if orderPayments then
  redis.call('HSET', orders, orderId, string.sub(orderPayments, 1, -2) .. ',' .. payment .. ']')
else
  redis.call('HSET', orders, orderId, '[' .. payment .. ']')
end
redis.call('ZADD', ordersAt, 'GT', occurredAt, orderId)
local orderCount = evict(orders, ordersAt, latest - orderHorizon, orderCap)
if renew or (orderCount == 1 and not orderPayments) then
  redis.call('EXPIRE', orders, payerTtl)
  redis.call('EXPIRE', ordersAt, payerTtl)
end

if recipient ~= '' then
  redis.call('ZADD', recipients, 'GT', occurredAt, recipient)
  trim(recipients, recipientCount + (knownRecipient and 0 or 1), oldestRecipient, recipientCap)
  if renew or recipientCount == 0 then redis.call('EXPIRE', recipients, payerTtl) end
elseif renew then
  redis.call('EXPIRE', recipients, payerTtl)
end
if category ~= '' then
  redis.call('ZADD', categories, 'GT', occurredAt, category)
  trim(categories, categoryCount + (knownCategory and 0 or 1), oldestCategory, categoryCap)
  if renew or categoryCount == 0 then redis.call('EXPIRE', categories, payerTtl) end
elseif renew then
  redis.call('EXPIRE', categories, payerTtl)
end

-- A version the caller can foresee only by having judged this very state: chained from the
-- one it named, or, for an ordinary call, made unique by the server's clock.
local version
local stored
if judged then
  version = string.sub(redis.sha1hex(expectedVersion .. '|' .. eventId), 1, 16)
  stored = 'F:' .. ARGV[11]
else
  local time = redis.call('TIME')
  version = string.sub(redis.sha1hex((header[4] or '') .. '|' .. eventId .. '|' .. time[1] .. '.' .. time[2]), 1, 16)
  stored = 'S:' .. snapshot
end
if renew then
  redis.call('HSET', seen, eventId, stored, '#newest', string.format('%d', latest), '#version', version, '#expiry', string.format('%d', nowMs))
else
  redis.call('HSET', seen, eventId, stored, '#newest', string.format('%d', latest), '#version', version)
end
redis.call('ZADD', seenAt, occurredAt, eventId)
local seenCount = evict(seen, seenAt, latest - seenHorizon, seenCap)
if renew or seenCount == 1 then
  redis.call('EXPIRE', seen, payerTtl)
  redis.call('EXPIRE', seenAt, payerTtl)
end
if judged then return { 2 } end
return { 0, snapshot, version }
