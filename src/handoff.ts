// One event end to end (a webhook, or a Bot Connector turn): record it, decide, and hand the conversation off
// exactly once, even when several instances receive events for the same conversation at the same time.
import { setTimeout as sleep } from 'node:timers/promises'
import { decide, forcedHandoff, type ForcedHandoff, type Policy } from './decision.js'
import { maskSensitive } from './context-packet.js'
import { ConversationEndedError, HandoffInProgressError, HttpError } from './errors.js'
import { TransferOutcomeUnknownError } from './genesys/errors.js'
import { errorFields, type Log } from './logger.js'
import type { Decision } from './schemas/decision.js'
import type { HandoffRecord, HistoryEntry } from './schemas/conversation.js'
import type { MessagingEvent } from './schemas/messaging.js'
import type { AppendResult, HandoffFailure, HistoryStore } from './store/types.js'
import { PendingCompletions } from './store/pending-completions.js'
import type { HandoffStrategy } from './strategies/types.js'
import type { Telemetry } from './telemetry.js'

/** Handoff-record outcome of a conversation found ended: every later event for it answers 409. */
export const CONVERSATION_ENDED = 'conversation_ended'

/**
 * Where a handoff went, as its record keeps it: what a flow needs to transfer on a later event. An unset
 * priority or language is absent rather than null, so a Data Action's defaults apply to it.
 */
export interface RouteFields {
  queueId?: string
  skillIds?: string[]
  priority?: number
  languageId?: string
  /** the rule that decided (stable id) */
  reason?: string
  /** short masked context, from the flow strategy */
  summary?: string
}

type Outcome =
  | { status: 'bot_continuing', action: 'CONTINUE_BOT', reason: string, conversationId: string, decision: Decision }
  | { status: 'handoff_initiated', action: 'HANDOFF', reason: string, conversationId: string, decision: Decision, [field: string]: unknown }
  | ({ status: 'handed_off', action: 'HANDOFF', conversationId: string, handoff: HandoffRecord } & RouteFields)

/** `duplicate` marks a redelivered messageId: answered as usual, recorded only once. */
export type HandoffResult = Outcome & { duplicate?: true }

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
  policy: Policy
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

  get policy (): Policy {
    return this.opts.policy
  }

  async handle (received: MessagingEvent, ctx: HandleContext, opts: HandleOptions = {}): Promise<HandoffResult> {
    // One conversation, one key, whatever case the sender writes its UUID in.
    const event = { ...received, conversationId: received.conversationId.toLowerCase() }
    const { conversationId } = event
    const appended = await this.opts.store.append(conversationId, toEntry(event, this.now(), this.opts.storeRawText === true))
    const outcome = await this.respond(event, this.known(conversationId, appended.handoff), appended.duplicate, ctx, opts)
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

  private async respond (event: MessagingEvent, handoff: HandoffRecord, duplicate: boolean, ctx: HandleContext, opts: HandleOptions): Promise<Outcome> {
    const { conversationId } = event
    if (handoff.state === 'done') return settled(conversationId, handoff)

    const decision = opts.force !== undefined ? forcedHandoff(this.opts.policy, event.intent, opts.force) : decide(this.opts.policy, event.intent)
    this.opts.telemetry?.publish('decision', { action: decision.action, intent: decision.intent })
    ctx.log.info({
      conversationId,
      intent: decision.intent,
      confidence: decision.confidence,
      threshold: decision.threshold,
      action: decision.action,
      reason: decision.reason,
      // a redelivered messageId: decided again (a handoff it wanted may still be pending), recorded once
      ...(duplicate ? { duplicate: true } : {})
    }, 'decision')

    if (handoff.state === 'none' && decision.action === 'CONTINUE_BOT') return continuing(conversationId, decision)
    return await this.settle(conversationId, handoff, decision, ctx, this.strategyFor(opts))
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
    try {
      return await running
    } finally {
      // A later run for the same conversation may have started once this one released its claim.
      if (this.inflight.get(conversationId) === running) this.inflight.delete(conversationId)
    }
  }

  private async execute (conversationId: string, claimId: string, decision: Decision, deadline: number, ctx: HandleContext, strategy: HandoffStrategy): Promise<Outcome> {
    const { store } = this.opts
    const target = decision.target ?? this.opts.policy.target
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
      this.opts.telemetry?.publish('handoff', { outcome: 'failure', durationMs: this.now() - started })
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

function continuing (conversationId: string, decision: Decision): Outcome {
  return { status: 'bot_continuing', action: 'CONTINUE_BOT', reason: decision.rule, conversationId, decision }
}

/** The answer for a conversation whose handoff is settled: handed off (with where to), or ended (409). */
function settled (conversationId: string, handoff: HandoffRecord): Outcome {
  if (handoff.details?.outcome === CONVERSATION_ENDED) {
    throw new ConversationEndedError(conversationId, String(handoff.details.reason ?? 'ended earlier'))
  }
  return { status: 'handed_off', action: 'HANDOFF', conversationId, ...routeFields(handoff.details ?? {}), handoff }
}

/** The routing target a handoff record keeps, field by field (records written by older versions lack some). */
export function routeFields (details: Record<string, unknown>): RouteFields {
  const { queueId, skillIds, priority, languageId, reason, summary } = details
  const route: RouteFields = {}
  if (typeof queueId === 'string') route.queueId = queueId
  if (Array.isArray(skillIds) && skillIds.every(s => typeof s === 'string')) route.skillIds = skillIds
  if (typeof priority === 'number' && Number.isInteger(priority)) route.priority = priority
  if (typeof languageId === 'string') route.languageId = languageId
  if (typeof reason === 'string') route.reason = reason
  if (typeof summary === 'string') route.summary = summary
  return route
}

/** What operators see of a failed attempt: the caller's error code and message, nothing internal. */
function failureRecord (err: unknown, now: number, retries: number): HandoffFailure {
  const known = err instanceof HttpError
  return {
    at: new Date(now).toISOString(),
    code: known ? err.code : 'INTERNAL',
    message: known ? err.message : 'internal error; see the service log',
    retries
  }
}

function toEntry (event: MessagingEvent, now: number, raw: boolean): HistoryEntry {
  const text = event.text ?? ''
  return {
    event: event.event,
    intent: { intent: event.intent?.intent ?? 'unknown', confidence: event.intent?.confidence ?? 0 },
    // Masked before it is stored: the history outlives the conversation (HISTORY_TTL_SECONDS) and is shown to operators.
    text: raw ? text : maskSensitive(text),
    timestamp: new Date(now).toISOString(),
    ...(event.messageId !== undefined ? { messageId: event.messageId } : {})
  }
}
