// Compact encodings for the stores: flat strings instead of trees of objects keep 100k conversations small.
// A decision is stored as a positional JSON list without its reason (written again from the facts on read;
// only a handoff the way in forced keeps its reason).
// The embedded store keeps a conversation's audit trail as a list of such strings, every one after the first
// stored as its difference from the first: a typical bot turn costs a dozen characters. (One string for the
// whole trail would hold less, but rewriting it on every decision leaves old-generation garbage that costs
// more resident memory than it saves.)
import { actionOf, explain } from '../policy/decision.js'
import { RULES, type DecisionRecord, type PolicyRuleId } from '../schemas/decision.js'

/** V8 returns long JSON as a tree of string parts, near twice the size; converting to a number flattens it. */
export function flat (encoded: string): string {
  Number(encoded)
  return encoded
}

const OUTCOMES = ['bot_continuing', 'handoff_initiated', 'handed_off']

// Positions: at, turn, confidence (always given; relative to the base for at and turn), then fields that are
// null when equal to the base's: rule (index in RULES, or a forced handoff's rule id), outcome, intent, event,
// threshold, policyVersion, target, then messageId, duplicate, evidence, shadow, reason (null when absent;
// reason only for a forced handoff). Trailing nulls are left out.
export type Fields = [
  at: number, turn: number, confidence: number, rule?: number | string | null, outcome?: number | string | null, intent?: string | null,
  event?: string | null, threshold?: number | null, version?: string | null, target?: DecisionRecord['target'], messageId?: string | null,
  duplicate?: 1 | null, evidence?: DecisionRecord['evidence'] | null, shadow?: DecisionRecord['shadow'] | null, reason?: string | null
]

/** The positional fields of a stored decision (a base is read this way to encode others against it). */
export function decisionFields (encoded: string): Fields {
  return JSON.parse(`[${encoded}]`) as Fields
}

/** One decision; with a base (the fields of an absolutely stored one), as its difference from the base. */
export function encodeDecision (d: DecisionRecord, base?: Fields): string {
  // RULES.indexOf once: -1 is a forced handoff's rule id, kept with its reason.
  const policyRule = RULES.indexOf(d.ruleId as PolicyRuleId)
  const changed = <T>(value: T, baseValue: T | undefined): T | null => base !== undefined && value === baseValue ? null : value
  const fields: Fields = [
    Date.parse(d.at) - (base?.[0] ?? 0),
    d.turn - (base?.[1] ?? 0),
    d.input.confidence,
    changed(policyRule === -1 ? d.ruleId : policyRule, base?.[3] ?? undefined),
    changed(outcomeCode(d.outcome), base?.[4] ?? undefined),
    changed(d.input.intent, base?.[5] ?? undefined),
    changed(d.input.event, base?.[6] ?? undefined),
    changed(d.threshold, base?.[7] ?? undefined),
    changed(d.policyVersion, base?.[8] ?? undefined),
    d.target === null || (base?.[9] !== undefined && base[9] !== null && JSON.stringify(d.target) === JSON.stringify(base[9])) ? null : d.target,
    d.messageId ?? null,
    d.duplicate === true ? 1 : null,
    d.evidence ?? null,
    d.shadow ?? null,
    policyRule === -1 ? d.reason : null
  ]
  while (fields.length > 3 && fields[fields.length - 1] === null) fields.pop()
  return flat(JSON.stringify(fields).slice(1, -1))
}

export function decodeDecision (encoded: string, base?: Fields): DecisionRecord {
  const [at, turn, confidence, rule, outcome, intent, event, threshold, version, target, messageId, duplicate, evidence, shadow, reason] = decisionFields(encoded)
  // A base stores every field: `?? base` only fills what this record left out.
  const from = <T>(value: T | null | undefined, baseValue: T | null | undefined): T => (value ?? baseValue) as T
  const code = from(rule, base?.[3])
  // A policy rule by its index; anything else is the rule id of a handoff the way in forced.
  const policyRule = typeof code === 'number' ? RULES[code] : undefined
  const ruleId = policyRule ?? String(code)
  const action = policyRule === undefined ? 'HANDOFF' : actionOf(policyRule)
  const input = { event: from(event, base?.[6]), intent: from(intent, base?.[5]), confidence }
  const outcomeValue = from(outcome, base?.[4])
  const d: DecisionRecord = {
    at: new Date(at + (base?.[0] ?? 0)).toISOString(),
    turn: turn + (base?.[1] ?? 0),
    ...(messageId !== null && messageId !== undefined ? { messageId } : {}),
    ...(duplicate === 1 ? { duplicate: true } : {}),
    input,
    action,
    ruleId,
    reason: '',
    threshold: from(threshold, base?.[7]),
    target: action === 'HANDOFF' ? target ?? base?.[9] ?? null : null,
    policyVersion: from(version, base?.[8]),
    outcome: typeof outcomeValue === 'number' ? OUTCOMES[outcomeValue] ?? 'unknown' : outcomeValue,
    ...(evidence !== null && evidence !== undefined ? { evidence } : {}),
    ...(shadow !== null && shadow !== undefined ? { shadow } : {})
  }
  d.reason = policyRule === undefined
    ? reason ?? ''
    : explain(policyRule, { intent: input.intent, confidence, threshold: d.threshold, turn: d.turn, ...(d.evidence !== undefined ? { evidence: d.evidence } : {}) })
  return d
}

function outcomeCode (outcome: string): number | string {
  const code = OUTCOMES.indexOf(outcome)
  return code === -1 ? outcome : code
}

/**
 * Adds a decision to a trail (first whole, the rest as differences), keeping at most `max` (trimmed in batches: a
 * new first one means re-encoding the rest). The same list unless trimmed.
 */
export function appendToTrail (trail: string[], decision: DecisionRecord, max: number): string[] {
  trail.push(trail.length === 0 ? encodeDecision(decision) : encodeDecision(decision, decisionFields(trail[0] as string)))
  if (trail.length <= max + Math.max(4, Math.ceil(max / 4))) return trail
  const kept = readTrail(trail, max)
  const first = encodeDecision(kept[0] as DecisionRecord)
  const fields = decisionFields(first)
  return [first, ...kept.slice(1).map(d => encodeDecision(d, fields))]
}

/** The newest `max` decisions of a trail, oldest first. */
export function readTrail (trail: readonly string[] | undefined, max: number): DecisionRecord[] {
  if (trail === undefined || trail.length === 0 || max <= 0) return []
  const base = decisionFields(trail[0] as string)
  const from = Math.max(0, trail.length - max)
  return trail.slice(from).map((line, i) => i + from === 0 ? decodeDecision(line) : decodeDecision(line, base))
}
