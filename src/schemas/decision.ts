// What the service decided for one event, and where a handoff goes.
import { Type, type Static } from 'typebox'
import { EXAMPLE_QUEUE_ID } from './common.js'

export const ActionSchema = Type.Union([Type.Literal('HANDOFF'), Type.Literal('CONTINUE_BOT')])
export type Action = Static<typeof ActionSchema>

export const RoutingTargetSchema = Type.Object({
  queueId: Type.String(),
  skillIds: Type.Array(Type.String(), { description: 'skills the agent must have (empty: any agent of the queue)' }),
  priority: Type.Union([Type.Integer(), Type.Null()], { description: "routing priority; null leaves the queue's default" }),
  languageId: Type.Union([Type.String(), Type.Null()])
})
export type RoutingTarget = Static<typeof RoutingTargetSchema>

export const DecisionSchema = Type.Object({
  action: ActionSchema,
  intent: Type.String(),
  confidence: Type.Number(),
  threshold: Type.Number(),
  rule: Type.String({ description: 'the rule that decided, stable for reporting' }),
  reason: Type.String(),
  target: Type.Union([RoutingTargetSchema, Type.Null()])
})
export type Decision = Static<typeof DecisionSchema>

export function decisionExample (confidence: number, handoff: boolean): Decision {
  return {
    action: handoff ? 'HANDOFF' : 'CONTINUE_BOT',
    intent: handoff ? 'billing_dispute' : 'order_status',
    confidence,
    threshold: 0.75,
    rule: handoff ? 'confidence_below_threshold' : 'confidence_meets_threshold',
    reason: handoff
      ? `intent 'billing_dispute' confidence ${confidence} is below threshold 0.75`
      : `intent 'order_status' confidence ${confidence} meets threshold 0.75`,
    target: handoff ? { queueId: EXAMPLE_QUEUE_ID, skillIds: [], priority: null, languageId: null } : null
  }
}
