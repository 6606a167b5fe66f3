// Shared JSON schemas for requests and answers; they validate, serialize and document (OpenAPI) at once.
import { Type } from '@fastify/type-provider-typebox'
import { DecisionRecordSchema, DecisionSchema } from '../../src/policy/decision.js'

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
const EXAMPLE_ID = '4ff43965-ec45-4f8c-8019-d83551de6d0a'

/** The one error shape every route answers with. */
const errorShape = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String({ description: 'HTTP reason phrase' }),
  code: Type.Optional(Type.String({ description: 'machine-readable code, e.g. GENESYS_REJECTED' })),
  message: Type.String({ description: 'what went wrong, naming the field or the upstream status' })
}, { description: 'Error' })
export const ErrorResponse = { ...errorShape, $id: 'ErrorResponse' }

// Inlined per response (not a $ref) so each keeps its own examples in the OpenAPI document.
const errorRef = (description: string, examples: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ ...errorShape, description, ...extra, 'x-examples': Object.fromEntries(examples.map((value, i) => [`example${i + 1}`, { value }])) })

export const errors = {
  400: (examples: Array<Record<string, unknown>>) => errorRef('Invalid request', examples),
  401: errorRef('Authentication missing or wrong', [{ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHORIZED', message: 'operator authentication required' }]),
  signature: errorRef('Missing or wrong X-Hub-Signature-256 (when WEBHOOK_SECRET is set)', [
    { statusCode: 401, error: 'Unauthorized', code: 'INVALID_SIGNATURE', message: 'missing or invalid x-hub-signature-256 signature' }
  ]),
  404: errorRef('Not found', [{ statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: `conversation ${EXAMPLE_ID} has no recorded history` }]),
  409: errorRef('The conversation has ended (platform-api found no connected customer); later events answer 409 too', [
    { statusCode: 409, error: 'Conflict', code: 'CONVERSATION_ENDED', message: `conversation ${EXAMPLE_ID} has ended (no connected customer); nothing to hand off` }
  ]),
  413: errorRef('Body larger than WEBHOOK_BODY_LIMIT', [{ statusCode: 413, error: 'Payload Too Large', code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'Request body is too large' }]),
  415: errorRef('Body is not application/json', [{ statusCode: 415, error: 'Unsupported Media Type', code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'Unsupported Media Type' }]),
  502: errorRef('Genesys refused the call (400/403/404 or the token request)', [
    { statusCode: 502, error: 'Bad Gateway', code: 'GENESYS_REJECTED', message: 'routing update rejected by Genesys: status 404, code not.found, correlation id 0f6c2a7e-1d3b-4a0e-9a1c-3b5e8f2d7c41: conversation not found' },
    { statusCode: 502, error: 'Bad Gateway', code: 'GENESYS_REJECTED', message: 'token request rejected by Genesys: status 401, code invalid_client: client credentials are invalid' }
  ]),
  503: errorRef('Genesys or the store unavailable, or another instance still handing off; retry after Retry-After seconds', [
    { statusCode: 503, error: 'Service Unavailable', code: 'GENESYS_UNAVAILABLE', message: 'routing update failed: Genesys kept answering 429 (status 429, code too.many.requests, correlation id 0f6c2a7e-1d3b-4a0e-9a1c-3b5e8f2d7c41); retry later' },
    { statusCode: 503, error: 'Service Unavailable', code: 'GENESYS_UNAVAILABLE', message: 'token request failed: Genesys unreachable (ECONNREFUSED); retry later' },
    { statusCode: 503, error: 'Service Unavailable', code: 'STORE_UNAVAILABLE', message: 'conversation store unavailable (Connection is closed.); retry later' },
    { statusCode: 503, error: 'Service Unavailable', code: 'HANDOFF_IN_PROGRESS', message: `the handoff of conversation ${EXAMPLE_ID} is being handled by another instance and did not complete in time; retry later` }
  ], { headers: { 'retry-after': { type: 'integer', description: 'seconds to wait before retrying the webhook' } } })
}

export const MessagingEvent = Type.Object({
  conversationId: Type.String({ pattern: UUID_PATTERN, description: 'Genesys conversation id (UUID)' }),
  event: Type.String({ minLength: 1, maxLength: 100, description: 'event type, e.g. message' }),
  intent: Type.Optional(Type.Object({
    intent: Type.Optional(Type.String({ maxLength: 200, description: 'intent name; unknown when absent' })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'bot confidence; 0 when absent' }))
  })),
  text: Type.Optional(Type.String({ maxLength: 4000, description: 'the customer message' })),
  messageId: Type.Optional(Type.String({
    minLength: 1, maxLength: 200, description: 'sender id of this delivery; a redelivery with the same id is recorded once'
  }))
}, {
  description: 'A messaging event. Unknown extra fields are accepted and ignored.',
  examples: [
    { conversationId: EXAMPLE_ID, event: 'message', intent: { intent: 'order_status', confidence: 0.91 }, text: 'Where is my order?' },
    { conversationId: EXAMPLE_ID, event: 'message', intent: { intent: 'billing_dispute', confidence: 0.41 }, text: 'I want to dispute a charge' }
  ]
})

export const Decision = { ...DecisionSchema, $id: 'Decision' }

export const HandoffRecord = Type.Object({
  state: Type.Union([Type.Literal('none'), Type.Literal('pending'), Type.Literal('done')]),
  at: Type.Optional(Type.String({ description: 'when the handoff completed' })),
  claimedAt: Type.Optional(Type.String({ description: 'when the pending handoff started' })),
  details: Type.Optional(Type.Object({}, { additionalProperties: true }))
}, { $id: 'HandoffRecord' })

const decisionExample = (confidence: number, handoff: boolean): Record<string, unknown> => ({
  action: handoff ? 'HANDOFF' : 'CONTINUE_BOT',
  intent: handoff ? 'billing_dispute' : 'order_status',
  confidence,
  threshold: 0.75,
  rule: handoff ? 'confidence_below_threshold' : 'confidence_meets_threshold',
  reason: handoff
    ? `intent 'billing_dispute' confidence ${confidence} is below threshold 0.75`
    : `intent 'order_status' confidence ${confidence} meets threshold 0.75`,
  target: handoff ? { queueId: 'c0ffee00-0000-4000-8000-000000000001', skillIds: [], priority: null, languageId: null } : null,
  ruleId: handoff ? 'confidence_below_threshold' : 'confidence_meets_threshold',
  policyVersion: '73be6a82135c',
  turn: 1
})

export const WebhookAnswer = Type.Object({
  status: Type.Union([
    Type.Literal('bot_continuing'), Type.Literal('handoff_initiated'), Type.Literal('handed_off')
  ], { description: 'bot_continuing: the bot answers; handoff_initiated: this event handed off; handed_off: already handed off (by this or an earlier event, on any instance)' }),
  conversationId: Type.String(),
  decision: Type.Optional(Type.Ref('Decision')),
  strategy: Type.Optional(Type.String()),
  routingMetadata: Type.Optional(Type.Object({}, { additionalProperties: true })),
  handoff: Type.Optional(Type.Ref('HandoffRecord')),
  duplicate: Type.Optional(Type.Boolean({ description: 'true when this messageId was delivered before: answered, recorded once' }))
}, {
  additionalProperties: true,
  description: 'What the service did with the event',
  'x-examples': {
    bot_continuing: { value: { status: 'bot_continuing', conversationId: EXAMPLE_ID, decision: decisionExample(0.91, false) } },
    handoff_initiated: {
      value: {
        status: 'handoff_initiated',
        conversationId: EXAMPLE_ID,
        strategy: 'routing-metadata',
        routingMetadata: { queue: { id: 'c0ffee00-0000-4000-8000-000000000001' }, skills: [] },
        decision: decisionExample(0.41, true)
      }
    },
    handed_off: { value: { status: 'handed_off', conversationId: EXAMPLE_ID, handoff: { state: 'done', at: '2026-11-25T12:00:00.000Z', details: { strategy: 'routing-metadata' } } } }
  }
})

export const ConversationParams = Type.Object({
  conversationId: Type.String({ pattern: UUID_PATTERN, description: 'Genesys conversation id (UUID)' })
})

export const ConversationSnapshot = Type.Object({
  conversationId: Type.String(),
  history: Type.Array(Type.Object({
    event: Type.String(),
    intent: Type.Object({ intent: Type.String(), confidence: Type.Number() }),
    text: Type.String(),
    timestamp: Type.String(),
    messageId: Type.Optional(Type.String())
  })),
  handoff: Type.Ref('HandoffRecord'),
  turns: Type.Integer({ description: 'events recorded over the conversation\'s life (history keeps the newest)' }),
  decisions: Type.Array(DecisionRecordSchema, { description: 'the escalation policy\'s decisions, oldest first: inputs, rule, policy version, outcome' })
}, {
  examples: [{
    conversationId: EXAMPLE_ID,
    history: [{ event: 'message', intent: { intent: 'billing_dispute', confidence: 0.41 }, text: 'I want to dispute a charge', timestamp: '2026-11-25T12:00:00.000Z' }],
    handoff: { state: 'done', at: '2026-11-25T12:00:00.120Z', details: { strategy: 'routing-metadata' } },
    turns: 1,
    decisions: [{
      at: '2026-11-25T12:00:00.001Z',
      turn: 1,
      input: { event: 'message', intent: 'billing_dispute', confidence: 0.41 },
      action: 'HANDOFF',
      ruleId: 'confidence_below_threshold',
      reason: "intent 'billing_dispute' confidence 0.41 is below threshold 0.75",
      threshold: 0.75,
      target: { queueId: 'c0ffee00-0000-4000-8000-000000000001', skillIds: [], priority: null, languageId: null },
      policyVersion: '73be6a82135c',
      outcome: 'handoff_initiated'
    }]
  }]
})

/** Schemas referenced by $id; added to the instance once. */
export const sharedSchemas = [ErrorResponse, Decision, HandoffRecord]
