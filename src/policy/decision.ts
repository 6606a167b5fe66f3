// What a policy decides for one event (Decision, part of the webhook's answer) and what the conversation
// record keeps of it (DecisionRecord, the audit trail GET /conversations/:id shows).
import { Type, type Static } from 'typebox'
import { RoutingTargetSchema, type RoutingTarget } from './schema.js'

/** Rule ids, in the order evaluate() tries them; stable for reporting and metrics. */
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
export type RuleId = typeof RULES[number]

export const ACTIONS = ['HANDOFF', 'CONTINUE_BOT'] as const
export const ActionSchema = Type.Enum(ACTIONS)
export type Action = Static<typeof ActionSchema>

const Rule = Type.Enum(RULES, { description: 'the rule that decided, stable for reporting' })

export const DecisionSchema = Type.Object({
  action: ActionSchema,
  intent: Type.String(),
  confidence: Type.Number(),
  /** the confidence threshold that applies to this intent */
  threshold: Type.Number(),
  /** same as ruleId (kept for earlier clients) */
  rule: Rule,
  ruleId: Rule,
  reason: Type.String(),
  target: Type.Union([RoutingTargetSchema, Type.Null()]),
  policyVersion: Type.String({ description: 'short sha256 of the effective policy that decided' }),
  turn: Type.Integer({ minimum: 1, description: 'this event is the conversation\'s turn-th' })
})
export type Decision = Static<typeof DecisionSchema>

const ShadowVerdict = Type.Object({
  action: ActionSchema,
  ruleId: Rule,
  policyVersion: Type.String(),
  target: Type.Union([RoutingTargetSchema, Type.Null()])
}, { description: 'what the shadow policy would have done, when it disagreed' })

export const DecisionRecordSchema = Type.Object({
  at: Type.String({ description: 'when the decision was made' }),
  turn: Type.Integer(),
  messageId: Type.Optional(Type.String()),
  duplicate: Type.Optional(Type.Boolean({ description: 'a redelivery: decided again, recorded in the history once' })),
  input: Type.Object({ event: Type.String(), intent: Type.String(), confidence: Type.Number() }),
  action: ActionSchema,
  ruleId: Rule,
  reason: Type.String(),
  threshold: Type.Number(),
  target: Type.Union([RoutingTargetSchema, Type.Null()]),
  policyVersion: Type.String(),
  outcome: Type.String({ description: 'bot_continuing, handoff_initiated, handed_off, or the error code the event was answered with' }),
  shadow: Type.Optional(ShadowVerdict)
})
export type DecisionRecord = Static<typeof DecisionRecordSchema>

export interface AuditInput {
  decision: Decision
  event: string
  outcome: string
  at: string
  messageId?: string
  duplicate?: boolean
  /** the shadow policy's decision, kept only when it disagrees */
  shadow?: Decision | null
}

export function auditRecord ({ decision: d, event, outcome, at, messageId, duplicate, shadow }: AuditInput): DecisionRecord {
  return {
    at,
    turn: d.turn,
    ...(messageId !== undefined ? { messageId } : {}),
    ...(duplicate === true ? { duplicate } : {}),
    input: { event, intent: d.intent, confidence: d.confidence },
    action: d.action,
    ruleId: d.ruleId,
    reason: d.reason,
    threshold: d.threshold,
    target: d.target,
    policyVersion: d.policyVersion,
    outcome,
    ...(shadow !== undefined && shadow !== null
      ? { shadow: { action: shadow.action, ruleId: shadow.ruleId, policyVersion: shadow.policyVersion, target: shadow.target } }
      : {})
  }
}

/** Whether two decisions would treat the customer differently: another action, or another place. */
export function disagree (a: Decision, b: Decision): boolean {
  if (a.action !== b.action) return true
  return a.action === 'HANDOFF' && !sameTarget(a.target, b.target)
}

function sameTarget (a: RoutingTarget | null, b: RoutingTarget | null): boolean {
  if (a === null || b === null) return a === b
  return a.queueId === b.queueId && a.priority === b.priority && a.languageId === b.languageId &&
    a.skillIds.length === b.skillIds.length && a.skillIds.every((s, i) => s === b.skillIds[i])
}
