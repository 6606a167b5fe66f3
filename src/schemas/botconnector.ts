// Genesys Digital Bot Connector v2, the bot-service side: what Genesys sends for each customer turn, what a bot
// answers, and the bot list Architect reads. Field names are those of Genesys' spec and SDK models
// (Bot, BotVersion, BotConnectorIntent, BotEntity; replyMessages, botState, genesysConversationId).
import { Type, type Static } from 'typebox'
import { ConversationId, EXAMPLE_ID, EXAMPLE_QUEUE_ID } from './common.js'

const StringMap = (description: string) => Type.Record(Type.String(), Type.String(), { description })

const MessageType = Type.Union([Type.Literal('Text'), Type.Literal('Structured')])

// Structured content (quick replies, cards, attachments) is passed through as the bot or Genesys wrote it.
const Content = Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 100 })

export const InputMessageSchema = Type.Object({
  type: MessageType,
  text: Type.Optional(Type.String({ maxLength: 10000, description: "the customer's text (the flow's Bot Input Text)" })),
  content: Type.Optional(Content)
}, { additionalProperties: true })

export const BotConnectorRequestSchema = Type.Object({
  botId: Type.String({ minLength: 1, maxLength: 200 }),
  botVersion: Type.Optional(Type.String({ maxLength: 200 })),
  botSessionId: Type.Optional(Type.String({ maxLength: 200, description: 'the bot session, one per Call Digital Bot Connector action' })),
  messageId: Type.String({ minLength: 1, maxLength: 200, description: 'Genesys message id; a redelivered turn is recorded once' }),
  inputMessage: InputMessageSchema,
  languageCode: Type.Optional(Type.String({ maxLength: 50 })),
  botSessionTimeout: Type.Optional(Type.Integer({ minimum: 0, description: 'minutes' })),
  genesysConversationId: ConversationId,
  parameters: Type.Optional(StringMap("the flow's input session variables"))
}, {
  additionalProperties: true,
  description: 'One customer turn, as the Call Digital Bot Connector action sends it. Unknown extra fields are passed on to the bot.',
  examples: [{
    botId: 'support-bot',
    botVersion: '1',
    botSessionId: '0e1b5c3a-7c59-4c35-9d3b-2f1f5f0a9c11',
    messageId: 'f3c1f6a2-5d1e-4a8b-9a57-3c2b1d0e9f87',
    inputMessage: { type: 'Text', text: 'I want to dispute a charge' },
    languageCode: 'en-us',
    botSessionTimeout: 360,
    genesysConversationId: EXAMPLE_ID,
    parameters: {}
  }]
})
export type BotConnectorRequest = Static<typeof BotConnectorRequestSchema>

export const ReplyMessageSchema = Type.Object({
  type: MessageType,
  text: Type.Optional(Type.String({ maxLength: 10000 })),
  content: Type.Optional(Content)
}, { additionalProperties: true })
export type ReplyMessage = Static<typeof ReplyMessageSchema>

export const ErrorInfoSchema = Type.Object({
  errorCode: Type.String(),
  errorMessage: Type.String()
}, { additionalProperties: true })

export const BotConnectorResponseSchema = Type.Object({
  botState: Type.Union([Type.Literal('Complete'), Type.Literal('MoreData'), Type.Literal('Failed')], { description: 'Complete: the bot is done (intent required); MoreData: the customer answers next; Failed: the flow takes its failure path' }),
  intent: Type.Optional(Type.String({ maxLength: 200 })),
  confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  replyMessages: Type.Optional(Type.Array(ReplyMessageSchema, { maxItems: 50 })),
  entities: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 100 })),
  parameters: Type.Optional(StringMap("output session variables: Bot Connector parameters are strings; the handoff's are named handoff*")),
  errorInfo: Type.Optional(ErrorInfoSchema)
}, {
  additionalProperties: true,
  description: "The bot's answer for the turn: the team's bot answer unchanged while it carries on, or Complete with the handoff intent",
  'x-examples': {
    continue: { value: { botState: 'MoreData', intent: 'order_status', confidence: 0.91, replyMessages: [{ type: 'Text', text: 'Your order ships tomorrow.' }] } },
    handoff: {
      value: {
        botState: 'Complete',
        intent: 'handoff',
        replyMessages: [{ type: 'Text', text: 'Let me get someone to help.' }],
        parameters: {
          handoffQueueId: EXAMPLE_QUEUE_ID,
          handoffSkillIds: '',
          handoffReason: 'confidence_below_threshold',
          handoffSummary: "intent 'billing_dispute' confidence 0.41 is below threshold 0.75; 1 turn; last: I want to dispute a charge"
        }
      }
    }
  }
})
export type BotConnectorResponse = Static<typeof BotConnectorResponseSchema>

export const BotEntitySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  type: Type.Optional(Type.String({ description: 'String, Integer, Decimal, Duration, Boolean, Currency, Datetime or a *Collection of them' }))
}, { additionalProperties: true })

export const BotIntentSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  entities: Type.Optional(Type.Array(BotEntitySchema, { maxItems: 100 }))
}, { additionalProperties: true })
export type BotIntent = Static<typeof BotIntentSchema>

export const BotVersionSchema = Type.Object({
  version: Type.String({ minLength: 1, maxLength: 200 }),
  supportedLanguages: Type.Optional(Type.Array(Type.String(), { maxItems: 200 })),
  intents: Type.Array(BotIntentSchema, { maxItems: 50, description: "Genesys takes at most 50; an answer's intent must be one of them" })
}, { additionalProperties: true })

export const BotSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String()),
  provider: Type.Optional(Type.String()),
  versions: Type.Array(BotVersionSchema, { minItems: 1, maxItems: 50 })
}, {
  additionalProperties: true,
  examples: [{
    id: 'support-bot',
    name: 'Support bot',
    versions: [{ version: '1', supportedLanguages: ['en-us'], intents: [{ name: 'order_status' }, { name: 'billing_dispute' }, { name: 'handoff' }] }]
  }]
})
export type Bot = Static<typeof BotSchema>

export const BotListSchema = Type.Object({
  entities: Type.Array(BotSchema, { maxItems: 500 })
}, { additionalProperties: true, description: "The team's bots, each version listing the handoff intent beside the bot's own" })
export type BotList = Static<typeof BotListSchema>

export const BotParams = Type.Object({ botId: Type.String({ minLength: 1, maxLength: 200 }) })
