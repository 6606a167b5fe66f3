// The handoff decision: a pure function of the policy and the event, so it can be tested without a server.
import type { Decision, RoutingTarget } from './schemas/decision.js'

export interface Policy {
  threshold: number
  target: RoutingTarget
}

export interface IntentInput {
  intent?: string
  confidence?: number
}

export function decide (policy: Policy, intent: IntentInput | undefined): Decision {
  const name = intent?.intent ?? 'unknown'
  const confidence = intent?.confidence ?? 0
  const { threshold } = policy
  if (confidence < threshold) {
    return {
      action: 'HANDOFF',
      intent: name,
      confidence,
      threshold,
      rule: 'confidence_below_threshold',
      reason: `intent '${name}' confidence ${confidence} is below threshold ${threshold}`,
      target: policy.target
    }
  }
  return {
    action: 'CONTINUE_BOT',
    intent: name,
    confidence,
    threshold,
    rule: 'confidence_meets_threshold',
    reason: `intent '${name}' confidence ${confidence} meets threshold ${threshold}`,
    target: null
  }
}

/** Why a handoff is made whatever the confidence: the bot asked for it, or it could not answer. */
export interface ForcedHandoff {
  /** stable rule id, e.g. bot_unavailable */
  rule: string
  reason: string
}

/** A HANDOFF decision that does not depend on the confidence (recorded like any other decision). */
export function forcedHandoff (policy: Policy, intent: IntentInput | undefined, forced: ForcedHandoff): Decision {
  return {
    action: 'HANDOFF',
    intent: intent?.intent ?? 'unknown',
    confidence: intent?.confidence ?? 0,
    threshold: policy.threshold,
    rule: forced.rule,
    reason: forced.reason,
    target: policy.target
  }
}
