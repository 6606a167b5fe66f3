// The Lua scripts behind the Redis store and the key names they work on. Each script names every key it
// touches in KEYS (never builds a key name inside Lua), and all keys of one conversation share the {id} hash
// tag, so each script runs on one Redis Cluster slot. Scripts see KEYS already namespaced by the client's
// keyPrefix.
import type { Result } from 'ioredis'

// KEYS: history, handoff, message marker. ARGV: entry, maxEvents, ttlSeconds, hasMessageId, dedupeTtlSeconds.
// Returns { events kept, handoff record JSON or '', 1 if the messageId was seen before }.
export const APPEND = `
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

declare module 'ioredis' {
  interface RedisCommander<Context> {
    handoffAppend: (history: string, handoff: string, marker: string, entry: string, maxEvents: number,
      ttlSeconds: number, hasMessageId: string, dedupeTtlSeconds: number) => Result<[number, string, number], Context>
    handoffClaim: (handoff: string, record: string, ttlMs: number) => Result<string, Context>
    handoffComplete: (handoff: string, claimId: string, record: string, ttlSeconds: number) => Result<number, Context>
    handoffRelease: (handoff: string, claimId: string) => Result<number, Context>
  }
}

/** Registered on the client (Redis, Cluster or Sentinel-managed) under these command names. */
export const REDIS_SCRIPTS = {
  handoffAppend: { numberOfKeys: 3, lua: APPEND },
  handoffClaim: { numberOfKeys: 1, lua: CLAIM },
  handoffComplete: { numberOfKeys: 1, lua: COMPLETE },
  handoffRelease: { numberOfKeys: 1, lua: RELEASE }
} as const

export interface ConversationKeys {
  history: string
  handoff: string
  /** marker of one delivered messageId */
  message: (messageId: string) => string
}

/** Key names (before the client's prefix) of one conversation: one hash tag, so one cluster slot. */
export function conversationKeys (conversationId: string): ConversationKeys {
  const base = `conv:{${conversationId}}`
  return { history: `${base}:history`, handoff: `${base}:handoff`, message: (id) => `${base}:msg:${id}` }
}

/** Operator browser sessions: one key each, read and written by single-key commands. */
export function sessionKey (sessionId: string): string {
  return `session:${sessionId}`
}
