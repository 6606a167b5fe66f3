// A conversation as the store keeps it: its recorded events and its once-only handoff state.
import { Type, type Static } from 'typebox'
import { ConversationId, EXAMPLE_ID, EXAMPLE_QUEUE_ID } from './common.js'
import { DecisionRecordSchema, EXAMPLE_POLICY_VERSION } from './decision.js'

export const HistoryEntrySchema = Type.Object({
  event: Type.String(),
  intent: Type.Object({ intent: Type.String(), confidence: Type.Number() }),
  text: Type.String(),
  timestamp: Type.String(),
  messageId: Type.Optional(Type.String({ description: "the sender's id for this delivery; a second append with the same id is not recorded" }))
})
export type HistoryEntry = Static<typeof HistoryEntrySchema>

export const HandoffStateSchema = Type.Union([Type.Literal('none'), Type.Literal('pending'), Type.Literal('done')])
export type HandoffState = Static<typeof HandoffStateSchema>

export const HandoffRecordSchema = Type.Object({
  state: HandoffStateSchema,
  at: Type.Optional(Type.String({ description: 'when the handoff completed' })),
  claimedAt: Type.Optional(Type.String({ description: 'when the handoff started (pending, and kept once done)' })),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown()))
})
export type HandoffRecord = Static<typeof HandoffRecordSchema>

/** Failed attempts kept per conversation; older ones are dropped. */
export const MAX_FAILURES = 20

export const HandoffFailureSchema = Type.Object({
  at: Type.String(),
  code: Type.String({ description: 'error code, e.g. GENESYS_UNAVAILABLE' }),
  message: Type.String({ description: 'the message the webhook caller got' }),
  retries: Type.Integer({ description: 'Genesys call retries during the attempt' })
}, { description: 'A handoff attempt that failed and was released for a retry' })
export type HandoffFailure = Static<typeof HandoffFailureSchema>

export const ConversationSnapshotSchema = Type.Object({
  conversationId: Type.String(),
  history: Type.Array(HistoryEntrySchema),
  handoff: HandoffRecordSchema,
  turns: Type.Integer({ description: "events recorded over the conversation's life (history keeps the newest)" }),
  decisions: Type.Array(DecisionRecordSchema, { description: "the escalation policy's decisions, oldest first: inputs, rule, policy version, outcome" }),
  failures: Type.Optional(Type.Array(HandoffFailureSchema, { description: `failed handoff attempts, oldest first (the last ${MAX_FAILURES})` }))
}, {
  examples: [{
    conversationId: EXAMPLE_ID,
    history: [{ event: 'message', intent: { intent: 'billing_dispute', confidence: 0.41 }, text: 'I want to dispute a charge', timestamp: '2026-11-25T12:00:00.000Z' }],
    handoff: { state: 'done', at: '2026-11-25T12:00:00.120Z', details: { strategy: 'routing-metadata' } },
    turns: 1,
    decisions: [{
      at: '2026-11-25T12:00:00.001Z',
      turn: 1,
      input: { event: 'message', intent: 'billing_dispute', confidence: 0.41 },
      action: 'HANDOFF',
      ruleId: 'confidence_below_threshold',
      reason: "intent 'billing_dispute' confidence 0.41 is below threshold 0.75",
      threshold: 0.75,
      target: { queueId: EXAMPLE_QUEUE_ID, skillIds: [], priority: null, languageId: null },
      policyVersion: EXAMPLE_POLICY_VERSION,
      outcome: 'handoff_initiated'
    }]
  }]
})
export type ConversationSnapshot = Static<typeof ConversationSnapshotSchema>

export const ConversationParams = Type.Object({ conversationId: ConversationId })

// Listing recent conversations (operator console).

export const ConversationSummarySchema = Type.Object({
  conversationId: Type.String(),
  lastActivity: Type.String({ description: 'the last append or handoff change' }),
  events: Type.Integer({ description: 'events kept' }),
  last: Type.Union([HistoryEntrySchema, Type.Null()]),
  handoff: HandoffRecordSchema,
  failures: Type.Integer({ description: `failed handoff attempts kept (at most ${MAX_FAILURES})` })
})
export type ConversationSummary = Static<typeof ConversationSummarySchema>

export const ListQuerySchema = Type.Object({
  state: Type.Optional(HandoffStateSchema),
  offset: Type.Integer({ minimum: 0 }),
  limit: Type.Integer({ minimum: 1 })
})
export type ListQuery = Static<typeof ListQuerySchema>

export const ConversationPageSchema = Type.Object({
  items: Type.Array(ConversationSummarySchema, { description: 'newest activity first' }),
  total: Type.Integer({ description: 'conversations matching the query, for paging' })
})
export type ConversationPage = Static<typeof ConversationPageSchema>
