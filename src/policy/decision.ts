// What the policy's decisions mean beyond their shape (src/schemas/decision.ts): the action each rule takes,
// the reason it gives, the record the audit trail keeps, and when a shadow decision disagrees.
import { RULES, type Action, type Decision, type DecisionRecord, type Evidence, type PolicyRuleId, type RoutingTarget } from '../schemas/decision.js'

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

/** Whether a rule id is one of the policy's own (else the way in forced the handoff). */
export function isPolicyRule (ruleId: string): ruleId is PolicyRuleId {
  return (RULES as readonly string[]).includes(ruleId)
}

/** The action each rule takes. */
export function actionOf (ruleId: PolicyRuleId): Action {
  return ruleId === 'intent_never' || ruleId === 'confidence_meets_threshold' ? 'CONTINUE_BOT' : 'HANDOFF'
}

/** The reason a rule gives, written from the facts alone (so a stored decision can be explained again). */
export function explain (ruleId: PolicyRuleId, f: ReasonFacts): string {
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
