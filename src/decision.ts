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
