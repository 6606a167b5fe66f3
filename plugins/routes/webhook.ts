import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MessagingEvent, WebhookAnswer, errors } from './schemas.js'

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Webhooks are JSON only: anything else is 415, not a string the schema then rejects.
  app.removeContentTypeParser(['text/plain'])

  app.post('/webhook/messaging', {
    bodyLimit: app.config.webhookBodyLimit,
    schema: {
      tags: ['webhook'],
      summary: 'Record a messaging event and hand the conversation off when confidence is low',
      body: MessagingEvent,
      response: {
        200: WebhookAnswer,
        400: errors[400]([
          { statusCode: 400, error: 'Bad Request', code: 'FST_ERR_VALIDATION', message: 'body/intent/confidence must be <= 1' },
          { statusCode: 400, error: 'Bad Request', code: 'FST_ERR_VALIDATION', message: 'body/conversationId must match pattern "^[0-9a-fA-F]{8}-…$"' },
          { statusCode: 400, error: 'Bad Request', code: 'FST_ERR_CTP_INVALID_JSON_BODY', message: "Body is not valid JSON but content-type is set to 'application/json'" }
        ]),
        409: errors[409],
        413: errors[413],
        415: errors[415],
        502: errors[502],
        503: errors[503]
      }
    }
  }, async (request) => {
    return await app.handoff.handle(request.body, { log: request.log, requestId: request.id })
  })
}

export default webhookRoutes
