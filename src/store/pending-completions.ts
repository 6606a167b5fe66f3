// Handoffs that took effect in Genesys but could not be recorded as done (the store was away at that moment).
// They are kept here, bounded in number and age, answered from here meanwhile, and recorded again with
// backoff until the store takes them, so no later event hands the conversation off a second time.
import type { Log } from '../logger.js'
import type { Telemetry } from '../telemetry.js'
import type { HandoffRecord, HistoryStore } from './types.js'

export interface PendingCompletionsOptions {
  store: HistoryStore
  /** completions kept at most; beyond it the oldest is dropped (logged) */
  maxEntries?: number
  /** first wait before recording again; doubles per attempt */
  minDelayMs?: number
  /** longest wait between attempts */
  maxDelayMs?: number
  /** how long a completion is kept trying (a done record lives as long as the history) */
  maxAgeMs: number
  log?: Log
  telemetry?: Telemetry
  now?: () => number
  random?: () => number
}

interface Pending {
  claimId: string
  record: HandoffRecord & { state: 'done' }
  addedAt: number
  attempts: number
  dueAt: number
}

const DEFAULTS = { maxEntries: 10_000, minDelayMs: 250, maxDelayMs: 30_000 }

/** Wait before attempt `attempt + 1`: exponential, capped, with equal jitter ([half, full] of the step). */
export function retryDelay (attempt: number, minDelayMs: number, maxDelayMs: number, random: () => number): number {
  const step = Math.min(maxDelayMs, minDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(step * (0.5 + random() / 2))
}

export class PendingCompletions {
  private readonly opts: PendingCompletionsOptions & typeof DEFAULTS
  private readonly now: () => number
  private readonly random: () => number
  /** by conversation id, oldest first (Map keeps insertion order) */
  private readonly pending = new Map<string, Pending>()
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private closed = false
  private nudgedAt = -Infinity

  constructor (opts: PendingCompletionsOptions) {
    this.opts = { ...DEFAULTS, ...opts }
    this.now = opts.now ?? Date.now
    this.random = opts.random ?? Math.random
  }

  get size (): number {
    return this.pending.size
  }

  /** Remembers a completion the store did not take, and schedules recording it again. */
  add (conversationId: string, claimId: string, details: Record<string, unknown>): void {
    if (this.closed) return
    const now = this.now()
    this.pending.delete(conversationId)
    this.pending.set(conversationId, {
      claimId,
      record: { state: 'done', at: new Date(now).toISOString(), details },
      addedAt: now,
      attempts: 0,
      dueAt: now + retryDelay(1, this.opts.minDelayMs, this.opts.maxDelayMs, this.random)
    })
    while (this.pending.size > this.opts.maxEntries) {
      const [oldest] = this.pending.keys()
      if (oldest === undefined) break
      this.pending.delete(oldest)
      this.opts.log?.error({ conversationId: oldest }, 'unrecorded handoff completion dropped (too many pending); a later event may hand it off again')
    }
    this.published()
    this.schedule()
  }

  /**
   * The store just answered (an append, a readiness ping): every completion becomes due now instead of after
   * its backed-off wait, so a long outage does not leave them unrecorded for up to maxDelayMs after it ends.
   * At most once per minDelayMs, so a busy instance does not retry on every event.
   */
  nudge (): void {
    if (this.closed || this.pending.size === 0) return
    const now = this.now()
    if (now - this.nudgedAt < this.opts.minDelayMs) return
    this.nudgedAt = now
    for (const entry of this.pending.values()) entry.dueAt = Math.min(entry.dueAt, now)
    this.schedule()
  }

  /** The done record of a completion not recorded yet, if any. */
  get (conversationId: string): HandoffRecord | undefined {
    const entry = this.pending.get(conversationId)
    return entry === undefined ? undefined : { ...entry.record }
  }

  /** Tries every completion that is due now (all of them with `all`). */
  async flush (all = false): Promise<void> {
    const now = this.now()
    const due = [...this.pending].filter(([, entry]) => all || entry.dueAt <= now)
    await Promise.all(due.map(async ([conversationId, entry]) => { await this.attempt(conversationId, entry) }))
    this.published()
  }

  /** Stops retrying; one last attempt for each, and what is still unrecorded is logged. */
  async close (): Promise<void> {
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.running
    await this.flush(true)
    for (const conversationId of this.pending.keys()) {
      this.opts.log?.error({ conversationId }, 'handoff completion still unrecorded at shutdown; a later event may hand it off again')
    }
    this.pending.clear()
  }

  private async attempt (conversationId: string, entry: Pending): Promise<void> {
    entry.attempts++
    try {
      await this.opts.store.completeHandoff(conversationId, entry.claimId, entry.record.details ?? {})
      // Recorded (or another claimant settled it meanwhile): the store answers from now on.
      if (this.pending.get(conversationId) === entry) this.pending.delete(conversationId)
      this.opts.log?.info({ conversationId, attempts: entry.attempts }, 'handoff completion recorded after a store failure')
    } catch (err) {
      const now = this.now()
      if (now - entry.addedAt >= this.opts.maxAgeMs) {
        if (this.pending.get(conversationId) === entry) this.pending.delete(conversationId)
        this.opts.log?.error({ conversationId, attempts: entry.attempts, err }, 'handoff completion could not be recorded in time and is dropped; a later event may hand it off again')
        return
      }
      entry.dueAt = now + retryDelay(entry.attempts + 1, this.opts.minDelayMs, this.opts.maxDelayMs, this.random)
      if (entry.attempts === 1) this.opts.log?.warn({ conversationId, err }, 'handoff completion still not recorded; retrying with backoff')
    }
  }

  /** One timer for all entries, set for the earliest due one; it never keeps the process alive. */
  private schedule (): void {
    if (this.closed || this.running !== null) return
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    let next = Infinity
    for (const entry of this.pending.values()) next = Math.min(next, entry.dueAt)
    if (next === Infinity) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.running = this.flush().finally(() => {
        this.running = null
        this.schedule()
      })
    }, Math.max(0, next - this.now()))
    this.timer.unref()
  }

  private published (): void {
    this.opts.telemetry?.publish('completionBacklog', { size: this.pending.size })
  }
}
