// One webhook event end to end: record it, decide, and hand the conversation off at most once.
import type { FastifyBaseLogger } from 'fastify'
import { decide, type Decision, type Policy } from './decision.js'
import type { HandoffRecord, HistoryEntry, HistoryStore } from './store/types.js'
import type { HandoffStrategy } from './strategies/types.js'
import type { RetryEvent } from './genesys/http.js'

export interface MessagingEvent {
  conversationId: string
  event: string
  intent?: { intent?: string, confidence?: number }
  text?: string
}

export type HandoffResult =
  | { status: 'bot_continuing', conversationId: string, decision: Decision }
  | { status: 'handoff_initiated', conversationId: string, decision: Decision, [field: string]: unknown }
  | { status: 'handed_off', conversationId: string, handoff: HandoffRecord }
  | { status: 'handoff_pending', conversationId: string, handoff: HandoffRecord }

/** Optional listeners for metrics; none of them may throw. */
export interface HandoffObserver {
  decision?: (decision: Decision) => void
  handoff?: (outcome: 'success' | 'failure', durationMs: number) => void
  retry?: (event: RetryEvent & { operation: string }) => void
}

export interface HandoffServiceOptions {
  store: HistoryStore
  strategy: HandoffStrategy
  policy: Policy
  deadlineMs: number
  /** how long a claim outlives its deadline before another instance may take it over */
  claimGraceMs?: number
  observer?: HandoffObserver
  now?: () => number
}

export interface HandleContext {
  log: FastifyBaseLogger
  requestId?: string
}

export class HandoffService {
  private readonly opts: HandoffServiceOptions
  private readonly now: () => number
  /** handoffs this instance is running, so concurrent events join them instead of racing */
  private readonly inflight = new Map<string, Promise<HandoffResult>>()

  constructor (opts: HandoffServiceOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
  }

  get policy (): Policy {
    return this.opts.policy
  }

  async handle (event: MessagingEvent, ctx: HandleContext): Promise<HandoffResult> {
    const { conversationId } = event
    const { store } = this.opts
    const appended = await store.append(conversationId, toEntry(event, this.now()))
    if (appended.handoff.state === 'done') {
      return { status: 'handed_off', conversationId, handoff: appended.handoff }
    }

    const decision = decide(this.opts.policy, event.intent)
    this.opts.observer?.decision?.(decision)
    ctx.log.info({
      conversationId,
      intent: decision.intent,
      confidence: decision.confidence,
      threshold: decision.threshold,
      action: decision.action,
      reason: decision.reason
    }, 'decision')

    if (appended.handoff.state === 'pending') return await this.join(conversationId, appended.handoff)
    if (decision.action === 'CONTINUE_BOT') return { status: 'bot_continuing', conversationId, decision }

    const claim = await store.claimHandoff(conversationId, this.opts.deadlineMs + (this.opts.claimGraceMs ?? 5000))
    if (!claim.acquired || claim.claimId === undefined) {
      return claim.handoff.state === 'done'
        ? { status: 'handed_off', conversationId, handoff: claim.handoff }
        : await this.join(conversationId, claim.handoff)
    }
    const run = this.execute(conversationId, claim.claimId, decision, ctx)
    this.inflight.set(conversationId, run)
    try {
      return await run
    } finally {
      this.inflight.delete(conversationId)
    }
  }

  /** Waits for a handoff already running here; its failure is this event's failure too. */
  private async join (conversationId: string, handoff: HandoffRecord): Promise<HandoffResult> {
    const running = this.inflight.get(conversationId)
    if (running === undefined) return { status: 'handoff_pending', conversationId, handoff }
    await running
    const snapshot = await this.opts.store.get(conversationId)
    return { status: 'handed_off', conversationId, handoff: snapshot?.handoff ?? { state: 'done' } }
  }

  private async execute (conversationId: string, claimId: string, decision: Decision, ctx: HandleContext): Promise<HandoffResult> {
    const { store, strategy } = this.opts
    const target = decision.target ?? this.opts.policy.target
    const started = this.now()
    try {
      const result = await strategy.execute(conversationId, target, {
        deadline: started + this.opts.deadlineMs,
        requestId: ctx.requestId,
        log: ctx.log,
        decision,
        onRetry: (e: RetryEvent & { operation: string }) => {
          ctx.log.warn({ conversationId, ...e }, 'retrying Genesys call')
          this.opts.observer?.retry?.(e)
        }
      })
      await store.completeHandoff(conversationId, claimId, result.details)
      this.opts.observer?.handoff?.('success', this.now() - started)
      ctx.log.info({ conversationId, strategy: strategy.name, durationMs: this.now() - started }, 'handoff initiated')
      return { status: 'handoff_initiated', conversationId, strategy: strategy.name, ...result.response, decision }
    } catch (err) {
      // Release the claim so the caller's retry can hand off: no handoff is lost.
      this.opts.observer?.handoff?.('failure', this.now() - started)
      await store.releaseHandoff(conversationId, claimId)
      ctx.log.warn({ conversationId, err, durationMs: this.now() - started }, 'handoff failed')
      throw err
    }
  }
}

function toEntry (event: MessagingEvent, now: number): HistoryEntry {
  return {
    event: event.event,
    intent: { intent: event.intent?.intent ?? 'unknown', confidence: event.intent?.confidence ?? 0 },
    text: event.text ?? '',
    timestamp: new Date(now).toISOString()
  }
}
