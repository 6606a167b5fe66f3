// The handoff decision: a pure function of the policy and the event, so it can be tested without a server
// and later grow into a policy engine (history-aware rules, versions) without touching the transport.

export type Action = 'HANDOFF' | 'CONTINUE_BOT'

export interface RoutingTarget {
  queueId: string
  /** skills the agent must have (empty: any agent of the queue) */
  skillIds: string[]
  /** routing priority (points are minutes of queue time); null leaves the queue's default */
  priority: number | null
  languageId: string | null
}

export interface Policy {
  threshold: number
  target: RoutingTarget
}

export interface IntentInput {
  intent?: string
  confidence?: number
}

export interface Decision {
  action: Action
  intent: string
  confidence: number
  threshold: number
  /** the rule that decided, stable for reporting */
  rule: 'confidence_below_threshold' | 'confidence_meets_threshold'
  reason: string
  target: RoutingTarget | null
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
