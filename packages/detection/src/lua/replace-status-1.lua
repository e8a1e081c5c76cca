--[[
  Replaces the payers' state status, only if it is still the one the caller read: marks the
  state rebuilt after a replay (had Redis lost the state again meanwhile, the sentinel is gone
  or names a newer loss, and what the caller replayed went with it), or widens a loss being
  rebuilt by the slots of another (had another detector written meanwhile, the caller reads
  again and widens that).

  KEYS[1] sentinel  string  the state's status json (see state-status.ts)
  ARGV[1] the status json the caller read
  ARGV[2] the status json to store

  Returns 1 when replaced, 0 when the status had changed meanwhile.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
