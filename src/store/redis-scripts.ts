// Lua scripts of the Redis store. Each is one round trip and atomic on the server. Scripts see KEYS already
// namespaced by the client's keyPrefix. Each script names every key it touches in KEYS (never builds a key
// name inside Lua); a conversation's keys share the {id} hash tag and the index's keys the {index} tag, and
// no script mixes the two, so they all also run on a Redis Cluster.
import type { Result } from 'ioredis'

// KEYS: history, handoff, message marker. ARGV: entry, maxEvents, ttlSeconds, hasMessageId, dedupeTtlSeconds.
// Returns { events kept, handoff record JSON or '', 1 if the messageId was seen before }.
const APPEND = `
local duplicate = 0
if ARGV[4] == '1' and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[5]) then
  duplicate = 1
end
local events
if duplicate == 1 then
  events = redis.call('LLEN', KEYS[1])
else
  events = redis.call('RPUSH', KEYS[1], ARGV[1])
  local max = tonumber(ARGV[2])
  if events > max then
    redis.call('LTRIM', KEYS[1], -max, -1)
    events = max
  end
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
local handoff = redis.call('GET', KEYS[2])
if not handoff then return { events, '', duplicate } end
-- A finished handoff lives as long as the history; a pending claim keeps its own short expiry.
if duplicate == 0 and cjson.decode(handoff).state == 'done' then
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return { events, handoff, duplicate }
`

// KEYS: handoff. ARGV: pending record JSON, claim ttl ms. Returns '' when taken, else the current record.
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return '' end
return redis.call('GET', KEYS[1])
`

// KEYS: handoff. ARGV: claimId, done record JSON, ttlSeconds. A lapsed claim nobody else took still
// completes: the routing update did happen. The claim's start is kept (spliced in as text: re-encoding with
// cjson would turn empty arrays in the details into objects). Returns 1 when recorded.
const COMPLETE = `
local done = ARGV[2]
local current = redis.call('GET', KEYS[1])
if current then
  local record = cjson.decode(current)
  if record.state == 'done' or record.claimId ~= ARGV[1] then return 0 end
  if type(record.claimedAt) == 'string' then
    done = '{"claimedAt":' .. cjson.encode(record.claimedAt) .. ',' .. string.sub(done, 2)
  end
end
redis.call('SET', KEYS[1], done, 'EX', ARGV[3])
return 1
`

// KEYS: handoff. ARGV: claimId, hold ms. Only the claim's holder can release it; with a hold it lapses then.
const RELEASE = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).claimId == ARGV[1] then
  if tonumber(ARGV[2]) > 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  else
    redis.call('DEL', KEYS[1])
  end
  return 1
end
return 0
`

// KEYS: failures. ARGV: failure JSON, max kept, ttlSeconds.
const FAILURE = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
`

// KEYS: history, handoff, failures. Read-only. Returns { events, last entry or '', handoff or '', failures }.
const SUMMARY = `
local last = redis.call('LINDEX', KEYS[1], -1) or ''
return { redis.call('LLEN', KEYS[1]), last, redis.call('GET', KEYS[2]) or '', redis.call('LLEN', KEYS[3]) }
`

// The recent-conversations index: sorted sets scored by last activity (ms), one of all conversations and
// one per handoff state, all under the {index} hash tag, so this script is atomic on one Cluster slot. It is
// never part of a conversation script (those run on the conversation's own slot).
// KEYS: all, none, pending, done. ARGV: id, score, state (0 keeps the filed one, new ones start at none;
// 1 none, 2 pending, 3 done), ttlSeconds, most members kept, oldest score kept.
const INDEX_TOUCH = `
local id = ARGV[1]
local target = tonumber(ARGV[3]) + 1
local current = nil
for i = 2, 4 do
  if redis.call('ZSCORE', KEYS[i], id) then current = i end
end
if target == 1 then target = current or 2 end
for i = 2, 4 do
  if i == target then
    redis.call('ZADD', KEYS[i], ARGV[2], id)
  elseif i == current then
    redis.call('ZREM', KEYS[i], id)
  end
end
redis.call('ZADD', KEYS[1], ARGV[2], id)
-- Beyond the cap the least recently active go (at most 1000 a call, the rest on later calls) ...
local overflow = math.min(redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5]), 1000)
if overflow > 0 then
  local dropped = redis.call('ZRANGE', KEYS[1], 0, overflow - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, overflow - 1)
  for _, member in ipairs(dropped) do
    for i = 2, 4 do redis.call('ZREM', KEYS[i], member) end
  end
end
-- ... and so do conversations idle past the TTL (their keys have expired).
for i = 1, 4 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[6])
  redis.call('EXPIRE', KEYS[i], ARGV[4])
end
`

declare module 'ioredis' {
  interface RedisCommander<Context> {
    handoffAppend: (history: string, handoff: string, marker: string, entry: string, maxEvents: number,
      ttlSeconds: number, hasMessageId: string, dedupeTtlSeconds: number) => Result<[number, string, number], Context>
    handoffClaim: (handoff: string, record: string, ttlMs: number) => Result<string, Context>
    handoffComplete: (handoff: string, claimId: string, record: string, ttlSeconds: number) => Result<number, Context>
    handoffRelease: (handoff: string, claimId: string, holdMs: number) => Result<number, Context>
    handoffFailure: (failures: string, failure: string, max: number, ttlSeconds: number) => Result<null, Context>
    conversationSummary: (history: string, handoff: string, failures: string) => Result<[number, string, string, number], Context>
    indexTouch: (all: string, none: string, pending: string, done: string, id: string, score: number, state: number,
      ttlSeconds: number, max: number, oldest: number) => Result<null, Context>
  }
}

/** Every script, registered as a command on the client (one Redis, a Cluster or a Sentinel-managed master). */
export const REDIS_SCRIPTS = {
  handoffAppend: { numberOfKeys: 3, lua: APPEND },
  handoffClaim: { numberOfKeys: 1, lua: CLAIM },
  handoffComplete: { numberOfKeys: 1, lua: COMPLETE },
  handoffRelease: { numberOfKeys: 1, lua: RELEASE },
  handoffFailure: { numberOfKeys: 1, lua: FAILURE },
  conversationSummary: { numberOfKeys: 3, lua: SUMMARY },
  indexTouch: { numberOfKeys: 4, lua: INDEX_TOUCH }
} as const

export interface ConversationKeys {
  history: string
  handoff: string
  failures: string
  /** marker of one delivered messageId */
  message: (messageId: string) => string
}

/** Key names (before the client's prefix) of one conversation: one hash tag, so one cluster slot. */
export function conversationKeys (conversationId: string): ConversationKeys {
  const base = `conv:{${conversationId}}`
  return { history: `${base}:history`, handoff: `${base}:handoff`, failures: `${base}:failures`, message: (id) => `${base}:msg:${id}` }
}
