// What one event comes to, as the handoff service answers it, and the plain helpers that build those answers
// and the records kept for them.
import { maskSensitive } from './context-packet.js'
import { ConversationEndedError, HttpError } from './errors.js'
import type { Decision } from './schemas/decision.js'
import type { HandoffRecord, HistoryEntry } from './schemas/conversation.js'
import type { MessagingEvent } from './schemas/messaging.js'
import type { HandoffFailure } from './store/types.js'

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

export type Outcome =
  | { status: 'bot_continuing', action: 'CONTINUE_BOT', reason: string, conversationId: string, decision: Decision }
  | { status: 'handoff_initiated', action: 'HANDOFF', reason: string, conversationId: string, decision: Decision, [field: string]: unknown }
  | ({ status: 'handed_off', action: 'HANDOFF', conversationId: string, handoff: HandoffRecord } & RouteFields)

/** `duplicate` marks a redelivered messageId: answered as usual, recorded only once. */
export type HandoffResult = Outcome & { duplicate?: true }

export function continuing (conversationId: string, decision: Decision): Outcome {
  return { status: 'bot_continuing', action: 'CONTINUE_BOT', reason: decision.rule, conversationId, decision }
}

/** The answer for a conversation whose handoff is settled: handed off (with where to), or ended (409). */
export function settled (conversationId: string, handoff: HandoffRecord): Outcome {
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
export function failureRecord (err: unknown, now: number, retries: number): HandoffFailure {
  const known = err instanceof HttpError
  return {
    at: new Date(now).toISOString(),
    code: known ? err.code : 'INTERNAL',
    message: known ? err.message : 'internal error; see the service log',
    retries
  }
}

export function toEntry (event: MessagingEvent, now: number, raw: boolean): HistoryEntry {
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
