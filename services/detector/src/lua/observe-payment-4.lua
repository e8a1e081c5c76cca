--[[
  Records one payment in its payer's state and returns the state as it was before it, in one
  round trip. Idempotent per event id: a redelivered event changes nothing and gets back what
  its first delivery left (the snapshot, or the flags once they were recorded).

  KEYS[1] seen      hash   event id -> "S:<snapshot json>" | "F:<flags json>"
  KEYS[2] seenAt    zset   event id scored by occurredAt (ms); bounds KEYS[1]
  KEYS[3] payments  zset   compact payment json scored by occurredAt (ms)
  KEYS[4] order     hash   payment id -> compact payment json, for this payment's order

  ARGV[1] event id
  ARGV[2] occurredAt, ms since the epoch
  ARGV[3] payment id
  ARGV[4] compact payment json
  ARGV[5] history horizon, ms: payments older than newest - horizon are dropped
  ARGV[6] history cap: most payments kept
  ARGV[7] seen cap: most event ids remembered
  ARGV[8] seen horizon, ms
  ARGV[9] ttl of the payer's keys, seconds
  ARGV[10] ttl of the order key, seconds

  Returns { 1, stored } for an event already seen, or { 0, snapshot json } where the snapshot
  is { payments = [...], order = [...], newest = ms } as they were before this event.
]]
local seen, seenAt, payments, order = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
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

local stored = redis.call('HGET', seen, eventId)
if stored then
  return { 1, stored }
end

local history = redis.call('ZRANGE', payments, 0, -1, 'WITHSCORES')
local newest = 0
local previous = {}
for i = 1, #history, 2 do
  previous[#previous + 1] = history[i]
  local score = tonumber(history[i + 1])
  if score > newest then newest = score end
end
local orderPayments = redis.call('HVALS', order)

-- Snapshot is assembled as JSON text: members are already JSON, so nothing is re-encoded.
local snapshot = '{"newest":' .. string.format('%d', newest) ..
  ',"payments":[' .. table.concat(previous, ',') ..
  '],"order":[' .. table.concat(orderPayments, ',') .. ']}'

redis.call('ZADD', payments, occurredAt, payment)
local latest = math.max(newest, occurredAt)
redis.call('ZREMRANGEBYSCORE', payments, '-inf', '(' .. string.format('%d', latest - horizon))
redis.call('ZREMRANGEBYRANK', payments, 0, -(historyCap + 1))
redis.call('EXPIRE', payments, payerTtl)

redis.call('HSET', order, paymentId, payment)
redis.call('EXPIRE', order, orderTtl)

redis.call('HSET', seen, eventId, 'S:' .. snapshot)
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
