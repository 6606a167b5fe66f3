// Shared store for several instances on one Redis, a Redis Cluster or a Sentinel-managed master. Each
// conversation operation is one Lua script (one round trip, atomic on the server, on the conversation's one
// cluster slot), so appends from any instance land in order and exactly one instance can hold the handoff
// claim. Every key carries an expiry. Commands fail fast while Redis is away (no offline queue) and surface as
// StoreUnavailableError (503 + Retry-After); the client reconnects on its own.
import { randomUUID } from 'node:crypto'
import { ReplyError } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'
import type { SessionStore } from '@fastify/session'
import { StoreUnavailableError } from '../errors.js'
import { connectWithin, createRedisClient, pingAll, reviveWhenEnded, type RedisClient, type RedisTarget } from './redis-connection.js'
import { conversationKeys } from './redis-scripts.js'
import { RedisSessionStore } from './redis-session.js'
import type {
  AppendResult, ClaimResult, ConversationSnapshot, HandoffRecord, HistoryEntry, HistoryLimits, HistoryStore
} from './types.js'

/** Seconds a caller is told to wait while Redis is away: about one reconnect attempt. */
const RETRY_AFTER_SECONDS = 2
/** Redis error replies that mean "not now" rather than "wrong request". */
const TRANSIENT_REPLIES = ['LOADING', 'READONLY', 'MASTERDOWN', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'NOREPLICAS', 'OOM']

export interface RedisStoreOptions extends HistoryLimits {
  target: RedisTarget
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
  readonly client: RedisClient
  private readonly opts: RedisStoreOptions
  private readonly now: () => number
  private reachable = true
  private readonly stopReviving: () => void

  constructor (opts: RedisStoreOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
    this.client = createRedisClient(opts.target, opts)
    this.stopReviving = reviveWhenEnded(this.client)
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
    return await connectWithin(this.client, this.opts.connectTimeoutMs)
  }

  async append (conversationId: string, entry: HistoryEntry): Promise<AppendResult> {
    const keys = conversationKeys(conversationId)
    const { maxEvents, ttlSeconds } = this.opts
    const messageId = entry.messageId
    const [events, handoff, duplicate] = await this.command(async () => await this.client.handoffAppend(
      keys.history, keys.handoff, keys.message(messageId ?? ''), JSON.stringify(entry), maxEvents, ttlSeconds,
      messageId === undefined ? '0' : '1', this.opts.dedupeTtlSeconds ?? 3600))
    return { events, handoff: toRecord(handoff), duplicate: duplicate === 1 }
  }

  async get (conversationId: string): Promise<ConversationSnapshot | null> {
    const keys = conversationKeys(conversationId)
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
      await this.client.handoffClaim(conversationKeys(conversationId).handoff, JSON.stringify({ ...handoff, claimId }), Math.ceil(ttlMs)))
    return current === '' ? { acquired: true, claimId, handoff } : { acquired: false, handoff: toRecord(current) }
  }

  async completeHandoff (conversationId: string, claimId: string, details: Record<string, unknown>): Promise<void> {
    const record: HandoffRecord = { state: 'done', at: new Date(this.now()).toISOString(), details }
    await this.command(async () => await this.client.handoffComplete(conversationKeys(conversationId).handoff, claimId, JSON.stringify(record), this.opts.ttlSeconds))
  }

  async releaseHandoff (conversationId: string, claimId: string): Promise<void> {
    await this.command(async () => await this.client.handoffRelease(conversationKeys(conversationId).handoff, claimId))
  }

  async ping (): Promise<void> {
    await this.command(async () => { await pingAll(this.client) })
  }

  async close (): Promise<void> {
    this.stopReviving()
    if (this.client.status === 'ready') await this.client.quit().catch(() => {})
    // Also ends the helper connections QUIT leaves open (the sentinels watched for a failover).
    this.client.disconnect()
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
