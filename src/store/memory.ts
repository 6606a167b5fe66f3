// Embedded store for one process: bounded in events per conversation, in conversations and in bytes (least
// recently active dropped first; HISTORY_MAX_BYTES, see memory-size.ts) and in time (TTL refreshed on every
// append). Handoff claims and finished-handoff records live in a table of their own (memory-handoffs.ts) that
// history eviction cannot reach. Operations run synchronously inside the event loop, which is what makes each
// of them atomic. Only appends and handoff changes count as activity (reads peek): they order the
// conversations for eviction and for the console's newest-first list.
import { LRUCache } from 'lru-cache'
import type { SessionStore } from '@fastify/session'
import {
  MAX_FAILURES,
  type AppendResult, type ClaimResult, type ConversationPage, type ConversationSnapshot, type ConversationSummary,
  type HandoffFailure, type HandoffRecord, type HistoryEntry, type HistoryLimits, type HistoryStore, type ListQuery
} from './types.js'
import type { DecisionRecord } from '../schemas/decision.js'
import { appendToTrail, flat, readTrail } from './compact.js'
import { HandoffTable } from './memory-handoffs.js'
import { MemorySessionStore } from './memory-sessions.js'
import { RECORD_OVERHEAD, entryBytes, failureBytes, markerBytes, trailBytes, trailLineBytes } from './memory-size.js'

interface ConversationRecord {
  /** compact entries (see encode): one string each instead of four objects keeps 100k conversations small */
  history: string[]
  /** events recorded over the conversation's life */
  turns: number
  /** the audit trail, encoded (see appendToTrail) */
  decisions: string[] | undefined
  /** messageIds recorded, oldest first, with when each may be forgotten */
  messageIds?: Map<string, number>
  /** last append or handoff change (ms) */
  updatedAt: number
  failures?: HandoffFailure[]
  /** estimated heap bytes of the history entries, the markers and the trail (memory-size.ts) */
  historyBytes: number
  markerBytes: number
  trailBytes: number
}

/** What the cache holds: a new box on every change, because lru-cache re-accounts only a changed value. */
interface Slot { readonly record: ConversationRecord }

// Caps one conversation's dedupe memory, in count and bytes; a sender redelivers recent messages, not old ones.
const MAX_MESSAGE_IDS = 256
const MAX_MESSAGE_ID_BYTES = 32 * 1024

export const DEFAULT_MAX_BYTES = 128 * 1024 * 1024
/** The share of the byte bound the handoff table may hold; the histories get the rest. */
const HANDOFF_SHARE = 1 / 4
/** One conversation may hold at most this share of the histories' bytes (its oldest events go first). */
const RECORD_SHARE = 1 / 16

/** The audit trail field is there from the start, so V8 keeps it inside the object rather than in a property array of its own. */
function newRecord (): ConversationRecord {
  return { history: [], turns: 0, updatedAt: 0, decisions: undefined, historyBytes: 0, markerBytes: 0, trailBytes: 0 }
}

function recordBytes (record: ConversationRecord): number {
  return RECORD_OVERHEAD + record.historyBytes + record.markerBytes + record.trailBytes + failureBytes(record.failures)
}

type EncodedEntry = [event: string, intent: string, confidence: number, text: string, timestamp: string, messageId?: string]

function encode (entry: HistoryEntry): string {
  const fields: EncodedEntry = [entry.event, entry.intent.intent, entry.intent.confidence, entry.text, entry.timestamp]
  if (entry.messageId !== undefined) fields.push(entry.messageId)
  return flat(JSON.stringify(fields))
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
  private readonly conversations: LRUCache<string, Slot>
  /** the same records by last activity, oldest first: what listRecent pages through */
  private readonly recent = new Map<string, ConversationRecord>()
  private readonly handoffs: HandoffTable
  private readonly maxEvents: number
  private readonly maxDecisions: number
  private readonly maxRecordBytes: number
  private readonly dedupeTtlMs: number
  private readonly now: () => number

  constructor (opts: MemoryStoreOptions) {
    this.maxEvents = opts.maxEvents
    this.maxDecisions = opts.maxDecisions ?? opts.maxEvents
    this.dedupeTtlMs = (opts.dedupeTtlSeconds ?? 3600) * 1000
    this.now = opts.now ?? Date.now
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES
    const handoffBytes = Math.floor(maxBytes * HANDOFF_SHARE)
    this.maxRecordBytes = Math.floor((maxBytes - handoffBytes) * RECORD_SHARE)
    this.handoffs = new HandoffTable({ ttlMs: opts.ttlSeconds * 1000, maxEntries: opts.maxConversations, maxBytes: handoffBytes, now: this.now })
    this.conversations = new LRUCache<string, Slot>({
      max: opts.maxConversations,
      maxSize: maxBytes - handoffBytes,
      sizeCalculation: (slot) => recordBytes(slot.record),
      ttl: opts.ttlSeconds * 1000,
      updateAgeOnGet: false,
      ttlAutopurge: false,
      perf: { now: this.now },
      // lru-cache caches "now" for a millisecond by default; an injected clock must be read every time
      ttlResolution: opts.now === undefined ? 1 : 0,
      // Evicted or expired: gone from the activity order too ('set' is a record's own new box).
      dispose: (_slot, conversationId, reason) => { if (reason !== 'set') this.recent.delete(conversationId) }
    })
    this.sessions = new MemorySessionStore(opts.maxSessions ?? 10000, opts.ttlSeconds * 1000, this.now)
  }

  async append (conversationId: string, entry: HistoryEntry, tail = 0): Promise<AppendResult> {
    const record = this.record(conversationId) ?? newRecord()
    const duplicate = entry.messageId !== undefined && this.seen(record, entry.messageId)
    if (!duplicate) {
      const encoded = encode(entry)
      record.history.push(encoded)
      record.historyBytes += entryBytes(encoded)
      record.turns++
      if (record.history.length > this.maxEvents) dropOldest(record, record.history.length - this.maxEvents)
      this.touch(conversationId, record)
      this.handoffs.refresh(conversationId)
    }
    return {
      events: record.history.length,
      handoff: this.handoffs.get(conversationId),
      duplicate,
      turns: record.turns,
      recent: tail > 0 ? record.history.slice(-tail).map(decode) : []
    }
  }

  async get (conversationId: string): Promise<ConversationSnapshot | null> {
    const record = this.record(conversationId)
    const handoff = this.handoffs.get(conversationId)
    // A history evicted or expired before its handoff record: the handoff alone, as Redis answers then.
    if (record === undefined && handoff.state === 'none') return null
    const snapshot: ConversationSnapshot = {
      conversationId,
      history: record?.history.map(decode) ?? [],
      handoff,
      turns: record?.turns ?? 0,
      decisions: readTrail(record?.decisions, this.maxDecisions)
    }
    if (record?.failures !== undefined) snapshot.failures = record.failures.map(f => ({ ...f }))
    return snapshot
  }

  async recordDecision (conversationId: string, decision: DecisionRecord): Promise<void> {
    const record = this.record(conversationId)
    if (record === undefined || this.maxDecisions === 0) return
    const trail = record.decisions ?? []
    const kept = appendToTrail(trail, decision, this.maxDecisions)
    // Grown by one line unless trimmed (a new list): that line counted alone rather than every line measured again.
    record.trailBytes = kept === record.decisions ? record.trailBytes + trailLineBytes(kept[kept.length - 1] as string) : trailBytes(kept)
    record.decisions = kept
    this.resize(conversationId, record)
  }

  async claimHandoff (conversationId: string, ttlMs: number): Promise<ClaimResult> {
    const claim = this.handoffs.claim(conversationId, ttlMs)
    if (claim.acquired) this.touch(conversationId, this.record(conversationId) ?? newRecord())
    return claim
  }

  async completeHandoff (conversationId: string, claimId: string, details: Record<string, unknown>): Promise<void> {
    if (this.handoffs.complete(conversationId, claimId, details)) this.touch(conversationId, this.record(conversationId) ?? newRecord())
  }

  async releaseHandoff (conversationId: string, claimId: string, holdMs = 0): Promise<void> {
    if (!this.handoffs.release(conversationId, claimId, holdMs)) return
    const record = this.record(conversationId)
    if (record !== undefined) this.touch(conversationId, record)
  }

  async recordFailure (conversationId: string, failure: HandoffFailure): Promise<void> {
    const record = this.record(conversationId)
    if (record === undefined) return
    const failures = record.failures ?? (record.failures = [])
    failures.push({ ...failure })
    if (failures.length > MAX_FAILURES) failures.splice(0, failures.length - MAX_FAILURES)
    this.resize(conversationId, record)
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
    const matches = (conversationId: string): boolean => state === undefined || this.handoffs.state(conversationId) === state
    let total = 0
    if (state === undefined) total = this.recent.size
    else this.recent.forEach((_record, conversationId) => { if (matches(conversationId)) total++ })
    // The page, counted from the oldest end: positions [first, last] among the matches.
    const last = total - 1 - offset
    const first = Math.max(0, last - limit + 1)
    const page: ConversationSummary[] = []
    let position = 0
    if (last >= 0) {
      this.recent.forEach((record, conversationId) => {
        if (position > last || !matches(conversationId)) return
        if (position >= first) page.push(summarize(conversationId, record, this.handoffs.get(conversationId)))
        position++
      })
    }
    return { items: page.reverse(), total }
  }

  async ping (): Promise<void> {}

  async close (): Promise<void> {
    this.conversations.clear()
    this.recent.clear()
    this.handoffs.clear()
  }

  get size (): number {
    return this.conversations.size
  }

  /** Estimated heap bytes held: histories and the handoff table (within HISTORY_MAX_BYTES). */
  get bytes (): number {
    return this.conversations.calculatedSize + this.handoffs.bytes
  }

  private record (conversationId: string): ConversationRecord | undefined {
    return this.conversations.peek(conversationId)?.record
  }

  /** Whether messageId was recorded before; remembers it if not (forgetting expired and, beyond the caps, oldest ones). */
  private seen (record: ConversationRecord, messageId: string): boolean {
    const now = this.now()
    const ids = record.messageIds ?? (record.messageIds = new Map())
    const forgetAt = ids.get(messageId)
    if (forgetAt !== undefined && forgetAt > now) return true
    if (forgetAt === undefined) record.markerBytes += markerBytes(messageId)
    // Set anew, so it moves to the newest end.
    ids.delete(messageId)
    ids.set(messageId, now + this.dedupeTtlMs)
    for (const [id, at] of ids) {
      if (id === messageId || (at > now && ids.size <= MAX_MESSAGE_IDS && record.markerBytes <= MAX_MESSAGE_ID_BYTES)) break
      ids.delete(id)
      record.markerBytes -= markerBytes(id)
    }
    return false
  }

  /** An append or handoff change: refreshes the TTL (counted from the last activity) and the activity order. */
  private touch (conversationId: string, record: ConversationRecord): void {
    // One conversation never crowds out the rest: its oldest events go first.
    while (record.history.length > 1 && recordBytes(record) > this.maxRecordBytes) dropOldest(record, 1)
    record.updatedAt = this.now()
    this.conversations.set(conversationId, { record })
    this.recent.delete(conversationId)
    if (this.conversations.has(conversationId)) this.recent.set(conversationId, record)
  }

  /** The record grew or shrank without activity: accounted again, TTL and activity order unchanged. */
  private resize (conversationId: string, record: ConversationRecord): void {
    this.conversations.set(conversationId, { record }, { noUpdateTTL: true })
    if (!this.conversations.has(conversationId)) this.recent.delete(conversationId)
  }
}

function dropOldest (record: ConversationRecord, count: number): void {
  for (const encoded of record.history.splice(0, count)) record.historyBytes -= entryBytes(encoded)
}

function summarize (conversationId: string, record: ConversationRecord, handoff: HandoffRecord): ConversationSummary {
  const last = record.history.at(-1)
  return {
    conversationId,
    lastActivity: new Date(record.updatedAt).toISOString(),
    events: record.history.length,
    last: last === undefined ? null : decode(last),
    handoff,
    failures: record.failures?.length ?? 0
  }
}
