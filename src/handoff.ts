// One event end to end (a webhook, or a Bot Connector turn): record it, decide, and hand the conversation off
// exactly once, even when several instances receive events for the same conversation at the same time.
import { setTimeout as sleep } from 'node:timers/promises'
import { ConversationEndedError, HandoffInProgressError, HttpError } from './errors.js'
import { TransferOutcomeUnknownError } from './genesys/errors.js'
import { errorFields, type Log } from './logger.js'
import type { Policy } from './policy/compile.js'
import { auditRecord } from './policy/decision.js'
import type { ForcedHandoff } from './policy/evaluate.js'
import { historyBefore } from './policy/history.js'
import type { PolicyRuntime } from './policy/runtime.js'
import type { Decision, DecisionRecord } from './schemas/decision.js'
import type { HandoffRecord } from './schemas/conversation.js'
import type { MessagingEvent } from './schemas/messaging.js'
import type { AppendResult, HistoryStore } from './store/types.js'
import { PendingCompletions } from './store/pending-completions.js'
import type { HandoffStrategy } from './strategies/types.js'
import type { Telemetry } from './telemetry.js'
import { CONVERSATION_ENDED, continuing, failureRecord, settled, toEntry, type HandoffResult, type Outcome } from './handoff-outcome.js'

export { CONVERSATION_ENDED, routeFields, type HandoffResult, type RouteFields } from './handoff-outcome.js'

export interface HandleOptions {
  /** decide and record only (the flow strategy): the caller's Architect flow transfers */
  flow?: boolean
  /** hand off whatever the confidence (the bot asked for it, or could not answer) */
  force?: ForcedHandoff
}

export interface HandoffServiceOptions {
  store: HistoryStore
  strategy: HandoffStrategy
  /** the strategy for flow-based handoffs (HandleOptions.flow) */
  flowStrategy?: HandoffStrategy
  /** decides every event (and evaluates the shadow policy beside it) */
  policy: Pick<PolicyRuntime, 'live' | 'window' | 'decide'>
  deadlineMs: number
  /** how long a claim outlives its deadline before another instance may take it over */
  claimGraceMs?: number
  /** how often to look at a claim another instance holds */
  pollIntervalMs?: number
  telemetry?: Telemetry
  /** for what happens outside a request (completions recorded late) */
  log?: Log
  /** how long a completion the store did not take is kept and retried (default 24 h) */
  completionRetentionMs?: number
  /** store message text as received; by default card numbers, e-mail addresses and phone numbers are masked */
  storeRawText?: boolean
  now?: () => number
}

export interface HandleContext {
  log: Log
  requestId?: string
}

export class HandoffService {
  private readonly opts: HandoffServiceOptions
  private readonly now: () => number
  private readonly claimTtlMs: number
  /** handoffs this instance is running, so concurrent events join them instead of racing */
  private readonly inflight = new Map<string, Promise<Outcome>>()
  /** the claims those runs hold (conversation id → claim id), released if the process must exit mid-run */
  private readonly held = new Map<string, string>()
  /** handoffs done in Genesys that the store did not take: answered from here until it does */
  private readonly unrecorded: PendingCompletions

  constructor (opts: HandoffServiceOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
    this.claimTtlMs = opts.deadlineMs + (opts.claimGraceMs ?? 5000)
    this.unrecorded = new PendingCompletions({
      store: opts.store, maxAgeMs: opts.completionRetentionMs ?? 86_400_000, log: opts.log, telemetry: opts.telemetry, now: this.now
    })
  }

  /** Stops retrying unrecorded completions (one last attempt each). */
  async close (): Promise<void> {
    await this.unrecorded.close()
  }

  /**
   * Releases the claims of runs still going (the shutdown grace ran out), so another instance takes over now,
   * not after the ttl; each is held `holdMs` more (a transfer just sent may still be in Genesys' hands).
   * Resolves with how many were released; a claim the store cannot release lapses on its own.
   */
  async releaseClaims (holdMs = 0): Promise<number> {
    const claims = [...this.held]
    this.held.clear()
    const released = await Promise.all(claims.map(async ([conversationId, claimId]) =>
      await this.opts.store.releaseHandoff(conversationId, claimId, holdMs).then(() => true, (err: unknown) => {
        this.opts.log?.warn({ conversationId, ...errorFields(err) }, 'could not release the handoff claim; it lapses on its own')
        return false
      })))
    return released.filter(Boolean).length
  }

  /** The store just answered: completions it could not take before are recorded now, not after their backoff. */
  storeAnswered (): void {
    this.unrecorded.nudge()
  }

  /** the live escalation policy */
  get policy (): Policy {
    return this.opts.policy.live
  }

  async handle (received: MessagingEvent, ctx: HandleContext, opts: HandleOptions = {}): Promise<HandoffResult> {
    // One conversation, one key, whatever case the sender writes its UUID in.
    const event = { ...received, conversationId: received.conversationId.toLowerCase() }
    const { conversationId } = event
    // The append answers with the newest entries too: the policy's history without a second read.
    const appended = await this.opts.store.append(conversationId, toEntry(event, this.now(), this.opts.storeRawText === true), this.opts.policy.window + 1)
    this.storeAnswered()
    const outcome = await this.respond(event, appended, ctx, opts)
    return appended.duplicate ? { ...outcome, duplicate: true } : outcome
  }

  /** Records the event without deciding (a turn the bot could not answer, when that must not hand off). */
  async record (received: MessagingEvent): Promise<AppendResult> {
    const event = { ...received, conversationId: received.conversationId.toLowerCase() }
    return await this.opts.store.append(event.conversationId, toEntry(event, this.now(), this.opts.storeRawText === true))
  }

  /** The conversation's handoff state (none when nothing is recorded). */
  async handoffState (conversationId: string): Promise<HandoffRecord> {
    return (await this.opts.store.get(conversationId.toLowerCase()))?.handoff ?? { state: 'none' }
  }

  private async respond (event: MessagingEvent, appended: AppendResult, ctx: HandleContext, opts: HandleOptions): Promise<Outcome> {
    const { conversationId } = event
    const { duplicate } = appended
    const handoff = this.known(conversationId, appended.handoff)
    if (handoff.state === 'done') return settled(conversationId, handoff)

    // The runtime publishes the decision (and the shadow's) on telemetry.
    const { decision, shadow, disagrees } = this.opts.policy.decide({
      conversationId, history: historyBefore(appended, event.messageId), event, log: ctx.log, force: opts.force
    })
    ctx.log.info({
      conversationId,
      intent: decision.intent,
      confidence: decision.confidence,
      threshold: decision.threshold,
      action: decision.action,
      reason: decision.reason,
      ruleId: decision.ruleId,
      policyVersion: decision.policyVersion,
      turn: decision.turn,
      // a redelivered messageId: decided again (a handoff it wanted may still be pending), recorded once
      ...(duplicate ? { duplicate: true } : {})
    }, 'decision')

    let outcome = 'error'
    try {
      const result = handoff.state === 'none' && decision.action === 'CONTINUE_BOT'
        ? continuing(conversationId, decision)
        : await this.settle(conversationId, handoff, decision, ctx, this.strategyFor(opts))
      outcome = result.status
      return result
    } catch (err) {
      outcome = err instanceof HttpError ? err.code : 'error'
      throw err
    } finally {
      await this.audit(conversationId, auditRecord({
        decision,
        event: event.event,
        outcome,
        at: new Date(this.now()).toISOString(),
        messageId: event.messageId,
        duplicate,
        shadow: disagrees ? shadow : null
      }), ctx)
    }
  }

  /** The audit trail is kept best effort: the event's answer stands whether or not it could be written. */
  private async audit (conversationId: string, record: DecisionRecord, ctx: HandleContext): Promise<void> {
    try {
      await this.opts.store.recordDecision(conversationId, record)
    } catch (err) {
      ctx.log.warn({ conversationId, ...errorFields(err) }, 'decision not kept in the audit trail')
    }
  }

  private strategyFor (opts: HandleOptions): HandoffStrategy {
    if (opts.flow !== true) return this.opts.strategy
    if (this.opts.flowStrategy === undefined) throw new Error('flow-based handoff requested but no flow strategy is configured')
    return this.opts.flowStrategy
  }

  /**
   * Drives the conversation's handoff to an outcome: run it here, join the run on this instance, or wait
   * (bounded by the handoff deadline) for another instance's claim to finish, be released or lapse.
   */
  private async settle (conversationId: string, initial: HandoffRecord, decision: Decision, ctx: HandleContext, strategy: HandoffStrategy): Promise<Outcome> {
    const { store } = this.opts
    // One deadline for the whole event: waiting for another instance and any attempt of our own.
    const deadline = this.now() + this.opts.deadlineMs
    let handoff = initial
    for (;;) {
      if (handoff.state === 'done') return settled(conversationId, handoff)
      if (handoff.state === 'none') {
        // Released or lapsed: an event that wants a handoff takes the claim; others carry on with the bot.
        if (decision.action !== 'HANDOFF') return continuing(conversationId, decision)
        if (this.now() >= deadline) throw new HandoffInProgressError(conversationId, 1)
        const claim = await store.claimHandoff(conversationId, this.claimTtlMs)
        if (claim.acquired && claim.claimId !== undefined) return await this.run(conversationId, claim.claimId, decision, deadline, ctx, strategy)
        handoff = claim.handoff
        continue
      }
      const running = this.inflight.get(conversationId)
      if (running !== undefined) {
        // A run on this instance: its failure is this event's failure too.
        await running
      } else {
        if (this.now() >= deadline) throw new HandoffInProgressError(conversationId, this.retryAfterSeconds(handoff))
        await sleep(this.opts.pollIntervalMs ?? 50)
      }
      handoff = this.known(conversationId, (await store.get(conversationId))?.handoff)
    }
  }

  /** The store's record, unless this instance knows of a completion the store has not taken yet. */
  private known (conversationId: string, stored: HandoffRecord | undefined): HandoffRecord {
    if (stored?.state === 'done') return stored
    return this.unrecorded.get(conversationId) ?? stored ?? { state: 'none' }
  }

  private async run (conversationId: string, claimId: string, decision: Decision, deadline: number, ctx: HandleContext, strategy: HandoffStrategy): Promise<Outcome> {
    const running = this.execute(conversationId, claimId, decision, deadline, ctx, strategy)
    this.inflight.set(conversationId, running)
    this.held.set(conversationId, claimId)
    try {
      return await running
    } finally {
      // A later run for the same conversation may have started once this one released its claim.
      if (this.inflight.get(conversationId) === running) this.inflight.delete(conversationId)
      if (this.held.get(conversationId) === claimId) this.held.delete(conversationId)
    }
  }

  private async execute (conversationId: string, claimId: string, decision: Decision, deadline: number, ctx: HandleContext, strategy: HandoffStrategy): Promise<Outcome> {
    const { store } = this.opts
    const target = decision.target ?? this.opts.policy.live.target
    const started = this.now()
    let retries = 0
    let result
    try {
      const snapshot = strategy.needsHistory === true ? await store.get(conversationId) : null
      result = await strategy.execute(conversationId, target, {
        deadline,
        requestId: ctx.requestId,
        log: ctx.log,
        conversationId,
        decision,
        history: snapshot?.history ?? [],
        onRetry: (e) => {
          retries++
          ctx.log.warn({ conversationId, operation: e.operation, genesysStatus: e.statusCode, transportCode: e.code, attempt: e.attempt, delayMs: e.delayMs }, 'retrying Genesys call')
        }
      })
    } catch (err) {
      if (err instanceof ConversationEndedError) {
        // Nobody is left to hand off to: settle the claim so retries stop here instead of calling Genesys.
        await this.complete(conversationId, claimId, { outcome: CONVERSATION_ENDED, reason: err.reason, strategy: strategy.name }, ctx)
        this.opts.telemetry?.publish('handoff', { outcome: 'conversation_ended', durationMs: this.now() - started })
        ctx.log.info({ conversationId, reason: err.reason }, 'conversation ended before the handoff')
        throw err
      }
      // A transfer Genesys may still be handling is no failure (yet): counted apart, as in the webhook counter.
      const outcome = err instanceof TransferOutcomeUnknownError ? 'transfer_outcome_unknown' : 'failure'
      this.opts.telemetry?.publish('handoff', { outcome, durationMs: this.now() - started })
      ctx.log.warn({ conversationId, ...errorFields(err), durationMs: this.now() - started }, 'handoff failed')
      // Release the claim so the caller's retry can hand off: no handoff is lost. A transfer Genesys may
      // still be handling keeps it until the Retry-After, so no other event transfers meanwhile. If the
      // store is away too, the claim lapses on its own after its ttl. The failure is kept for operators.
      const holdMs = err instanceof TransferOutcomeUnknownError ? err.retryAfterSeconds * 1000 : 0
      await Promise.all([
        store.releaseHandoff(conversationId, claimId, holdMs).catch((releaseErr: unknown) => {
          ctx.log.warn({ conversationId, ...errorFields(releaseErr) }, 'could not release the handoff claim; it lapses on its own')
        }),
        store.recordFailure(conversationId, failureRecord(err, this.now(), retries)).catch((recordErr: unknown) => {
          ctx.log.warn({ conversationId, ...errorFields(recordErr) }, 'handoff failure not recorded')
        })
      ])
      throw err
    }
    await this.complete(conversationId, claimId, result.details, ctx)
    this.opts.telemetry?.publish('handoff', { outcome: 'success', durationMs: this.now() - started })
    for (const warning of result.warnings ?? []) {
      this.opts.telemetry?.publish('handoffWarning', { warning })
      ctx.log.warn({ conversationId, strategy: strategy.name, warning }, 'handoff initiated with a warning')
    }
    ctx.log.info({ conversationId, strategy: strategy.name, durationMs: this.now() - started }, 'handoff initiated')
    return { status: 'handoff_initiated', action: 'HANDOFF', reason: decision.rule, conversationId, strategy: strategy.name, ...result.response, decision }
  }

  /**
   * Records the handoff as done. If the store is away, this instance remembers it, answers from that memory
   * and records it again with backoff; other instances wait on the claim meanwhile, and a claimant after a
   * lapse reads Genesys first (platform-api).
   */
  private async complete (conversationId: string, claimId: string, details: Record<string, unknown>, ctx: HandleContext): Promise<void> {
    try {
      await this.opts.store.completeHandoff(conversationId, claimId, details)
    } catch (err) {
      ctx.log.error({ conversationId, err }, 'handoff settled but not recorded yet; kept here and recorded again with backoff')
      this.unrecorded.add(conversationId, claimId, details)
    }
  }

  /** Until another instance's claim would lapse, at least 1 s. */
  private retryAfterSeconds (handoff: HandoffRecord): number {
    const claimedAt = handoff.claimedAt === undefined ? NaN : Date.parse(handoff.claimedAt)
    const lapsesIn = Number.isNaN(claimedAt) ? this.claimTtlMs : claimedAt + this.claimTtlMs - this.now()
    return Math.max(1, Math.ceil(Math.min(lapsesIn, this.claimTtlMs) / 1000))
  }
}
