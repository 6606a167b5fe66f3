// The Lua scripts behind RedisHistoryStore: each conversation operation is one script, one round trip,
// atomic on the server.
// Scripts see KEYS already namespaced by the client's keyPrefix. A conversation's keys share the {id} hash
// tag, so the scripts also run on a Redis Cluster.

// KEYS: history, handoff, message marker, turns. ARGV: entry, maxEvents, ttlSeconds, hasMessageId,
// dedupeTtlSeconds, recent. Returns { events kept, handoff record JSON or '', 1 if the messageId was seen
// before, events over the conversation's life, the newest `recent` entries }.
export const APPEND = `
local duplicate = 0
if ARGV[4] == '1' and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[5]) then
  duplicate = 1
end
local events
local turns
if duplicate == 1 then
  events = redis.call('LLEN', KEYS[1])
  turns = tonumber(redis.call('GET', KEYS[4]) or '0')
else
  events = redis.call('RPUSH', KEYS[1], ARGV[1])
  local max = tonumber(ARGV[2])
  if events > max then
    redis.call('LTRIM', KEYS[1], -max, -1)
    events = max
  end
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  turns = redis.call('INCR', KEYS[4])
  redis.call('EXPIRE', KEYS[4], ARGV[3])
end
-- A conversation recorded before turns were counted has at least its history.
if turns < events then turns = events end
local recent = {}
local want = tonumber(ARGV[6])
if want > 0 then recent = redis.call('LRANGE', KEYS[1], -want, -1) end
local handoff = redis.call('GET', KEYS[2])
if not handoff then return { events, '', duplicate, turns, recent } end
-- A finished handoff lives as long as the history; a pending claim keeps its own short expiry.
if duplicate == 0 and cjson.decode(handoff).state == 'done' then
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return { events, handoff, duplicate, turns, recent }
`

// KEYS: decisions. ARGV: record JSON, maxEvents, ttlSeconds. The audit trail is bounded like the history.
export const RECORD_DECISION = `
local max = tonumber(ARGV[2])
if redis.call('RPUSH', KEYS[1], ARGV[1]) > max then redis.call('LTRIM', KEYS[1], -max, -1) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`

// KEYS: handoff. ARGV: pending record JSON, claim ttl ms. Returns '' when taken, else the current record.
export const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return '' end
return redis.call('GET', KEYS[1])
`

// KEYS: handoff. ARGV: claimId, done record JSON, ttlSeconds. A lapsed claim nobody else took still
// completes: the routing update did happen.
export const COMPLETE = `
local current = redis.call('GET', KEYS[1])
if current then
  local record = cjson.decode(current)
  if record.state == 'done' or record.claimId ~= ARGV[1] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`

// KEYS: handoff. ARGV: claimId. Only the claim's holder can release it.
export const RELEASE = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).claimId == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`
