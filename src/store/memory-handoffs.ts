// The embedded store's handoff claims and finished-handoff records, kept apart from the histories so that
// evicting a history (by count or bytes) never forgets one: a later event would then start a second transfer.
// Entries are small (times, the claim id, the details as one string), expire on their own (a claim when it
// lapses, a done record HISTORY_TTL_SECONDS after the conversation's last activity) and are never evicted:
// when the table is full, a new claim is refused (503, retry later) instead.
import { randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { StoreUnavailableError } from '../errors.js'
import { stringBytes } from './memory-size.js'
import type { ClaimResult, HandoffRecord, HandoffState } from './types.js'

/** Immutable: every change sets a new entry, so the cache accounts its new size (it skips an unchanged value). */
interface Entry {
  /** a pending claim's holder */
  readonly claimId?: string
  /** ms: a claim lapses, a done record is forgotten */
  readonly expiresAt: number
  readonly claimedAt?: number
  /** ms, once done */
  readonly doneAt?: number
  /** JSON, once done */
  readonly details?: string
  readonly bytes: number
}

export interface HandoffTableOptions {
  /** how long a done record is kept after the conversation's last activity */
  ttlMs: number
  /** entries at most */
  maxEntries: number
  /** accounted bytes at most */
  maxBytes: number
  now: () => number
}

/** Entry object, cache slots and key map entry, the conversation id: measured about 640 bytes besides the details. */
const ENTRY_OVERHEAD = 640
/** Held by a claim for its done record, so completing a handoff that took effect always finds room. */
export const DONE_RESERVE = 2048
/** Seconds a refused claimant is told to wait: claims lapse within seconds, done records over the TTL. */
const FULL_RETRY_AFTER_SECONDS = 30

export class HandoffTable {
  private readonly entries: LRUCache<string, Entry>
  private readonly opts: HandoffTableOptions
  private lastPurge = -Infinity

  constructor (opts: HandoffTableOptions) {
    this.opts = opts
    // The cache's own bounds are never reached (room() refuses first); they only back the accounting.
    this.entries = new LRUCache<string, Entry>({
      max: opts.maxEntries,
      maxSize: opts.maxBytes,
      sizeCalculation: (entry) => entry.bytes,
      ttl: opts.ttlMs,
      updateAgeOnGet: false,
      perf: { now: opts.now },
      ttlResolution: 0
    })
  }

  get bytes (): number {
    return this.entries.calculatedSize
  }

  get size (): number {
    return this.entries.size
  }

  /** The conversation's handoff as callers see it (a lapsed claim is none). */
  get (conversationId: string): HandoffRecord {
    const entry = this.live(conversationId)
    if (entry === undefined) return { state: 'none' }
    const claimedAt = entry.claimedAt === undefined ? {} : { claimedAt: new Date(entry.claimedAt).toISOString() }
    if (entry.doneAt === undefined) return { state: 'pending', ...claimedAt }
    return { state: 'done', at: new Date(entry.doneAt).toISOString(), ...claimedAt, details: JSON.parse(entry.details ?? '{}') as Record<string, unknown> }
  }

  state (conversationId: string): HandoffState {
    const entry = this.live(conversationId)
    return entry === undefined ? 'none' : entry.doneAt === undefined ? 'pending' : 'done'
  }

  claim (conversationId: string, ttlMs: number): ClaimResult {
    if (this.live(conversationId) !== undefined) return { acquired: false, handoff: this.get(conversationId) }
    const now = this.opts.now()
    const claimId = randomUUID()
    const entry: Entry = { claimId, expiresAt: now + ttlMs, claimedAt: now, bytes: ENTRY_OVERHEAD + stringBytes(claimId) + DONE_RESERVE }
    if (!this.room(conversationId, entry)) {
      throw new StoreUnavailableError(`full: ${this.entries.size} handoffs held within HISTORY_TTL_SECONDS`, FULL_RETRY_AFTER_SECONDS)
    }
    this.put(conversationId, entry)
    return { acquired: true, claimId, handoff: this.get(conversationId) }
  }

  /**
   * Records the handoff as done, unless it is already or another claimant holds it. A lapsed claim nobody
   * else took still completes: the transfer did happen. Without room it throws, and the caller's completion
   * memory records it again later. True when recorded now.
   */
  complete (conversationId: string, claimId: string, details: Record<string, unknown>): boolean {
    // Lapsed or not: whoever holds the entry decides.
    const current = this.entries.peek(conversationId, { allowStale: true })
    if (current?.doneAt !== undefined && current.expiresAt > this.opts.now()) return false
    if (current?.claimId !== undefined && current.claimId !== claimId) return false
    const now = this.opts.now()
    const json = JSON.stringify(details)
    const entry: Entry = {
      expiresAt: now + this.opts.ttlMs,
      ...(current?.claimedAt !== undefined ? { claimedAt: current.claimedAt } : {}),
      doneAt: now,
      details: json,
      bytes: ENTRY_OVERHEAD + stringBytes(json)
    }
    if (!this.room(conversationId, entry)) throw new StoreUnavailableError('full: no room for the finished handoff', FULL_RETRY_AFTER_SECONDS)
    this.put(conversationId, entry)
    return true
  }

  /** Gives the claim up (its holder only): at once, or after holdMs. True when something changed. */
  release (conversationId: string, claimId: string, holdMs: number): boolean {
    const current = this.live(conversationId)
    if (current === undefined || current.doneAt !== undefined || current.claimId !== claimId) return false
    if (holdMs > 0) this.put(conversationId, { ...current, expiresAt: this.opts.now() + holdMs })
    else this.entries.delete(conversationId)
    return holdMs <= 0
  }

  /** Conversation activity: a done record lives on as long as the history does. */
  refresh (conversationId: string): void {
    const current = this.live(conversationId)
    if (current?.doneAt === undefined) return
    this.put(conversationId, { ...current, expiresAt: this.opts.now() + this.opts.ttlMs })
  }

  clear (): void {
    this.entries.clear()
  }

  private live (conversationId: string): Entry | undefined {
    const entry = this.entries.peek(conversationId)
    return entry !== undefined && entry.expiresAt > this.opts.now() ? entry : undefined
  }

  private put (conversationId: string, entry: Entry): void {
    // The cache forgets the entry a millisecond after it lapses or expires.
    this.entries.set(conversationId, entry, { ttl: Math.max(1, entry.expiresAt - this.opts.now() + 1) })
  }

  /** Whether the entry fits without evicting another; when full, forgets what has lapsed (at most once a second). */
  private room (conversationId: string, entry: Entry): boolean {
    const fits = (): boolean => {
      const current = this.entries.peek(conversationId, { allowStale: true })
      const count = this.entries.size + (current === undefined ? 1 : 0)
      return count <= this.opts.maxEntries && this.entries.calculatedSize - (current?.bytes ?? 0) + entry.bytes <= this.opts.maxBytes
    }
    if (fits()) return true
    const now = this.opts.now()
    if (now - this.lastPurge < 1000) return false
    this.lastPurge = now
    this.entries.purgeStale()
    const lapsed: string[] = []
    this.entries.forEach((e, id) => { if (e.expiresAt <= now) lapsed.push(id) })
    for (const id of lapsed) this.entries.delete(id)
    return fits()
  }
}
