// The Lua side of redisFamilyStore: each step of familyState.ts as one script, so that a
// rotation is one atomic step on the Redis server (never read-then-write in the app). Keys of one
// family share the hash tag {familyId}: one slot, so the scripts also run on Redis Cluster.
//   f  hash    the family (fields below)
//   r  hash    spent tokens within the grace window: hash -> spentAt|child|sealed|seq|prev…; x:<child> -> tombstone time
//   s  hash    spent tokens until they expire: hash -> expiresAt|spentAt
//   z  zset    the same hashes, scored by when they may be forgotten (pruning)
//   q  zset    the fields of r, scored by when they were written (pruning)
// Numbers travel as decimal strings: Lua 5.1's tostring would print epoch ms as 1.7e+12.

const COMMON = `
local function n(x) return string.format('%.0f', x) end
local function split(s) local out = {}; for part in string.gmatch(s .. '|', '([^|]*)|') do out[#out + 1] = part end; return out end
`;

/** KEYS f r s z q; ARGV hash child sealed now grace refreshTtl idleTtl maxPerMinute retain recentTtl */
export const ROTATE = `${COMMON}
local f, r, s, z, q = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local hash, child, sealed = ARGV[1], ARGV[2], ARGV[3]
local now, grace, rttl, ittl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local maxpm, retain, rkeep = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local v = redis.call('HMGET', f, 'sub', 'extra', 'login', 'ends', 'rev', 'seq', 'cur', 'cia', 'cexp', 'ho', 'attl', 'loops')
if not v[1] then return {'refused', 'unknown'} end
local cexp = tonumber(v[9])
if now >= cexp + retain then return {'refused', 'unknown'} end
if redis.call('HEXISTS', r, 'x:' .. child) == 1 then return {'void'} end
if v[5] == '1' then return {'refused', 'revoked'} end
if now >= cexp then return {'refused', 'expired'} end
local seq, cia, attl = tonumber(v[6]), tonumber(v[8]), tonumber(v[11])
local function answer(kind, sq, exp, cur) return {kind, sq, v[1], v[2], tonumber(v[3]), exp, attl, cur} end

if v[7] == hash then
  local loops, oldest = {}, nil
  for t in string.gmatch(v[12], '[^,]+') do
    local at = tonumber(t)
    if at > now - 60000 then
      loops[#loops + 1] = t
      if oldest == nil or at < oldest then oldest = at end
    end
  end
  -- a loop: refreshed more than a second (the client's time resolution) before half the access token's life
  local isLoop = maxpm > 0 and attl > 0 and (now - cia) * 2 < attl - 2000
  if isLoop and #loops >= maxpm then return {'refused', 'rate-limited', math.max(1, oldest + 60000 - now)} end
  if isLoop then loops[#loops + 1] = n(now) end
  local stale = redis.call('ZRANGEBYSCORE', q, '-inf', '(' .. n(now - grace), 'LIMIT', 0, 1000)
  if #stale > 0 then
    redis.call('HDEL', r, unpack(stale))
    redis.call('ZREM', q, unpack(stale))
  end
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', '(' .. n(now), 'LIMIT', 0, 1000)
  if #old > 0 then
    redis.call('HDEL', s, unpack(old))
    redis.call('ZREM', z, unpack(old))
  end
  local exp = now + rttl
  if ittl > 0 and now + ittl < exp then exp = now + ittl end
  local ends = tonumber(v[4])
  if ends > 0 and ends < exp then exp = ends end
  redis.call('HSET', r, hash, table.concat({n(now), child, sealed, n(seq), v[8], v[9], v[10], v[12]}, '|'))
  redis.call('ZADD', q, n(now), hash)
  redis.call('HSET', s, hash, v[9] .. '|' .. n(now))
  redis.call('ZADD', z, n(math.max(cexp, now + grace)), hash)
  redis.call('HSET', f, 'cur', child, 'cia', n(now), 'cexp', n(exp), 'seq', n(seq + 1), 'ho', '0', 'loops', table.concat(loops, ','))
  local ttl = math.max(1000, exp + retain - now)
  redis.call('PEXPIRE', f, ttl)
  redis.call('PEXPIRE', s, ttl)
  redis.call('PEXPIRE', z, ttl)
  redis.call('PEXPIRE', r, rkeep)
  redis.call('PEXPIRE', q, rkeep)
  return answer('rotated', seq + 1, exp, child)
end

local spent = redis.call('HGET', s, hash)
if not spent then return {'refused', 'unknown'} end
local sp = split(spent)
if now - tonumber(sp[2]) <= grace then
  local chain, at = {}, hash
  while at ~= v[7] do
    local e = redis.call('HGET', r, at)
    if (not e) or #chain >= 64 then return {'void'} end
    local parts = split(e)
    chain[#chain + 1] = parts[3]
    at = parts[2]
  end
  if v[10] ~= '1' then redis.call('HSET', f, 'ho', '1') end
  local out = answer('replayed', seq, cexp, v[7])
  for i = 1, #chain do out[#out + 1] = chain[i] end
  return out
end
if tonumber(sp[1]) <= now then return {'refused', 'unknown'} end
redis.call('HSET', f, 'rev', '1')
return {'refused', 'reused'}
`;

/** KEYS f r s z q; ARGV hash child now retain recentTtl */
export const ABANDON = `${COMMON}
local f, r, s, z, q = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local hash, child, now, retain, rkeep = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local function tombstone()
  redis.call('HSET', r, 'x:' .. child, n(now))
  redis.call('ZADD', q, n(now), 'x:' .. child)
  redis.call('PEXPIRE', r, rkeep)
  redis.call('PEXPIRE', q, rkeep)
end
local v = redis.call('HMGET', f, 'cur', 'ho', 'cexp')
if not v[1] then return 0 end
if now >= tonumber(v[3]) + retain then return 0 end
local e = redis.call('HGET', r, hash)
if v[1] == child and v[2] ~= '1' and e then
  local p = split(e)
  if p[2] == child then
    redis.call('HSET', f, 'cur', hash, 'seq', p[4], 'cia', p[5], 'cexp', p[6], 'ho', p[7], 'loops', p[8])
    redis.call('HDEL', r, hash)
    redis.call('ZREM', q, hash)
    redis.call('HDEL', s, hash)
    redis.call('ZREM', z, hash)
    tombstone()
    return 1
  end
end
if v[1] == hash then
  tombstone()
  return 2
end
return 0
`;

/** KEYS f s; ARGV hash ('' for any) now retain */
export const REVOKE = `${COMMON}
local v = redis.call('HMGET', KEYS[1], 'rev', 'cur', 'cexp')
if not v[1] then return 0 end
local now = tonumber(ARGV[2])
if now >= tonumber(v[3]) + tonumber(ARGV[3]) or v[1] == '1' then return 0 end
if ARGV[1] ~= '' and v[2] ~= ARGV[1] then
  local spent = redis.call('HGET', KEYS[2], ARGV[1])
  if (not spent) or tonumber(split(spent)[1]) <= now then return 0 end
end
redis.call('HSET', KEYS[1], 'rev', '1')
return 1
`;

/** KEYS f; ARGV sub extra login ends hash expiresAt now retain */
export const CREATE = `${COMMON}
local now, exp = tonumber(ARGV[7]), tonumber(ARGV[6])
redis.call('HSET', KEYS[1], 'sub', ARGV[1], 'extra', ARGV[2], 'login', ARGV[3], 'ends', ARGV[4], 'rev', '0', 'seq', '0',
  'cur', ARGV[5], 'cia', n(now), 'cexp', n(exp), 'ho', '0', 'attl', '0', 'loops', '')
redis.call('PEXPIRE', KEYS[1], math.max(1000, exp + tonumber(ARGV[8]) - now))
return 1
`;

/** KEYS f; ARGV ms now retain */
export const SET_ACCESS_TTL = `
local cexp = redis.call('HGET', KEYS[1], 'cexp')
if (not cexp) or tonumber(ARGV[2]) >= tonumber(cexp) + tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'attl', ARGV[1])
return 1
`;

/** KEYS subject-set; ARGV familyId ttl: the subject's index lives at least as long as this family. */
export const INDEX = `
redis.call('SADD', KEYS[1], ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;
