--[[
  Replaces an event's snapshot with the flags it produced, once they reached Kafka, so a
  redelivery re-emits exactly those flags. Does nothing if the event was evicted meanwhile.

  KEYS[1] seen     hash   event id -> "S:..." | "F:..."
  KEYS[2] seenAt   zset   (membership tells whether the event is still remembered)
  ARGV[1] event id
  ARGV[2] flags json
]]
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('HSET', KEYS[1], ARGV[1], 'F:' .. ARGV[2])
  return 1
end
return 0
