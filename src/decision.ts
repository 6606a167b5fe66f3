// The single-threshold decision: the escalation policy with nothing configured but the environment's
// threshold and target. The policy engine lives in src/policy/; this keeps the short form for callers
// (and tests) that have no file and no history.
import { defaultPolicy } from './policy/compile.js'
import { NO_HISTORY, evaluate, type PolicyEvent } from './policy/evaluate.js'
import type { Decision } from './schemas/decision.js'
import type { PolicyDefaults } from './schemas/policy.js'

/** A threshold and a target: today's whole policy. */
export type Policy = PolicyDefaults

/** One decision without history. Compiles the policy each call: for one-off use; services keep a compiled one. */
export function decide (policy: Policy, intent: PolicyEvent['intent']): Decision {
  return evaluate(defaultPolicy(policy), NO_HISTORY, { intent })
}
