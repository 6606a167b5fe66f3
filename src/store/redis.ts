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
import type { DecisionRecord } from '../schemas/decision.js'
import { decodeDecision, encodeDecision } from './compact.js'
import { APPEND, CLAIM, COMPLETE, RECORD_DECISION, RELEASE } from './redis-scripts.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    handoffAppend: (history: string, handoff: string, marker: string, turns: string, entry: string, maxEvents: number,
      ttlSeconds: number, hasMessageId: string, dedupeTtlSeconds: number, recent: number) => Result<[number, string, number, number, string[]], Context>
    handoffDecision: (decisions: string, record: string, maxDecisions: number, ttlSeconds: number) => Result<number, Context>
    handoffClaim: (handoff: string, record: string, ttlMs: number) => Result<string, Context>
    handoffComplete: (handoff: string, claimId: string, record: string, ttlSeconds: number) => Result<number, Context>
    handoffRelease: (handoff: string, claimId: string) => Result<number, Context>
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
    this.client.defineCommand('handoffAppend', { numberOfKeys: 4, lua: APPEND })
    this.client.defineCommand('handoffDecision', { numberOfKeys: 1, lua: RECORD_DECISION })
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

  async append (conversationId: string, entry: HistoryEntry, recent = 0): Promise<AppendResult> {
    const keys = this.keys(conversationId)
    const { maxEvents, ttlSeconds } = this.opts
    const messageId = entry.messageId
    const [events, handoff, duplicate, turns, tail] = await this.command(async () => await this.client.handoffAppend(
      keys.history, keys.handoff, keys.message(messageId ?? ''), keys.turns, JSON.stringify(entry), maxEvents, ttlSeconds,
      messageId === undefined ? '0' : '1', this.opts.dedupeTtlSeconds ?? 3600, Math.max(0, Math.floor(recent))))
    return { events, handoff: toRecord(handoff), duplicate: duplicate === 1, turns, recent: tail.map(item => JSON.parse(item) as HistoryEntry) }
  }

  async get (conversationId: string): Promise<ConversationSnapshot | null> {
    const keys = this.keys(conversationId)
    const replies = await this.command(async () => await this.client.multi()
      .lrange(keys.history, 0, -1).get(keys.handoff).lrange(keys.decisions, 0, -1).get(keys.turns).exec())
    if (replies === null) throw new StoreUnavailableError('Redis aborted the read', RETRY_AFTER_SECONDS)
    const [history, handoff, decisions, turns] = replies.map(([err, value]) => {
      if (err !== null) throw this.unavailable(err)
      return value
    }) as [string[], string | null, string[], string | null]
    if (history.length === 0 && handoff === null && decisions.length === 0) return null
    return {
      conversationId,
      history: history.map(item => JSON.parse(item) as HistoryEntry),
      handoff: toRecord(handoff),
      turns: Math.max(Number(turns ?? 0), history.length),
      decisions: decisions.map(item => decodeDecision(item))
    }
  }

  async recordDecision (conversationId: string, record: DecisionRecord): Promise<void> {
    const max = this.opts.maxDecisions ?? this.opts.maxEvents
    if (max === 0) return
    await this.command(async () =>
      await this.client.handoffDecision(this.keys(conversationId).decisions, encodeDecision(record), max, this.opts.ttlSeconds))
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

  async releaseHandoff (conversationId: string, claimId: string): Promise<void> {
    await this.command(async () => await this.client.handoffRelease(this.keys(conversationId).handoff, claimId))
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

  private keys (conversationId: string): { history: string, handoff: string, turns: string, decisions: string, message: (id: string) => string } {
    const base = `conv:{${conversationId}}`
    return {
      history: `${base}:history`,
      handoff: `${base}:handoff`,
      turns: `${base}:turns`,
      decisions: `${base}:decisions`,
      message: (id) => `${base}:msg:${id}`
    }
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
