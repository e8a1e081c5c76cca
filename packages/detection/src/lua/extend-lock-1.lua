--[[
  Extends a lock's lease, only for the holder that took it: a holder whose lease already ran
  out (and maybe went to someone else) learns it no longer holds the lock.

  KEYS[1] lock   string  the holder's token, with an expiry
  ARGV[1] token  the caller's holder token
  ARGV[2] lease, ms from now

  Returns 1 when extended, 0 when the caller does not hold the lock.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
