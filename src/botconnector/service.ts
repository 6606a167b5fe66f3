// Digital Bot Connector v2 mode: the service sits between Genesys' Bot Connector and the team's bot. Each turn
// is forwarded to the bot, recorded with the bot's intent and confidence, and decided by the handoff service
// exactly as a webhook event is (its flow strategy: no Platform API call; the Architect flow transfers).
// Genesys never gets a 5xx: when the bot or the store fails, the customer is handed off (or, when that is
// turned off, the flow takes its failure path).
import { truncate } from '../context-packet.js'
import { HttpError, BotNotFoundError, BotUnavailableError } from '../errors.js'
import type { HandleContext, HandoffResult, HandoffService, RouteFields } from '../handoff.js'
import type { Log } from '../logger.js'
import type { Bot, BotConnectorRequest, BotConnectorResponse, BotList } from '../schemas/botconnector.js'
import type { MessagingEvent } from '../schemas/messaging.js'
import type { Telemetry } from '../telemetry.js'
import { failedAnswer, handoffAnswer, handoffParameters, withHandoffIntent } from './answers.js'
import type { BotClient } from './client.js'

/** History event name of a Bot Connector turn. */
export const BOT_CONNECTOR_EVENT = 'botconnector.turn'
/** Recorded text is bounded like a webhook event's. */
const MAX_RECORDED_TEXT = 4000
/** How long the bot list is reused before the bot is asked again (it is read when flows are designed). */
const BOT_LIST_TTL_MS = 30_000
const BOT_LIST_RETRY_AFTER_S = 5

export const BOT_UNAVAILABLE = 'bot_unavailable'
export const BOT_REQUESTED = 'bot_requested_handoff'
export const INTERNAL_ERROR = 'internal_error'

export interface BotConnectorServiceOptions {
  client: BotClient
  handoff: HandoffService
  handoffIntent: string
  /** bot (or store) unavailable: hand off (true) or answer Failed */
  handoffOnUnavailable: boolean
  telemetry?: Telemetry
  now?: () => number
}

/** A turn's outcome (metrics label): a handoff status, `failed`, or why the service answered on its own. */
type TurnOutcome = string

export class BotConnectorService {
  private readonly opts: BotConnectorServiceOptions
  private readonly now: () => number
  private cachedList: { list: BotList, at: number } | null = null

  constructor (opts: BotConnectorServiceOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
  }

  /** One customer turn: the bot's answer while it carries on, Complete/handoff once it hands off. */
  async turn (request: BotConnectorRequest, ctx: HandleContext): Promise<BotConnectorResponse> {
    try {
      return await this.runTurn(request, ctx)
    } catch (err) {
      // Last resort for the unexpected: Genesys still gets an answer it can act on, not a 500.
      ctx.log.error({ conversationId: request.genesysConversationId, err }, 'bot connector turn failed unexpectedly')
      this.count(INTERNAL_ERROR, ctx.log, request.genesysConversationId)
      return this.opts.handoffOnUnavailable
        ? handoffAnswer(this.opts.handoffIntent, handoffParameters({ reason: INTERNAL_ERROR }, this.opts.handoff.policy.target, INTERNAL_ERROR))
        : failedAnswer(INTERNAL_ERROR, 'the handoff service could not handle this turn')
    }
  }

  private async runTurn (request: BotConnectorRequest, ctx: HandleContext): Promise<BotConnectorResponse> {
    const { handoff } = this.opts
    const event = toEvent(request)
    try {
      // A handed-off conversation stays handed off: the bot is not asked again.
      if ((await handoff.handoffState(event.conversationId)).state === 'done') {
        return this.answer(await handoff.handle(event, ctx, { flow: true }), ctx)
      }
    } catch (err) {
      return await this.unavailable(event, ctx, failureRule(err), describe(err))
    }

    let bot: BotConnectorResponse
    const started = this.now()
    try {
      bot = await this.opts.client.message(request, ctx.requestId)
    } catch (err) {
      ctx.log.warn({ conversationId: event.conversationId, err: describe(err), botMs: this.now() - started }, 'bot call failed')
      return await this.unavailable(event, ctx, BOT_UNAVAILABLE, describe(err))
    }

    const turn: MessagingEvent = { ...event, intent: { intent: bot.intent, confidence: bot.confidence } }
    // The bot itself asking for the handoff intent hands off, so the flow gets the routing parameters too.
    const requested = bot.botState === 'Complete' && bot.intent === this.opts.handoffIntent
    let result: HandoffResult
    try {
      result = await handoff.handle(turn, ctx, requested ? { flow: true, force: { rule: BOT_REQUESTED, reason: 'the bot asked for the handoff intent' } } : { flow: true })
    } catch (err) {
      return await this.unavailable(turn, ctx, failureRule(err), describe(err), bot)
    }
    if (result.status === 'bot_continuing') {
      this.count('bot_continuing', ctx.log, event.conversationId)
      return bot
    }
    return this.answer(result, ctx, bot)
  }

  /** The team's bot list with the handoff intent added; the last good list while the bot cannot give one. */
  async bots (log: Log, requestId?: string): Promise<BotList> {
    const cached = this.cachedList
    if (cached !== null && this.now() - cached.at < BOT_LIST_TTL_MS) return cached.list
    try {
      const list = withHandoffIntent(await this.opts.client.bots(requestId), this.opts.handoffIntent)
      this.cachedList = { list, at: this.now() }
      return list
    } catch (err) {
      if (cached !== null) {
        log.warn({ err: describe(err) }, 'bot list unavailable; answering the last one received')
        return cached.list
      }
      throw new BotUnavailableError(describe(err), BOT_LIST_RETRY_AFTER_S)
    }
  }

  async bot (botId: string, log: Log, requestId?: string): Promise<Bot> {
    const found = (await this.bots(log, requestId)).entities.find(b => b.id === botId)
    if (found === undefined) throw new BotNotFoundError(botId)
    return found
  }

  /** Complete with the handoff intent, for a turn the handoff service settled as handed off. */
  private answer (result: HandoffResult, ctx: HandleContext, bot?: BotConnectorResponse, outcome: TurnOutcome = result.status): BotConnectorResponse {
    const route = result as RouteFields
    this.count(outcome, ctx.log, result.conversationId)
    return handoffAnswer(this.opts.handoffIntent, handoffParameters(route, this.opts.handoff.policy.target, route.reason ?? 'handed_off'), bot)
  }

  /**
   * The bot (or the store) failed. By default the customer is handed off, recorded like any handoff when the
   * store answers; otherwise the turn is recorded and the flow takes its failure path.
   */
  private async unavailable (event: MessagingEvent, ctx: HandleContext, rule: string, why: string, bot?: BotConnectorResponse): Promise<BotConnectorResponse> {
    const { handoff } = this.opts
    const { conversationId } = event
    if (!this.opts.handoffOnUnavailable) {
      try {
        const appended = await handoff.record(event)
        if (appended.handoff.state === 'done') return this.answer(await handoff.handle(event, ctx, { flow: true }), ctx)
      } catch (err) {
        ctx.log.error({ conversationId, err: describe(err) }, 'turn not recorded')
      }
      this.count('failed', ctx.log, conversationId)
      return failedAnswer(rule, why)
    }
    try {
      const result = await handoff.handle(event, ctx, { flow: true, force: { rule, reason: why } })
      return this.answer(result, ctx, bot, result.status === 'handoff_initiated' ? rule : result.status)
    } catch (err) {
      // Nothing could be recorded: hand off all the same, to the configured target.
      ctx.log.error({ conversationId, err: describe(err) }, 'handoff not recorded; answering it anyway')
      this.count(rule, ctx.log, conversationId)
      return handoffAnswer(this.opts.handoffIntent, handoffParameters({ reason: rule }, handoff.policy.target, rule), bot)
    }
  }

  private count (outcome: TurnOutcome, log: Log, conversationId: string): void {
    this.opts.telemetry?.publish('botTurn', { outcome })
    log.info({ conversationId, outcome }, 'bot connector turn')
  }
}

/** The turn as the handoff service records it, keyed by Genesys' conversation id. */
function toEvent (request: BotConnectorRequest): MessagingEvent {
  const { inputMessage } = request
  const text = inputMessage.text ?? (inputMessage.type === 'Structured' ? '[structured message]' : '')
  return {
    conversationId: request.genesysConversationId,
    event: BOT_CONNECTOR_EVENT,
    text: truncate(text, MAX_RECORDED_TEXT),
    messageId: request.messageId
  }
}

/** The handoff reason for a failure of the handoff service: its outcome label (store_unavailable, handoff_in_progress, …). */
function failureRule (err: unknown): string {
  return err instanceof HttpError ? err.outcome : INTERNAL_ERROR
}

function describe (err: unknown): string {
  if (err instanceof HttpError || err instanceof Error) return err.message
  return String(err)
}
