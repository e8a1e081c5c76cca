#!lua flags=no-writes
--[[
  Reads one payer's state as observe-payment-8.lua would see it just before a payment, and
  writes nothing: a pre-payment check asks what the detector would say without moving any
  window, remembering any event id or renewing any expiry. The snapshot has exactly the shape
  observe-payment-8.lua returns, so the same parser and the same rules read it. The flag
  `no-writes` above makes Redis refuse any write the script might attempt, and lets it run on
  a replica.

  KEYS[1] seen        hash  only its "#newest" (ms) and "#version" fields are read
  KEYS[2] payments    zset  compact payment json scored by occurredAt (ms), this currency only
  KEYS[3] orders      hash  order id -> json array of the order's compact payments
  KEYS[4] recipients  zset  recipient account scored by when it was last paid (ms)
  KEYS[5] categories  zset  category scored by when it was last bought (ms)
  KEYS[6] deliveries  zset  order id scored by when its goods were delivered (ms)

  ARGV[1] order id of the payment about to be made
  ARGV[2] context json the caller read elsewhere (sku statistics), passed through

  Returns the snapshot json { newest, payments, ms, order, recipients, categories,
  deliveries, context, version }; payments oldest first; version the name of the state read
  (see observe-payment-8.lua), "" if the payer has no state yet, null for state an older
  writer left without one: the detector reads a payer's state this way before judging a batch
  of its payments from a copy of it.
]]
local seen, payments, orders, recipients, categories, deliveries = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local orderId = ARGV[1]
local context = ARGV[2]

local header = redis.call('HMGET', seen, '#newest', '#version')
local newest = tonumber(header[1] or '0')
local history = redis.call('ZRANGE', payments, 0, -1, 'WITHSCORES')
local orderPayments = redis.call('HGET', orders, orderId)

local function quoted(list)
  local out = {}
  for i = 1, #list, 2 do out[#out + 1] = cjson.encode(list[i]) .. ',' .. list[i + 1] end
  return table.concat(out, ',')
end
local paymentsJson, paymentsMs = {}, {}
for i = 1, #history, 2 do
  paymentsJson[#paymentsJson + 1] = history[i]
  paymentsMs[#paymentsMs + 1] = history[i + 1]
end
return '{"newest":' .. string.format('%d', newest) ..
  ',"payments":[' .. table.concat(paymentsJson, ',') ..
  '],"ms":[' .. table.concat(paymentsMs, ',') ..
  '],"order":' .. (orderPayments or '[]') ..
  ',"recipients":[' .. quoted(redis.call('ZRANGE', recipients, 0, -1, 'WITHSCORES')) ..
  '],"categories":[' .. quoted(redis.call('ZRANGE', categories, 0, -1, 'WITHSCORES')) ..
  '],"deliveries":[' .. quoted(redis.call('ZRANGE', deliveries, 0, -1, 'WITHSCORES')) ..
  '],"context":' .. context ..
  ',"version":' .. (header[2] and cjson.encode(header[2]) or (header[1] and 'null' or '""')) .. '}'
