// What the escalation policy decided for one event (Decision, part of the webhook's answer), where a handoff
// goes (RoutingTarget), and what the conversation record keeps of a decision (DecisionRecord, the audit
// trail GET /conversations/:id shows).
import { Type, type Static } from 'typebox'
import { EXAMPLE_QUEUE_ID } from './common.js'

export const ACTIONS = ['HANDOFF', 'CONTINUE_BOT'] as const
export const ActionSchema = Type.Enum(ACTIONS)
export type Action = Static<typeof ActionSchema>

/** The policy's rule ids, in the order it tries them (src/policy/evaluate.ts); stable for reporting and metrics. */
export const RULES = [
  'intent_never',
  'intent_always',
  'human_request',
  'intent_confidence_below_threshold',
  'confidence_below_threshold',
  'low_confidence_streak',
  'max_bot_turns',
  'confidence_meets_threshold'
] as const
export const PolicyRuleIdSchema = Type.Enum(RULES)
export type PolicyRuleId = Static<typeof PolicyRuleIdSchema>

/** One of the policy's rules, or why the way in handed off whatever the policy says (e.g. bot_unavailable). */
const RuleIdSchema = Type.String({
  description: "the rule that decided, stable for reporting: one of the escalation policy's rules, or for a handoff the way in " +
    'forced whatever the policy says, its reason (bot_requested_handoff, bot_unavailable, store_unavailable, ...)'
})

const Id = Type.String({ minLength: 1, maxLength: 200 })

/** Where a handoff goes. Also the shape of a target in a policy file (there every field is optional). */
export const RoutingTargetSchema = Type.Object({
  queueId: Id,
  skillIds: Type.Array(Id, { maxItems: 50, description: 'skills the agent must have (empty: any agent of the queue)' }),
  priority: Type.Union([Type.Integer({ minimum: 0, maximum: 99_999_999 }), Type.Null()], {
    description: "routing priority (points are minutes of queue time); null leaves the queue's default"
  }),
  languageId: Type.Union([Id, Type.Null()])
}, { additionalProperties: false })
export type RoutingTarget = Static<typeof RoutingTargetSchema>

/** What a rule saw beyond intent and confidence, for the rules that read more. */
export const EvidenceSchema = Type.Object({
  phrase: Type.Optional(Type.String({ description: 'human_request: the phrase found in the text' })),
  run: Type.Optional(Type.Integer({ description: 'low_confidence_streak: events in a row under the soft threshold' })),
  softThreshold: Type.Optional(Type.Number({ description: 'low_confidence_streak: the soft threshold' })),
  limit: Type.Optional(Type.Integer({ description: 'max_bot_turns: the limit this turn passed' }))
})
export type Evidence = Static<typeof EvidenceSchema>

export const DecisionSchema = Type.Object({
  action: ActionSchema,
  intent: Type.String(),
  confidence: Type.Number(),
  threshold: Type.Number({ description: 'the confidence threshold that applies to this intent' }),
  rule: Type.String({ description: 'same as ruleId (kept for earlier clients)' }),
  ruleId: RuleIdSchema,
  reason: Type.String(),
  target: Type.Union([RoutingTargetSchema, Type.Null()]),
  policyVersion: Type.String({ description: 'short sha256 of the effective policy that decided' }),
  turn: Type.Integer({ minimum: 1, description: "this event is the conversation's turn-th" }),
  evidence: Type.Optional(EvidenceSchema)
})
export type Decision = Static<typeof DecisionSchema>

export const ShadowVerdictSchema = Type.Object({
  action: ActionSchema,
  ruleId: RuleIdSchema,
  policyVersion: Type.String(),
  target: Type.Union([RoutingTargetSchema, Type.Null()])
}, { description: 'what the shadow policy would have done, when it disagreed' })
export type ShadowVerdict = Static<typeof ShadowVerdictSchema>

export const DecisionRecordSchema = Type.Object({
  at: Type.String({ description: 'when the decision was made' }),
  turn: Type.Integer(),
  messageId: Type.Optional(Type.String()),
  duplicate: Type.Optional(Type.Boolean({ description: 'a redelivery: decided again, recorded in the history once' })),
  input: Type.Object({ event: Type.String(), intent: Type.String(), confidence: Type.Number() }),
  action: ActionSchema,
  ruleId: RuleIdSchema,
  reason: Type.String(),
  threshold: Type.Number(),
  target: Type.Union([RoutingTargetSchema, Type.Null()]),
  policyVersion: Type.String(),
  outcome: Type.String({ description: 'bot_continuing, handoff_initiated, handed_off, or the error code the event was answered with' }),
  evidence: Type.Optional(EvidenceSchema),
  shadow: Type.Optional(ShadowVerdictSchema)
})
export type DecisionRecord = Static<typeof DecisionRecordSchema>

export const EXAMPLE_POLICY_VERSION = '73be6a82135c'

export function decisionExample (confidence: number, handoff: boolean): Decision {
  const ruleId = handoff ? 'confidence_below_threshold' : 'confidence_meets_threshold'
  return {
    action: handoff ? 'HANDOFF' : 'CONTINUE_BOT',
    intent: handoff ? 'billing_dispute' : 'order_status',
    confidence,
    threshold: 0.75,
    rule: ruleId,
    ruleId,
    reason: handoff
      ? `intent 'billing_dispute' confidence ${confidence} is below threshold 0.75`
      : `intent 'order_status' confidence ${confidence} meets threshold 0.75`,
    target: handoff ? { queueId: EXAMPLE_QUEUE_ID, skillIds: [], priority: null, languageId: null } : null,
    policyVersion: EXAMPLE_POLICY_VERSION,
    turn: 1
  }
}
