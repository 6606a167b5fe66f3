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

/** What a rule saw beyond intent and confidence, for the rules that read more. */
export const EvidenceSchema = Type.Object({
  /** human_request: the phrase found in the text */
  phrase: Type.Optional(Type.String()),
  /** low_confidence_streak: events in a row under the soft threshold, and that threshold */
  run: Type.Optional(Type.Integer()),
  softThreshold: Type.Optional(Type.Number()),
  /** max_bot_turns: the limit this turn passed */
  limit: Type.Optional(Type.Integer())
})
export type Evidence = Static<typeof EvidenceSchema>

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
  turn: Type.Integer({ minimum: 1, description: 'this event is the conversation\'s turn-th' }),
  evidence: Type.Optional(EvidenceSchema)
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
  evidence: Type.Optional(EvidenceSchema),
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
    ...(d.evidence !== undefined ? { evidence: d.evidence } : {}),
    ...(shadow !== undefined && shadow !== null
      ? { shadow: { action: shadow.action, ruleId: shadow.ruleId, policyVersion: shadow.policyVersion, target: shadow.target } }
      : {})
  }
}

export interface ReasonFacts {
  intent: string
  confidence: number
  threshold: number
  turn: number
  evidence?: Evidence
}

/** The action each rule takes. */
export function actionOf (ruleId: RuleId): Action {
  return ruleId === 'intent_never' || ruleId === 'confidence_meets_threshold' ? 'CONTINUE_BOT' : 'HANDOFF'
}

/** The reason a rule gives, written from the facts alone (so a stored decision can be explained again). */
export function explain (ruleId: RuleId, f: ReasonFacts): string {
  switch (ruleId) {
    case 'intent_never': return `intent '${f.intent}' never hands off`
    case 'intent_always': return `intent '${f.intent}' always hands off`
    case 'human_request': return `the customer asked for a human ('${f.evidence?.phrase ?? '?'}')`
    case 'intent_confidence_below_threshold': return `intent '${f.intent}' confidence ${f.confidence} is below its threshold ${f.threshold}`
    case 'confidence_below_threshold': return `intent '${f.intent}' confidence ${f.confidence} is below threshold ${f.threshold}`
    case 'low_confidence_streak': return `${f.evidence?.run ?? '?'} events in a row below the soft threshold ${f.evidence?.softThreshold ?? '?'}`
    case 'max_bot_turns': return `turn ${f.turn} is past the limit of ${f.evidence?.limit ?? '?'} bot turns`
    case 'confidence_meets_threshold': return `intent '${f.intent}' confidence ${f.confidence} meets threshold ${f.threshold}`
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
