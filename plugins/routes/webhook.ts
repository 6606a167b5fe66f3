import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

export const MessagingEventSchema = Type.Object({
  conversationId: Type.String({ pattern: UUID_PATTERN, description: 'Genesys conversation id (UUID)' }),
  event: Type.String({ minLength: 1, maxLength: 100 }),
  intent: Type.Optional(Type.Object({
    intent: Type.Optional(Type.String({ maxLength: 200 })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 }))
  })),
  text: Type.Optional(Type.String({ maxLength: 4000 })),
  messageId: Type.Optional(Type.String({
    minLength: 1, maxLength: 200, description: 'sender id of this delivery; a redelivery with the same id is recorded once'
  }))
})

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Webhooks are JSON only: anything else is 415, not a string the schema then rejects.
  app.removeContentTypeParser(['text/plain'])

  app.post('/webhook/messaging', {
    bodyLimit: app.config.webhookBodyLimit,
    schema: { body: MessagingEventSchema }
  }, async (request) => {
    return await app.handoff.handle(request.body, { log: request.log, requestId: request.id })
  })
}

export default webhookRoutes
