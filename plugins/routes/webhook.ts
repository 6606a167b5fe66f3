import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyRequest } from 'fastify'
import { HttpError } from '../../src/errors.js'
import { SIGNATURE_HEADER, parseSignature, verifySignature } from '../../src/webhook-signature.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** what the webhook came to (metrics label), set once the answer is known */
    webhookOutcome: string
    signatureVerified: boolean
  }
}

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

export const MessagingEventSchema = Type.Object({
  conversationId: Type.String({ pattern: UUID_PATTERN, description: 'Genesys conversation id (UUID)' }),
  event: Type.String({ minLength: 1, maxLength: 100 }),
  intent: Type.Optional(Type.Object({
    intent: Type.Optional(Type.String({ maxLength: 200 })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 }))
  })),
  text: Type.Optional(Type.String({ maxLength: 4000 }))
})

const ERROR_OUTCOMES: Record<number, string> = {
  400: 'invalid', 401: 'unauthorized', 413: 'too_large', 415: 'unsupported_media_type', 502: 'genesys_rejected'
}

function errorOutcome (err: FastifyError): string {
  if (err.code === 'FST_UNDER_PRESSURE') return 'overloaded'
  if (err.code === 'GENESYS_UNAVAILABLE') return 'genesys_unavailable'
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
    schema: { body: MessagingEventSchema },
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
