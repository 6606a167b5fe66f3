// The single-threshold decision: the escalation policy with nothing configured but the environment's
// threshold and target. The policy engine lives in src/policy/; this keeps the short form for callers
// (and tests) that have no file and no history.
import { defaultPolicy } from './policy/compile.js'
import type { Decision } from './policy/decision.js'
import { NO_HISTORY, evaluate } from './policy/evaluate.js'
import type { PolicyDefaults } from './policy/schema.js'

export type { Action, Decision } from './policy/decision.js'
export type { RoutingTarget } from './policy/schema.js'

/** A threshold and a target: today's whole policy. */
export type Policy = PolicyDefaults

export interface IntentInput {
  intent?: string
  confidence?: number
}

/** One decision without history. Compiles the policy each call: for one-off use; services keep a compiled one. */
export function decide (policy: Policy, intent: IntentInput | undefined): Decision {
  return evaluate(defaultPolicy(policy), NO_HISTORY, { intent })
}
