// Compact encodings for the embedded store: one flat string per item instead of a tree of objects keeps
// 100k conversations small. Positional arrays, so field names are not repeated in every item.
import type { DecisionRecord } from '../policy/decision.js'

/** V8 returns long JSON as a tree of string parts, near twice the size; converting to a number flattens it. */
export function flat (encoded: string): string {
  Number(encoded)
  return encoded
}

type EncodedDecision = [
  at: string, turn: number, event: string, intent: string, confidence: number, action: DecisionRecord['action'],
  ruleId: DecisionRecord['ruleId'], reason: string, threshold: number, target: DecisionRecord['target'],
  policyVersion: string, outcome: string, messageId: string | null, duplicate: 0 | 1, shadow: DecisionRecord['shadow'] | null
]

export function encodeDecision (d: DecisionRecord): string {
  const fields: EncodedDecision = [
    d.at, d.turn, d.input.event, d.input.intent, d.input.confidence, d.action, d.ruleId, d.reason, d.threshold, d.target,
    d.policyVersion, d.outcome, d.messageId ?? null, d.duplicate === true ? 1 : 0, d.shadow ?? null
  ]
  return flat(JSON.stringify(fields))
}

export function decodeDecision (encoded: string): DecisionRecord {
  const [at, turn, event, intent, confidence, action, ruleId, reason, threshold, target, policyVersion, outcome, messageId, duplicate, shadow] =
    JSON.parse(encoded) as EncodedDecision
  return {
    at,
    turn,
    ...(messageId !== null ? { messageId } : {}),
    ...(duplicate === 1 ? { duplicate: true } : {}),
    input: { event, intent, confidence },
    action,
    ruleId,
    reason,
    threshold,
    target,
    policyVersion,
    outcome,
    ...(shadow !== null ? { shadow } : {})
  }
}
