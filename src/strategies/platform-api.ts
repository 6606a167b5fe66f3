// Genesys' documented way to hand a messaging conversation to a queue: read the participants, write the
// context packet on the customer, blind-transfer the bot flow's place to the queue, then (when skills or a
// priority are set) update the routing data once the conversation waits in queue.
import { setTimeout as sleep } from 'node:timers/promises'
import type { GenesysClient, MessageConversation, ConversationParticipant, RoutingUpdate } from '../genesys/client.js'
import { TransferOutcomeUnknownError, describeError, mayStillBeHandled, outcomeUncertain } from '../genesys/errors.js'
import { ConversationEndedError } from '../errors.js'
import { buildContextPacket, type ContextPacketOptions } from '../context-packet.js'
import type { RoutingTarget } from '../schemas/decision.js'
import type { HandoffStrategy, StrategyContext } from './types.js'

/** Time allowed past the deadline to learn whether a transfer with an unclear outcome took effect. */
export const VERIFY_WINDOW_MS = 3000

const AGENT_PURPOSES = new Set(['agent', 'user'])
const NOT_REPLACEABLE = new Set(['customer', 'external', 'acd', ...AGENT_PURPOSES])

export interface PlatformApiOptions {
  client: GenesysClient
  context: ContextPacketOptions
  /** how often to look whether the conversation waits in queue */
  pollIntervalMs: number
  /** transfer sends at most; a resend only follows a re-read showing the previous one did not act */
  maxTransferAttempts?: number
  now?: () => number
}

/** Where a conversation stands, as far as a handoff is concerned. */
export type ConversationStage =
  | { stage: 'ended', reason: string }
  | { stage: 'bot', customer: ConversationParticipant, replace: ConversationParticipant }
  /** the bot's place was given up and nobody took it yet: a transfer is under way */
  | { stage: 'transferring', customer: ConversationParticipant }
  | { stage: 'queued', customer: ConversationParticipant, acd: ConversationParticipant }
  | { stage: 'with_agent', customer: ConversationParticipant }

const connected = (p: ConversationParticipant): boolean => p.state === 'connected' || p.state === 'alerting'

export function conversationStage (conversation: MessageConversation): ConversationStage {
  const { participants } = conversation
  const customer = participants.find(p => p.purpose === 'customer' && p.state === 'connected')
  if (customer === undefined) {
    const left = participants.some(p => p.purpose === 'customer')
    return { stage: 'ended', reason: left ? 'the customer is no longer connected' : 'the conversation has no customer participant' }
  }
  if (participants.some(p => p.purpose !== undefined && AGENT_PURPOSES.has(p.purpose) && connected(p))) return { stage: 'with_agent', customer }
  const acd = participants.find(p => p.purpose === 'acd' && connected(p))
  if (acd !== undefined) return { stage: 'queued', customer, acd }
  const replace = participants.find(p => p.state === 'connected' && !NOT_REPLACEABLE.has(p.purpose ?? ''))
  if (replace !== undefined) return { stage: 'bot', customer, replace }
  return { stage: 'transferring', customer }
}

export function routingUpdate (target: RoutingTarget): RoutingUpdate | null {
  const update: RoutingUpdate = {}
  if (target.skillIds.length > 0) update.skillIds = target.skillIds
  if (target.priority !== null) update.priority = target.priority
  if (target.languageId !== null) update.languageId = target.languageId
  return Object.keys(update).length === 0 ? null : update
}

export function platformApiStrategy (opts: PlatformApiOptions): HandoffStrategy {
  const { client } = opts
  const now = opts.now ?? Date.now
  const maxTransferAttempts = opts.maxTransferAttempts ?? 2

  async function read (ctx: StrategyContext, conversationId: string, level: 'info' | 'debug' = 'info'): Promise<ConversationStage> {
    const result = await client.getMessageConversation(conversationId, ctx, level)
    return conversationStage(result.conversation)
  }

  /**
   * Sends the transfer. After an unclear failure it re-reads the conversation: a transfer that took effect
   * stands. It is sent again only after an answer Genesys finished handling (500, 503) and a re-read showing
   * the bot still there; after a timeout or a gateway error Genesys may still be handling it, so the caller
   * is told to retry later instead (its retry reads the conversation first).
   */
  async function transfer (ctx: StrategyContext, conversationId: string, participantId: string, queueId: string): Promise<{ correlationId?: string, verified: boolean }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await client.replaceParticipantWithQueue(conversationId, participantId, queueId, ctx)
        return { correlationId: result.correlationId, verified: false }
      } catch (err) {
        if (!outcomeUncertain(err)) throw err
        const check = { ...ctx, deadline: Math.max(ctx.deadline, now() + VERIFY_WINDOW_MS) }
        let stage: ConversationStage
        try {
          await sleep(Math.min(opts.pollIntervalMs, Math.max(0, check.deadline - now() - 1000)))
          stage = await read(check, conversationId)
        } catch {
          throw new TransferOutcomeUnknownError(`${describeError(err)}; the conversation could not be re-read`)
        }
        if (stage.stage === 'ended') throw new ConversationEndedError(conversationId, stage.reason)
        if (stage.stage !== 'bot') {
          ctx.log.warn({ conversationId, stage: stage.stage }, 'transfer answered with an error but took effect; not sending it again')
          return { verified: true }
        }
        if (mayStillBeHandled(err)) {
          ctx.log.warn({ conversationId }, 'transfer outcome unknown: Genesys may still be handling it; not sending it again')
          throw new TransferOutcomeUnknownError(describeError(err))
        }
        if (attempt >= maxTransferAttempts || now() >= ctx.deadline) throw err
        ctx.log.warn({ conversationId, attempt }, 'transfer did not take effect; sending it again')
      }
    }
  }

  /** Polls until the conversation waits in queue; null once that cannot happen before the deadline. */
  async function waitForQueue (ctx: StrategyContext, conversationId: string): Promise<ConversationStage | null> {
    for (;;) {
      if (now() + opts.pollIntervalMs >= ctx.deadline) return null
      await sleep(opts.pollIntervalMs)
      let stage: ConversationStage
      try {
        stage = await read(ctx, conversationId, 'debug')
      } catch (err) {
        if (now() >= ctx.deadline) return null
        throw err
      }
      if (stage.stage !== 'bot' && stage.stage !== 'transferring') return stage
    }
  }

  async function updateRouting (ctx: StrategyContext, conversationId: string, update: RoutingUpdate, known: ConversationStage | null): Promise<string | null> {
    try {
      const stage = known?.stage === 'queued' ? known : await waitForQueue(ctx, conversationId)
      if (stage === null) return 'routing update skipped: the conversation was not waiting in queue before the handoff deadline'
      if (stage.stage === 'with_agent') return 'routing update skipped: an agent already has the conversation'
      if (stage.stage === 'ended') return `routing update skipped: ${stage.reason}`
      await client.updateRoutingConversation(conversationId, update, ctx)
      return null
    } catch (err) {
      return `routing update failed: ${describeError(err)}`
    }
  }

  return {
    name: 'platform-api',
    needsHistory: true,
    async execute (conversationId, target, ctx) {
      const warnings: string[] = []
      const stage = await read(ctx, conversationId)
      if (stage.stage === 'ended') throw new ConversationEndedError(conversationId, stage.reason)

      let replaced: string | null = null
      let contextAttributes: string[] = []
      let transferCorrelationId: string | undefined
      if (stage.stage === 'bot') {
        const packet = buildContextPacket({ decision: ctx.decision, history: ctx.history, at: new Date(now()).toISOString() }, opts.context)
        contextAttributes = Object.keys(packet)
        try {
          await client.updateParticipantAttributes(conversationId, stage.customer.id, packet, ctx)
        } catch (err) {
          // The customer still gets an agent, only without the bot's notes.
          warnings.push(`context packet not written: ${describeError(err)}`)
          contextAttributes = []
        }
        const sent = await transfer(ctx, conversationId, stage.replace.id, target.queueId)
        replaced = stage.replace.id
        transferCorrelationId = sent.correlationId
      } else {
        // An earlier attempt (or someone else) already moved it: never transfer twice.
        ctx.log.info({ conversationId, stage: stage.stage }, 'conversation already left the bot; no transfer sent')
      }

      const update = routingUpdate(target)
      let routingUpdated = false
      if (update !== null) {
        const warning = await updateRouting(ctx, conversationId, update, stage.stage === 'queued' ? stage : null)
        if (warning === null) routingUpdated = true
        else warnings.push(warning)
      }
      return {
        response: {
          queueId: target.queueId,
          skillIds: target.skillIds,
          priority: target.priority,
          languageId: target.languageId,
          transferred: replaced !== null ? 'now' : 'earlier',
          routingUpdated,
          contextAttributes,
          ...(warnings.length > 0 ? { warnings } : {})
        },
        details: {
          strategy: 'platform-api',
          queueId: target.queueId,
          skillIds: target.skillIds,
          priority: target.priority,
          languageId: target.languageId,
          replacedParticipantId: replaced,
          transferCorrelationId,
          routingUpdated,
          ...(warnings.length > 0 ? { warnings } : {})
        },
        warnings
      }
    }
  }
}
