import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyRequest } from 'fastify'
import { HttpError } from '../../src/errors.js'
import { SIGNATURE_HEADER, parseSignature, verifySignature } from '../../src/webhook-signature.js'
import { MessagingEvent, WebhookAnswer, errors } from './schemas.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** what the webhook came to (metrics label), set once the answer is known */
    webhookOutcome: string
    signatureVerified: boolean
  }
}

const ERROR_OUTCOMES: Record<number, string> = {
  400: 'invalid', 401: 'unauthorized', 409: 'conversation_ended', 413: 'too_large', 415: 'unsupported_media_type', 502: 'genesys_rejected'
}

const CODE_OUTCOMES: Record<string, string> = {
  FST_UNDER_PRESSURE: 'overloaded',
  GENESYS_UNAVAILABLE: 'genesys_unavailable',
  STORE_UNAVAILABLE: 'store_unavailable',
  HANDOFF_IN_PROGRESS: 'handoff_in_progress'
}

function errorOutcome (err: FastifyError): string {
  const byCode = CODE_OUTCOMES[err.code]
  if (byCode !== undefined) return byCode
  const status = err.statusCode ?? 500
  return ERROR_OUTCOMES[status] ?? (status < 500 ? 'rejected' : 'error')
}

function unauthorized (): HttpError {
  // Says what is wrong without echoing the header back.
  return new HttpError(401, 'INVALID_SIGNATURE', `missing or invalid ${SIGNATURE_HEADER} signature`)
}

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const secret = app.config.webhookSecret
  app.decorateRequest('webhookOutcome', '')
  app.decorateRequest('signatureVerified', false)

  // Webhooks are JSON only: anything else is 415, not a string the schema then rejects. The body is read as
  // raw bytes so the signature is checked on exactly what was sent, then parsed by Fastify's own JSON
  // parser (which rejects __proto__ and constructor.prototype keys).
  app.removeAllContentTypeParsers()
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (secret !== null) {
      if (!verifySignature(secret, body as Buffer, request.headers[SIGNATURE_HEADER])) {
        done(unauthorized(), undefined)
        return
      }
      request.signatureVerified = true
    }
    parseJson(request, (body as Buffer).toString('utf8'), done)
  })

  function requireSignature (request: FastifyRequest): void {
    if (secret !== null && !request.signatureVerified) throw unauthorized()
  }

  app.post('/webhook/messaging', {
    bodyLimit: app.config.webhookBodyLimit,
    schema: {
      tags: ['webhook'],
      summary: 'Record a messaging event and hand the conversation off when confidence is low',
      body: MessagingEvent,
      response: {
        200: WebhookAnswer,
        401: errors.signature,
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
    },
    // An unsigned request is turned away before its body is even read ...
    onRequest: async (request) => {
      if (secret !== null && parseSignature(request.headers[SIGNATURE_HEADER]) === null) throw unauthorized()
    },
    // ... and one that had no body to verify before it reaches validation or the store.
    preValidation: async (request) => { requireSignature(request) },
    onError: async (request, _reply, err) => { request.webhookOutcome = errorOutcome(err) },
    onResponse: async (request, reply) => {
      app.metrics.webhook(request.webhookOutcome !== '' ? request.webhookOutcome : reply.statusCode < 400 ? 'ok' : 'error')
    }
  }, async (request) => {
    const result = await app.handoff.handle(request.body, { log: request.log, requestId: request.id })
    request.webhookOutcome = result.status
    return result
  })
}

export default webhookRoutes
