import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { InvalidSignatureError, InvalidTimestampError, outcomeOf } from '../../src/errors.js'
import { ERRORS } from '../../src/error-catalogue.js'
import { errorResponses } from '../../src/schemas/errors.js'
import { MessagingEventSchema, MessagingEventWithIdSchema, WebhookAnswerSchema } from '../../src/schemas/messaging.js'
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, parseSignature, timestampProblem, verifySignature } from '../../src/webhook-signature.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** what the webhook came to (metrics label), set once the answer is known */
    webhookOutcome: string
    signatureVerified: boolean
  }
}

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const secret = app.config.webhookSecret
  const { toleranceSeconds, requireTimestamp, requireMessageId } = app.config.webhook
  const { telemetry } = app
  app.decorateRequest('webhookOutcome', '')
  app.decorateRequest('signatureVerified', false)

  // Webhooks are JSON only: anything else is 415, not a string the schema then rejects. The body is read as
  // raw bytes so the signature is checked on exactly what was sent, then parsed by Fastify's own JSON
  // parser (which rejects __proto__ and constructor.prototype keys).
  app.removeAllContentTypeParsers()
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (secret !== null) {
      const timestamp = request.headers[TIMESTAMP_HEADER] as string | undefined
      if (!verifySignature(secret, body as Buffer, request.headers[SIGNATURE_HEADER], timestamp)) {
        done(new InvalidSignatureError(SIGNATURE_HEADER), undefined)
        return
      }
      request.signatureVerified = true
    }
    parseJson(request, (body as Buffer).toString('utf8'), done)
  })

  function requireSignature (request: FastifyRequest): void {
    if (secret !== null && !request.signatureVerified) throw new InvalidSignatureError(SIGNATURE_HEADER)
  }

  app.post('/webhook/messaging', {
    bodyLimit: app.config.webhookBodyLimit,
    schema: {
      tags: ['webhook'],
      summary: 'Record a messaging event and hand the conversation off when confidence is low',
      body: requireMessageId ? MessagingEventWithIdSchema : MessagingEventSchema,
      response: {
        200: WebhookAnswerSchema,
        ...errorResponses([
          ERRORS.validation, ERRORS.invalidJson, ERRORS.invalidSignature, ERRORS.invalidTimestamp, ERRORS.conversationEnded, ERRORS.tooLarge, ERRORS.mediaType,
          ERRORS.genesysRejected, ERRORS.genesysUnavailable, ERRORS.transferOutcomeUnknown, ERRORS.storeUnavailable, ERRORS.handoffInProgress, ERRORS.overloaded
        ])
      }
    },
    // An unsigned or stale request is turned away before its body is even read ...
    onRequest: async (request) => {
      if (secret === null) return
      if (parseSignature(request.headers[SIGNATURE_HEADER]) === null) throw new InvalidSignatureError(SIGNATURE_HEADER)
      const problem = timestampProblem(request.headers[TIMESTAMP_HEADER], Date.now(), toleranceSeconds, requireTimestamp)
      if (problem !== null) throw new InvalidTimestampError(problem)
    },
    // ... and one that had no body to verify before it reaches validation or the store.
    preValidation: async (request) => { requireSignature(request) },
    onError: async (request, _reply, err) => { request.webhookOutcome = outcomeOf(err) },
    onResponse: async (request, reply) => {
      telemetry.publish('webhook', { outcome: request.webhookOutcome !== '' ? request.webhookOutcome : reply.statusCode < 400 ? 'ok' : 'error' })
    }
  }, async (request) => {
    const result = await app.handoff.handle(request.body, { log: request.log, requestId: request.id })
    request.webhookOutcome = result.status
    return result
  })
}

export default webhookRoutes
