// Embedded store for one process: bounded in events per conversation, in conversations (least recently
// active dropped first) and in time (TTL refreshed on every append). Operations run synchronously inside the
// event loop, which is what makes each of them atomic. Only appends and handoff changes count as activity
// (reads peek): they order the conversations for eviction and for the console's newest-first list.
import { randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { Session } from 'fastify'
import type { SessionStore } from '@fastify/session'
import {
  MAX_FAILURES,
  type AppendResult, type ClaimResult, type ConversationPage, type ConversationSnapshot, type ConversationSummary,
  type HandoffFailure, type HandoffRecord, type HistoryEntry, type HistoryLimits, type HistoryStore, type ListQuery
} from './types.js'

interface ConversationRecord {
  /** compact entries (see encode): one string each instead of four objects keeps 100k conversations small */
  history: string[]
  handoff: HandoffRecord
  claimId?: string
  claimExpiresAt?: number
  /** messageIds recorded, oldest first, with when each may be forgotten */
  messageIds?: Map<string, number>
  /** last append or handoff change (ms) */
  updatedAt: number
  failures?: HandoffFailure[]
}

// Caps one conversation's dedupe memory; a sender redelivers recent messages, not old ones.
const MAX_MESSAGE_IDS = 1000

/** Shared by every record without a handoff (callers get copies); frozen so it cannot change for all. */
const NO_HANDOFF: HandoffRecord = Object.freeze({ state: 'none' })

type EncodedEntry = [event: string, intent: string, confidence: number, text: string, timestamp: string, messageId?: string]

function encode (entry: HistoryEntry): string {
  const fields: EncodedEntry = [entry.event, entry.intent.intent, entry.intent.confidence, entry.text, entry.timestamp]
  if (entry.messageId !== undefined) fields.push(entry.messageId)
  const encoded = JSON.stringify(fields)
  // V8 returns long JSON as a tree of string parts, near twice the size; converting to a number flattens it.
  Number(encoded)
  return encoded
}

function decode (encoded: string): HistoryEntry {
  const [event, intent, confidence, text, timestamp, messageId] = JSON.parse(encoded) as EncodedEntry
  const entry: HistoryEntry = { event, intent: { intent, confidence }, text, timestamp }
  if (messageId !== undefined) entry.messageId = messageId
  return entry
}

export interface MemoryStoreOptions extends HistoryLimits {
  now?: () => number
  maxSessions?: number
}

export class MemoryHistoryStore implements HistoryStore {
  readonly sessions: SessionStore
  private readonly conversations: LRUCache<string, ConversationRecord>
  /** the same records by last activity, oldest first: what listRecent pages through */
  private readonly recent = new Map<string, ConversationRecord>()
  private readonly maxEvents: number
  private readonly dedupeTtlMs: number
  private readonly now: () => number

  constructor (opts: MemoryStoreOptions) {
    this.maxEvents = opts.maxEvents
    this.dedupeTtlMs = (opts.dedupeTtlSeconds ?? 3600) * 1000
    this.now = opts.now ?? Date.now
    this.conversations = new LRUCache<string, ConversationRecord>({
      max: opts.maxConversations,
      ttl: opts.ttlSeconds * 1000,
      updateAgeOnGet: false,
      ttlAutopurge: false,
      perf: { now: this.now },
      // lru-cache caches "now" for a millisecond by default; an injected clock must be read every time
      ttlResolution: opts.now === undefined ? 1 : 0,
      // Evicted or expired: gone from the activity order too.
      dispose: (_record, conversationId, reason) => { if (reason !== 'set') this.recent.delete(conversationId) }
    })
    this.sessions = new MemorySessionStore(opts.maxSessions ?? 10000, opts.ttlSeconds * 1000, this.now)
  }

  async append (conversationId: string, entry: HistoryEntry): Promise<AppendResult> {
    const record = this.conversations.peek(conversationId) ?? { history: [], handoff: NO_HANDOFF, updatedAt: 0 }
    this.lapseClaim(record)
    if (entry.messageId !== undefined && this.seen(record, entry.messageId)) {
      return { events: record.history.length, handoff: { ...record.handoff }, duplicate: true }
    }
    record.history.push(encode(entry))
    if (record.history.length > this.maxEvents) {
      record.history.splice(0, record.history.length - this.maxEvents)
    }
    this.touch(conversationId, record)
    return { events: record.history.length, handoff: { ...record.handoff }, duplicate: false }
  }

  async get (conversationId: string): Promise<ConversationSnapshot | null> {
    const record = this.conversations.peek(conversationId)
    if (record === undefined) return null
    this.lapseClaim(record)
    const snapshot: ConversationSnapshot = { conversationId, history: record.history.map(decode), handoff: { ...record.handoff } }
    if (record.failures !== undefined) snapshot.failures = record.failures.map(f => ({ ...f }))
    return snapshot
  }

  async claimHandoff (conversationId: string, ttlMs: number): Promise<ClaimResult> {
    const record = this.conversations.peek(conversationId) ?? { history: [], handoff: NO_HANDOFF, updatedAt: 0 }
    this.lapseClaim(record)
    if (record.handoff.state !== 'none') {
      return { acquired: false, handoff: { ...record.handoff } }
    }
    const claimId = randomUUID()
    record.claimId = claimId
    record.claimExpiresAt = this.now() + ttlMs
    record.handoff = { state: 'pending', claimedAt: new Date(this.now()).toISOString() }
    this.touch(conversationId, record)
    return { acquired: true, claimId, handoff: { ...record.handoff } }
  }

  async completeHandoff (conversationId: string, claimId: string, details: Record<string, unknown>): Promise<void> {
    const record = this.conversations.peek(conversationId) ?? { history: [], handoff: NO_HANDOFF, updatedAt: 0 }
    if (record.handoff.state === 'done') return
    if (record.claimId !== undefined && record.claimId !== claimId) return
    const { claimedAt } = record.handoff
    record.handoff = { state: 'done', at: new Date(this.now()).toISOString(), ...(claimedAt !== undefined ? { claimedAt } : {}), details }
    delete record.claimId
    delete record.claimExpiresAt
    this.touch(conversationId, record)
  }

  async releaseHandoff (conversationId: string, claimId: string, holdMs = 0): Promise<void> {
    const record = this.conversations.peek(conversationId)
    if (record === undefined || record.claimId !== claimId) return
    if (holdMs > 0) {
      record.claimExpiresAt = this.now() + holdMs
      return
    }
    record.handoff = NO_HANDOFF
    delete record.claimId
    delete record.claimExpiresAt
    this.touch(conversationId, record)
  }

  async recordFailure (conversationId: string, failure: HandoffFailure): Promise<void> {
    const record = this.conversations.peek(conversationId)
    if (record === undefined) return
    const failures = record.failures ?? (record.failures = [])
    failures.push({ ...failure })
    if (failures.length > MAX_FAILURES) failures.splice(0, failures.length - MAX_FAILURES)
  }

  /** One pass over the activity order (a plain Map: a few ms for 200,000 conversations). */
  async listRecent (query: ListQuery): Promise<ConversationPage> {
    // Expiry follows activity, so whatever has expired sits at the oldest end.
    for (const conversationId of this.recent.keys()) {
      if (this.conversations.has(conversationId)) break
      this.conversations.delete(conversationId)
      this.recent.delete(conversationId)
    }
    const { state, offset, limit } = query
    const matches = (record: ConversationRecord): boolean => {
      this.lapseClaim(record)
      return state === undefined || record.handoff.state === state
    }
    let total = 0
    if (state === undefined) total = this.recent.size
    else this.recent.forEach((record) => { if (matches(record)) total++ })
    // The page, counted from the oldest end: positions [first, last] among the matches.
    const last = total - 1 - offset
    const first = Math.max(0, last - limit + 1)
    const page: ConversationSummary[] = []
    let position = 0
    if (last >= 0) {
      this.recent.forEach((record, conversationId) => {
        if (position > last || !matches(record)) return
        if (position >= first) page.push(summarize(conversationId, record))
        position++
      })
    }
    return { items: page.reverse(), total }
  }

  async ping (): Promise<void> {}

  async close (): Promise<void> {
    this.conversations.clear()
    this.recent.clear()
  }

  get size (): number {
    return this.conversations.size
  }

  /** Whether messageId was recorded before; remembers it if not. */
  private seen (record: ConversationRecord, messageId: string): boolean {
    const now = this.now()
    const ids = record.messageIds ?? (record.messageIds = new Map())
    for (const [id, forgetAt] of ids) {
      if (forgetAt > now && ids.size <= MAX_MESSAGE_IDS) break
      ids.delete(id)
    }
    const forgetAt = ids.get(messageId)
    if (forgetAt !== undefined && forgetAt > now) return true
    ids.set(messageId, now + this.dedupeTtlMs)
    return false
  }

  /** An append or handoff change: refreshes the TTL (counted from the last activity) and the activity order. */
  private touch (conversationId: string, record: ConversationRecord): void {
    record.updatedAt = this.now()
    this.conversations.set(conversationId, record)
    this.recent.delete(conversationId)
    this.recent.set(conversationId, record)
  }

  private lapseClaim (record: ConversationRecord): void {
    if (record.handoff.state === 'pending' && (record.claimExpiresAt ?? 0) <= this.now()) {
      record.handoff = NO_HANDOFF
      delete record.claimId
      delete record.claimExpiresAt
    }
  }
}

function summarize (conversationId: string, record: ConversationRecord): ConversationSummary {
  const last = record.history.at(-1)
  return {
    conversationId,
    lastActivity: new Date(record.updatedAt).toISOString(),
    events: record.history.length,
    last: last === undefined ? null : decode(last),
    handoff: { ...record.handoff },
    failures: record.failures?.length ?? 0
  }
}

// express-session style store for @fastify/session, so browser sessions share the process's store.
class MemorySessionStore implements SessionStore {
  private readonly cache: LRUCache<string, Session>
  constructor (max: number, defaultTtlMs: number, now: () => number) {
    // ttlResolution 0: read the (possibly injected) clock on every check.
    this.cache = new LRUCache<string, Session>({ max, ttl: defaultTtlMs, perf: { now }, ttlResolution: 0 })
  }

  set (sessionId: string, session: Session, callback: (err?: unknown) => void): void {
    const maxAge = session.cookie?.originalMaxAge
    this.cache.set(sessionId, session, typeof maxAge === 'number' && maxAge > 0 ? { ttl: maxAge } : undefined)
    callback()
  }

  get (sessionId: string, callback: (err: unknown, result?: Session | null) => void): void {
    callback(null, this.cache.get(sessionId) ?? null)
  }

  destroy (sessionId: string, callback: (err?: unknown) => void): void {
    this.cache.delete(sessionId)
    callback()
  }
}
