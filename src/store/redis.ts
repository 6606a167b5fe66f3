// Shared store for several instances on one Redis, a Redis Cluster or a Sentinel-managed master. Each
// conversation operation is one Lua script (one round trip, atomic on the server, on the conversation's one
// cluster slot), so appends from any instance land in order and exactly one instance can hold the handoff
// claim. Every key carries an expiry. Commands fail fast while Redis is away (no offline queue)
// and surface as StoreUnavailableError (503 + Retry-After); the client reconnects on its own. A separate
// index (redis-index.ts) lists recent conversations; its upkeep never fails a conversation operation.
import { randomUUID } from 'node:crypto'
import { Cluster, ReplyError } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'
import type { SessionStore } from '@fastify/session'
import { StoreUnavailableError } from '../errors.js'
import { connectWithin, createRedisClient, pingAll, reviveWhenEnded, type RedisClient, type RedisTarget } from './redis-connection.js'
import { conversationKeys } from './redis-scripts.js'
import { RecentIndex } from './redis-index.js'
import { RedisSessionStore } from './redis-sessions.js'
import { decodeDecision, encodeDecision } from './compact.js'
import type { DecisionRecord } from '../schemas/decision.js'
import {
  MAX_FAILURES,
  type AppendResult, type ClaimResult, type ConversationPage, type ConversationSnapshot, type ConversationSummary,
  type HandoffFailure, type HandoffRecord, type HandoffState, type HistoryEntry, type HistoryLimits, type HistoryStore,
  type ListQuery
} from './types.js'

/** Seconds a caller is told to wait while Redis is away: about one reconnect attempt. */
const RETRY_AFTER_SECONDS = 2
/**
 * Redis error replies that mean "not now" rather than "wrong request". A cluster redirect (MOVED, ASK) only
 * reaches us when the client could not follow it: the slot's master is down or the slot is moving.
 */
const TRANSIENT_REPLIES = ['LOADING', 'READONLY', 'MASTERDOWN', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'NOREPLICAS', 'OOM', 'MOVED', 'ASK']

export interface RedisStoreOptions extends HistoryLimits {
  target: RedisTarget
  keyPrefix: string
  commandTimeoutMs: number
  connectTimeoutMs: number
  /** replicas that must confirm an append (WAIT, for half the command timeout) before it counts as accepted */
  waitReplicas?: number
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
  private readonly index: RecentIndex
  private reachable = true
  private replicasKeepingUp = true
  private indexHealthy = true
  private readonly stopReviving: () => void

  constructor (opts: RedisStoreOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
    this.client = createRedisClient(opts.target, opts)
    this.stopReviving = reviveWhenEnded(this.client)
    this.index = new RecentIndex(this.client, { ttlSeconds: opts.ttlSeconds, maxConversations: opts.maxConversations, now: this.now })
    // Without an 'error' listener a lost connection would crash the process; log the transitions only.
    this.client.on('error', (err: Error) => {
      if (!this.reachable) return
      this.reachable = false
      opts.log?.warn({ err }, 'Redis unreachable: webhooks answer 503 until it is back')
    })
    this.client.on('ready', () => {
      // Each (re)connection may be to a Redis started with other settings: look at persistence again.
      this.persistence().then((appendonly) => { logSetting(opts.log, 'redis persistence', 'appendonly', appendonly, appendonly === 'yes', PERSISTENCE_ADVICE) }, () => {})
      this.evictionPolicy().then((policy) => { logSetting(opts.log, 'redis eviction policy', 'maxmemoryPolicy', policy, policy === 'noeviction', EVICTION_ADVICE) }, () => {})
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

  async append (conversationId: string, entry: HistoryEntry, recent = 0): Promise<AppendResult> {
    const keys = conversationKeys(conversationId)
    const { maxEvents, ttlSeconds } = this.opts
    const messageId = entry.messageId
    // Sent alongside the append (one flush with auto-pipelining): an append never changes the handoff state.
    const indexed = this.touch(conversationId, null)
    const [events, handoff, duplicate, turns, tail] = await this.command(async () => await this.client.handoffAppend(
      keys.history, keys.handoff, keys.message(messageId ?? ''), keys.turns, JSON.stringify(entry), maxEvents, ttlSeconds,
      messageId === undefined ? '0' : '1', this.opts.dedupeTtlSeconds ?? 3600, Math.max(0, Math.floor(recent))))
    // A duplicate too: the first delivery's write may not have reached a replica yet.
    await this.replicated()
    await indexed
    return { events, handoff: toRecord(handoff), duplicate: duplicate === 1, turns, recent: tail.map(item => JSON.parse(item) as HistoryEntry) }
  }

  async get (conversationId: string): Promise<ConversationSnapshot | null> {
    const keys = conversationKeys(conversationId)
    const replies = await this.command(async () => await this.client.multi()
      .lrange(keys.history, 0, -1).get(keys.handoff).lrange(keys.failures, 0, -1).lrange(keys.decisions, 0, -1).get(keys.turns).exec())
    if (replies === null) throw new StoreUnavailableError('Redis aborted the read', RETRY_AFTER_SECONDS)
    const [history, handoff, failures, decisions, turns] = replies.map(([err, value]) => {
      if (err !== null) throw this.unavailable(err)
      return value
    }) as [string[], string | null, string[], string[], string | null]
    if (history.length === 0 && handoff === null && decisions.length === 0) return null
    const snapshot: ConversationSnapshot = {
      conversationId,
      history: history.map(item => JSON.parse(item) as HistoryEntry),
      handoff: toRecord(handoff),
      turns: Math.max(Number(turns ?? 0), history.length),
      decisions: decisions.map(item => decodeDecision(item))
    }
    if (failures.length > 0) snapshot.failures = failures.map(item => JSON.parse(item) as HandoffFailure)
    return snapshot
  }

  async recordDecision (conversationId: string, record: DecisionRecord): Promise<void> {
    const max = this.opts.maxDecisions ?? this.opts.maxEvents
    if (max === 0) return
    await this.command(async () =>
      await this.client.handoffDecision(conversationKeys(conversationId).decisions, encodeDecision(record), max, this.opts.ttlSeconds))
  }

  async claimHandoff (conversationId: string, ttlMs: number): Promise<ClaimResult> {
    const claimId = randomUUID()
    const handoff: HandoffRecord = { state: 'pending', claimedAt: new Date(this.now()).toISOString() }
    const current = await this.command(async () =>
      await this.client.handoffClaim(conversationKeys(conversationId).handoff, JSON.stringify({ ...handoff, claimId }), Math.ceil(ttlMs)))
    if (current !== '') return { acquired: false, handoff: toRecord(current) }
    await this.touch(conversationId, 'pending')
    return { acquired: true, claimId, handoff }
  }

  async completeHandoff (conversationId: string, claimId: string, details: Record<string, unknown>): Promise<void> {
    const record: HandoffRecord = { state: 'done', at: new Date(this.now()).toISOString(), details }
    const recorded = await this.command(async () => await this.client.handoffComplete(conversationKeys(conversationId).handoff, claimId, JSON.stringify(record), this.opts.ttlSeconds))
    if (recorded === 1) await this.touch(conversationId, 'done')
  }

  async releaseHandoff (conversationId: string, claimId: string, holdMs = 0): Promise<void> {
    const hold = Math.max(0, Math.ceil(holdMs))
    const released = await this.command(async () => await this.client.handoffRelease(conversationKeys(conversationId).handoff, claimId, hold))
    // A held claim stays pending until it lapses; the index learns of that when it is next listed.
    if (released === 1 && hold === 0) await this.touch(conversationId, 'none')
  }

  async recordFailure (conversationId: string, failure: HandoffFailure): Promise<void> {
    await this.command(async () =>
      await this.client.handoffFailure(conversationKeys(conversationId).failures, JSON.stringify(failure), MAX_FAILURES, this.opts.ttlSeconds))
  }

  async listRecent (query: ListQuery): Promise<ConversationPage> {
    const page = await this.command(async () => await this.index.page(query.state, query.offset, query.limit))
    const rows = await Promise.all(page.entries.map(async ({ conversationId }) => {
      const keys = conversationKeys(conversationId)
      return await this.command(async () => await this.client.conversationSummary(keys.history, keys.handoff, keys.failures))
    }))
    const items: ConversationSummary[] = []
    let total = page.total
    const repairs: Array<Promise<void>> = []
    page.entries.forEach(({ conversationId, at }, i) => {
      const [events, last, handoff, failures] = rows[i] as [number, string, string, number]
      const record = toRecord(handoff)
      if (events === 0 && handoff === '') {
        // Expired with its keys: the index forgets it.
        repairs.push(this.index.forget(conversationId))
        total--
      } else if (query.state !== undefined && record.state !== query.state) {
        // Filed under a stale state (a claim lapsed): file it where it is, keeping its activity time.
        repairs.push(this.index.touch(conversationId, record.state, at))
        total--
      } else {
        items.push({
          conversationId,
          lastActivity: new Date(at).toISOString(),
          events,
          last: last === '' ? null : JSON.parse(last) as HistoryEntry,
          handoff: record,
          failures
        })
      }
    })
    await Promise.all(repairs.map(async (repair) => { await repair.catch((err: unknown) => { this.indexFailed(err) }) }))
    return { items, total: Math.max(total, items.length) }
  }

  /**
   * Whether Redis keeps its data across a restart (append-only file): 'unknown' when CONFIG is disabled
   * (managed services) or Redis cannot be asked.
   */
  async persistence (): Promise<'yes' | 'no' | 'unknown'> {
    const value = await this.configValue('appendonly')
    return value === 'yes' || value === 'no' ? value : 'unknown'
  }

  /** Redis' maxmemory-policy ('unknown' as above): anything but noeviction may drop a claim or a done record. */
  async evictionPolicy (): Promise<string> {
    return await this.configValue('maxmemory-policy') ?? 'unknown'
  }

  /** One CONFIG GET value; null when Redis cannot be asked (CONFIG disabled, not reachable) or has none. */
  private async configValue (name: string): Promise<string | null> {
    try {
      const reply = await this.client.config('GET', name) as unknown
      const value = Array.isArray(reply) ? reply[1] as unknown : undefined
      return typeof value === 'string' && value !== '' ? value : null
    } catch {
      return null
    }
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

  /**
   * Waits until waitReplicas replicas hold this connection's writes so far; short of that the event is not
   * acknowledged (503 + Retry-After) and its redelivery, found as a duplicate, waits again.
   */
  private async replicated (): Promise<void> {
    const wanted = this.opts.waitReplicas ?? 0
    if (wanted === 0 || this.client instanceof Cluster) return
    const client = this.client
    const confirmed = await this.command(async () => await client.wait(wanted, Math.max(1, Math.floor(this.opts.commandTimeoutMs / 2))))
    const keepingUp = confirmed >= wanted
    if (keepingUp !== this.replicasKeepingUp) {
      this.replicasKeepingUp = keepingUp
      if (keepingUp) this.opts.log?.info({ replicas: confirmed }, 'Redis replicas confirm writes again')
      else this.opts.log?.warn({ replicas: confirmed, wanted }, 'Redis replicas did not confirm a write in time: webhooks answer 503 until they do (REDIS_WAIT_REPLICAS)')
    }
    if (!keepingUp) throw new StoreUnavailableError(`Redis replicas did not confirm the write in time (${confirmed} of ${wanted})`, RETRY_AFTER_SECONDS)
  }

  /** Index upkeep: its failure is logged, never passed on (the conversation's own keys are already written). */
  private async touch (conversationId: string, state: HandoffState | null): Promise<void> {
    try {
      await this.index.touch(conversationId, state)
      this.indexHealthy = true
    } catch (err) {
      this.indexFailed(err)
    }
  }

  private indexFailed (err: unknown): void {
    const first = this.indexHealthy
    this.indexHealthy = false
    // While Redis is away altogether its own warning says enough.
    if (first && this.reachable) this.opts.log?.warn({ err: this.unavailable(err) }, 'recent-conversations index not updated; the console list may lag')
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

const EVICTION_ADVICE = 'run Redis with maxmemory-policy noeviction: an evicting policy can drop a pending claim or a finished-handoff record (every key has an expiry, so volatile-* policies too), and a later event may hand the conversation off again'

/** A Redis setting the once-only guarantee depends on: info when safe, a warning with advice when not, info with advice when CONFIG cannot tell. */
function logSetting (log: FastifyBaseLogger | undefined, msg: string, field: string, value: string, safe: boolean, advice: string): void {
  if (value === 'unknown') log?.info({ [field]: value, advice: `CONFIG is not available to check it; ${advice}` }, msg)
  else if (safe) log?.info({ [field]: value }, msg)
  else log?.warn({ [field]: value, advice }, msg)
}

/** The record without its claimId: the claim's proof of ownership stays with its holder. */
function toRecord (json: string | null): HandoffRecord {
  if (json === null || json === '') return { state: 'none' }
  const { claimId: _claimId, ...record } = JSON.parse(json) as StoredHandoff
  return record
}
