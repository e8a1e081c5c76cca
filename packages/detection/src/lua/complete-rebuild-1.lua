--[[
  Marks the payers' state rebuilt, only if the loss the caller rebuilt from is still the
  current one. Had Redis lost the state again meanwhile, the sentinel is gone or names a
  newer loss, and what the caller replayed went with it.

  KEYS[1] sentinel  string  the state's status json (see state-status.ts)
  ARGV[1] the status json the caller read when it began rebuilding
  ARGV[2] the status json to store: the state is complete

  Returns 1 when marked, 0 when the state was lost again meanwhile.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
