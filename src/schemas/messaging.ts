// The webhook's request and answer.
import { Type, type Static } from 'typebox'
import { ConversationId, EXAMPLE_ID, EXAMPLE_QUEUE_ID } from './common.js'
import { ActionSchema, DecisionSchema, decisionExample } from './decision.js'
import { HandoffRecordSchema } from './conversation.js'

const MessageId = Type.String({
  minLength: 1, maxLength: 200, description: 'sender id of this delivery; a redelivery with the same id is recorded once'
})
const EVENT_DESCRIPTION = 'A messaging event. Unknown extra fields are accepted and ignored.'

export const MessagingEventSchema = Type.Object({
  conversationId: ConversationId,
  event: Type.String({ minLength: 1, maxLength: 100, description: 'event type, e.g. message' }),
  intent: Type.Optional(Type.Object({
    intent: Type.Optional(Type.String({ maxLength: 200, description: 'intent name; unknown when absent' })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'bot confidence; 0 when absent' }))
  })),
  text: Type.Optional(Type.String({ maxLength: 4000, description: 'the customer message' })),
  messageId: Type.Optional(MessageId),
  decisionOnly: Type.Optional(Type.Boolean({
    description: 'decide and record only, whatever HANDOFF_STRATEGY says: no Platform API call; the caller (an Architect flow, ' +
      'e.g. through a Data Action) transfers to the queueId/skillIds/priority in the answer'
  }))
}, {
  description: EVENT_DESCRIPTION,
  examples: [
    { conversationId: EXAMPLE_ID, event: 'message', intent: { intent: 'order_status', confidence: 0.91 }, text: 'Where is my order?' },
    { conversationId: EXAMPLE_ID, event: 'message', intent: { intent: 'billing_dispute', confidence: 0.41 }, text: 'I want to dispute a charge' }
  ]
})
export type MessagingEvent = Static<typeof MessagingEventSchema>

/** The event with messageId required (WEBHOOK_REQUIRE_MESSAGE_ID): a replay is then recorded once. */
export const MessagingEventWithIdSchema = Type.Object({ ...MessagingEventSchema.properties, messageId: MessageId }, {
  description: `${EVENT_DESCRIPTION} messageId is required.`
})

export const WebhookStatus = Type.Union([
  Type.Literal('bot_continuing'), Type.Literal('handoff_initiated'), Type.Literal('handed_off')
], { description: 'bot_continuing: the bot answers; handoff_initiated: this event handed off; handed_off: already handed off (by this or an earlier event, on any instance)' })

export const WebhookAnswerSchema = Type.Object({
  status: WebhookStatus,
  action: Type.Optional(ActionSchema),
  reason: Type.Optional(Type.String({ description: 'the rule that decided (stable id, e.g. confidence_below_threshold)' })),
  conversationId: Type.String(),
  queueId: Type.Optional(Type.String({ description: 'handoffs: the queue to transfer to' })),
  skillIds: Type.Optional(Type.Array(Type.String())),
  priority: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: 'absent or null: the queue default' })),
  languageId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  summary: Type.Optional(Type.String({ description: 'flow-based handoffs: short masked context for the agent' })),
  decision: Type.Optional(DecisionSchema),
  strategy: Type.Optional(Type.String()),
  routingMetadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  handoff: Type.Optional(HandoffRecordSchema),
  duplicate: Type.Optional(Type.Boolean({ description: 'true when this messageId was delivered before: answered, recorded once' }))
}, {
  additionalProperties: true,
  description: 'What the service did with the event',
  'x-examples': {
    bot_continuing: { value: { status: 'bot_continuing', action: 'CONTINUE_BOT', reason: 'confidence_meets_threshold', conversationId: EXAMPLE_ID, decision: decisionExample(0.91, false) } },
    handoff_initiated: {
      value: {
        status: 'handoff_initiated',
        action: 'HANDOFF',
        reason: 'confidence_below_threshold',
        conversationId: EXAMPLE_ID,
        strategy: 'flow',
        queueId: EXAMPLE_QUEUE_ID,
        skillIds: [],
        summary: "intent 'billing_dispute' confidence 0.41 is below threshold 0.75; 1 turn; last: I want to dispute a charge",
        decision: decisionExample(0.41, true)
      }
    },
    handed_off: {
      value: {
        status: 'handed_off',
        action: 'HANDOFF',
        conversationId: EXAMPLE_ID,
        queueId: EXAMPLE_QUEUE_ID,
        skillIds: [],
        handoff: { state: 'done', at: '2026-11-25T12:00:00.000Z', details: { strategy: 'platform-api', queueId: EXAMPLE_QUEUE_ID, skillIds: [], priority: null, languageId: null } }
      }
    }
  }
})
export type WebhookAnswer = Static<typeof WebhookAnswerSchema>
