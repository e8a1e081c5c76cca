--[[
  Releases a lock, only for the holder that took it: a holder whose lease ran out must not
  release the lock someone else took since.

  KEYS[1] lock   string  the holder's token, with an expiry
  ARGV[1] token  the caller's holder token

  Returns 1 when released, 0 when the caller did not hold the lock.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
