// Shared store for several instances on one Redis. Each conversation operation is one Lua script (one round
// trip, atomic on the server), so appends from any instance land in order and exactly one instance can hold
// the handoff claim. Every key carries an expiry. Commands fail fast while Redis is away (no offline queue)
// and surface as StoreUnavailableError (503 + Retry-After); the client reconnects on its own.
import { randomUUID } from 'node:crypto'
import { Redis, ReplyError, type Result } from 'ioredis'
import type { FastifyBaseLogger, Session } from 'fastify'
import type { SessionStore } from '@fastify/session'
import { StoreUnavailableError } from '../errors.js'
import type {
  AppendResult, ClaimResult, ConversationSnapshot, HandoffRecord, HistoryEntry, HistoryLimits, HistoryStore
} from './types.js'

// Scripts see KEYS already namespaced by the client's keyPrefix. A conversation's keys share the {id} hash
// tag, so the scripts also run on a Redis Cluster.

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
// completes: the routing update did happen.
const COMPLETE = `
local current = redis.call('GET', KEYS[1])
if current then
  local record = cjson.decode(current)
  if record.state == 'done' or record.claimId ~= ARGV[1] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
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

declare module 'ioredis' {
  interface RedisCommander<Context> {
    handoffAppend: (history: string, handoff: string, marker: string, entry: string, maxEvents: number,
      ttlSeconds: number, hasMessageId: string, dedupeTtlSeconds: number) => Result<[number, string, number], Context>
    handoffClaim: (handoff: string, record: string, ttlMs: number) => Result<string, Context>
    handoffComplete: (handoff: string, claimId: string, record: string, ttlSeconds: number) => Result<number, Context>
    handoffRelease: (handoff: string, claimId: string, holdMs: number) => Result<number, Context>
  }
}

/** Seconds a caller is told to wait while Redis is away: about one reconnect attempt. */
const RETRY_AFTER_SECONDS = 2
/** Longest pause between reconnect attempts. */
const MAX_RECONNECT_DELAY_MS = 2000
/** Redis error replies that mean "not now" rather than "wrong request". */
const TRANSIENT_REPLIES = ['LOADING', 'READONLY', 'MASTERDOWN', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'NOREPLICAS', 'OOM']

export interface RedisStoreOptions extends HistoryLimits {
  url: string
  keyPrefix: string
  commandTimeoutMs: number
  connectTimeoutMs: number
  log?: FastifyBaseLogger
  now?: () => number
}

interface StoredHandoff extends HandoffRecord {
  claimId?: string
}

export class RedisHistoryStore implements HistoryStore {
  readonly sessions: SessionStore
  /** the underlying client (tests inspect keys and TTLs through it) */
  readonly client: Redis
  private readonly opts: RedisStoreOptions
  private readonly now: () => number
  private reachable = true

  constructor (opts: RedisStoreOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
    this.client = new Redis(opts.url, {
      keyPrefix: opts.keyPrefix,
      lazyConnect: true,
      connectTimeout: opts.connectTimeoutMs,
      commandTimeout: opts.commandTimeoutMs,
      // Fail fast while disconnected: a webhook gets a 503 now instead of waiting in a queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Keep reconnecting for as long as the process runs.
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
      // Concurrent webhooks share one write per event-loop tick.
      enableAutoPipelining: true
    })
    this.client.defineCommand('handoffAppend', { numberOfKeys: 3, lua: APPEND })
    this.client.defineCommand('handoffClaim', { numberOfKeys: 1, lua: CLAIM })
    this.client.defineCommand('handoffComplete', { numberOfKeys: 1, lua: COMPLETE })
    this.client.defineCommand('handoffRelease', { numberOfKeys: 1, lua: RELEASE })
    // Without an 'error' listener a lost connection would crash the process; log the transitions only.
    this.client.on('error', (err: Error) => {
      if (!this.reachable) return
      this.reachable = false
      opts.log?.warn({ err }, 'Redis unreachable: webhooks answer 503 until it is back')
    })
    this.client.on('ready', () => {
      // Each (re)connection may be to a Redis started with other settings: look at persistence again.
      this.persistence().then((appendonly) => { logPersistence(opts.log, appendonly) }, () => {})
      if (this.reachable) return
      this.reachable = true
      opts.log?.info('Redis reachable again')
    })
    this.sessions = new RedisSessionStore(this.client, opts.ttlSeconds, this.now, (err) => this.unavailable(err))
  }

  /** Connects, waiting at most connectTimeoutMs; false if Redis is not there yet (it keeps trying). */
  async connect (): Promise<boolean> {
    try {
      await this.client.connect()
      return true
    } catch {
      return false
    }
  }

  async append (conversationId: string, entry: HistoryEntry): Promise<AppendResult> {
    const keys = this.keys(conversationId)
    const { maxEvents, ttlSeconds } = this.opts
    const messageId = entry.messageId
    const [events, handoff, duplicate] = await this.command(async () => await this.client.handoffAppend(
      keys.history, keys.handoff, keys.message(messageId ?? ''), JSON.stringify(entry), maxEvents, ttlSeconds,
      messageId === undefined ? '0' : '1', this.opts.dedupeTtlSeconds ?? 3600))
    return { events, handoff: toRecord(handoff), duplicate: duplicate === 1 }
  }

  async get (conversationId: string): Promise<ConversationSnapshot | null> {
    const keys = this.keys(conversationId)
    const replies = await this.command(async () => await this.client.multi().lrange(keys.history, 0, -1).get(keys.handoff).exec())
    if (replies === null) throw new StoreUnavailableError('Redis aborted the read', RETRY_AFTER_SECONDS)
    const [history, handoff] = replies.map(([err, value]) => {
      if (err !== null) throw this.unavailable(err)
      return value
    }) as [string[], string | null]
    if (history.length === 0 && handoff === null) return null
    return { conversationId, history: history.map(item => JSON.parse(item) as HistoryEntry), handoff: toRecord(handoff) }
  }

  async claimHandoff (conversationId: string, ttlMs: number): Promise<ClaimResult> {
    const claimId = randomUUID()
    const handoff: HandoffRecord = { state: 'pending', claimedAt: new Date(this.now()).toISOString() }
    const current = await this.command(async () =>
      await this.client.handoffClaim(this.keys(conversationId).handoff, JSON.stringify({ ...handoff, claimId }), Math.ceil(ttlMs)))
    return current === '' ? { acquired: true, claimId, handoff } : { acquired: false, handoff: toRecord(current) }
  }

  async completeHandoff (conversationId: string, claimId: string, details: Record<string, unknown>): Promise<void> {
    const record: HandoffRecord = { state: 'done', at: new Date(this.now()).toISOString(), details }
    await this.command(async () => await this.client.handoffComplete(this.keys(conversationId).handoff, claimId, JSON.stringify(record), this.opts.ttlSeconds))
  }

  async releaseHandoff (conversationId: string, claimId: string, holdMs = 0): Promise<void> {
    await this.command(async () => await this.client.handoffRelease(this.keys(conversationId).handoff, claimId, Math.max(0, Math.ceil(holdMs))))
  }

  /**
   * Whether Redis keeps its data across a restart (append-only file): 'unknown' when CONFIG is disabled
   * (managed services) or Redis cannot be asked.
   */
  async persistence (): Promise<'yes' | 'no' | 'unknown'> {
    try {
      const reply = await this.client.config('GET', 'appendonly') as unknown
      const value = Array.isArray(reply) ? reply[1] : undefined
      return value === 'yes' || value === 'no' ? value : 'unknown'
    } catch {
      return 'unknown'
    }
  }

  async ping (): Promise<void> {
    await this.command(async () => await this.client.ping())
  }

  async close (): Promise<void> {
    if (this.client.status === 'ready') {
      try {
        await this.client.quit()
        return
      } catch {}
    }
    this.client.disconnect()
  }

  private keys (conversationId: string): { history: string, handoff: string, message: (id: string) => string } {
    const base = `conv:{${conversationId}}`
    return { history: `${base}:history`, handoff: `${base}:handoff`, message: (id) => `${base}:msg:${id}` }
  }

  /** Runs one Redis command; its failure goes through unavailable(). */
  private async command<T> (run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      throw this.unavailable(err)
    }
  }

  /** Connection trouble becomes a 503 for the caller; anything else (a bug) stays as it is. */
  private unavailable (err: unknown): Error {
    if (err instanceof StoreUnavailableError) return err
    if (err instanceof ReplyError) {
      const reply = String((err as Error).message).split(' ')[0] ?? ''
      // ioredis attaches the command and its arguments (keys, session data, message text): never log those.
      delete (err as { command?: unknown }).command
      return TRANSIENT_REPLIES.includes(reply)
        ? new StoreUnavailableError(`Redis answered ${reply}`, RETRY_AFTER_SECONDS)
        : err as Error
    }
    const message = err instanceof Error ? err.message : String(err)
    return new StoreUnavailableError(/timed? ?out/i.test(message) ? 'Redis did not answer in time' : 'Redis unreachable', RETRY_AFTER_SECONDS)
  }
}

const PERSISTENCE_ADVICE = 'run Redis with appendonly yes (appendfsync everysec or always): a restart without it loses pending claims and finished-handoff records, and a later event may hand the conversation off again'

function logPersistence (log: FastifyBaseLogger | undefined, appendonly: 'yes' | 'no' | 'unknown'): void {
  if (appendonly === 'no') log?.warn({ appendonly, advice: PERSISTENCE_ADVICE }, 'redis persistence')
  else log?.info({ appendonly, ...(appendonly === 'unknown' ? { advice: `CONFIG is not available to check it; ${PERSISTENCE_ADVICE}` } : {}) }, 'redis persistence')
}

/** The record without its claimId: the claim's proof of ownership stays with its holder. */
function toRecord (json: string | null): HandoffRecord {
  if (json === null || json === '') return { state: 'none' }
  const { claimId: _claimId, ...record } = JSON.parse(json) as StoredHandoff
  return record
}

// express-session style store for @fastify/session on the same Redis, under `<prefix>session:<id>`.
class RedisSessionStore implements SessionStore {
  constructor (
    private readonly client: Redis,
    private readonly defaultTtlSeconds: number,
    private readonly now: () => number,
    private readonly unavailable: (err: unknown) => Error
  ) {}

  set (sessionId: string, session: Session, callback: (err?: unknown) => void): void {
    const ttlMs = this.ttlMs(session)
    const key = `session:${sessionId}`
    const done = ttlMs > 0
      ? this.client.set(key, JSON.stringify(session), 'PX', ttlMs)
      : this.client.del(key)
    done.then(() => { callback() }, (err: unknown) => { callback(this.unavailable(err)) })
  }

  get (sessionId: string, callback: (err: unknown, result?: Session | null) => void): void {
    this.client.get(`session:${sessionId}`).then(
      (json) => { callback(null, json === null ? null : JSON.parse(json) as Session) },
      (err: unknown) => { callback(this.unavailable(err)) })
  }

  destroy (sessionId: string, callback: (err?: unknown) => void): void {
    this.client.del(`session:${sessionId}`).then(() => { callback() }, (err: unknown) => { callback(this.unavailable(err)) })
  }

  /** Until the cookie expires; without one, the history TTL. */
  private ttlMs (session: Session): number {
    const cookie = session.cookie as { expires?: Date | string | null, originalMaxAge?: number | null } | undefined
    if (cookie?.expires !== undefined && cookie.expires !== null) return new Date(cookie.expires).getTime() - this.now()
    if (typeof cookie?.originalMaxAge === 'number') return cookie.originalMaxAge
    return this.defaultTtlSeconds * 1000
  }
}
