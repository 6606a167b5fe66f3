import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { InvalidSharedSecretError, InvalidSignatureError, InvalidTimestampError, type HttpError } from '../../src/errors.js'
import { ERRORS } from '../../src/error-catalogue.js'
import { assertUtf8 } from '../../src/media-type.js'
import { safeEqual } from '../../src/safe-equal.js'
import { errorResponses } from '../../src/schemas/errors.js'
import { MessagingEventSchema, MessagingEventWithIdSchema, WebhookAnswerSchema } from '../../src/schemas/messaging.js'
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, parseSignature, signatureKey, timestampProblem, verifyDigest } from '../../src/webhook-signature.js'
import { outcomeFor } from '../request-log.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** a valid signature or shared secret was seen */
    webhookAuthenticated: boolean
    /** the digest the signature header claims, parsed once on arrival (null: none or malformed) */
    webhookDigest: Buffer | null
  }
}

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Two ways to authenticate: Genesys-style HMAC of the body (WEBHOOK_SECRET), or a shared secret in a
  // header (WEBHOOK_SHARED_SECRET) for callers that cannot sign, such as Genesys Data Actions.
  const secret = app.config.webhookSecret
  const key = secret === null ? null : signatureKey(secret)
  const { toleranceSeconds, requireTimestamp, requireMessageId } = app.config.webhook
  const shared = app.config.webhookSharedSecret
  const open = secret === null && shared === null
  const { telemetry } = app
  app.decorateRequest('webhookAuthenticated', false)
  app.decorateRequest('webhookDigest', null)

  const unauthenticated = (): HttpError => secret !== null
    ? new InvalidSignatureError(SIGNATURE_HEADER, shared?.header)
    : new InvalidSharedSecretError(shared?.header ?? '')

  // Webhooks are JSON only: anything else is 415, not a string the schema then rejects. The body is read as
  // raw bytes so the signature is checked on exactly what was sent, then parsed by Fastify's own JSON
  // parser (which rejects __proto__ and constructor.prototype keys).
  app.removeAllContentTypeParsers()
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (key !== null && !request.webhookAuthenticated) {
      const timestamp = request.headers[TIMESTAMP_HEADER] as string | undefined
      const claimed = request.webhookDigest
      if (claimed === null || !verifyDigest(key, body as Buffer, claimed, timestamp)) {
        done(unauthenticated(), undefined)
        return
      }
      request.webhookAuthenticated = true
    }
    parseJson(request, (body as Buffer).toString('utf8'), done)
  })

  /** Turns away a request with a wrong shared secret, or with neither a secret nor a signature to check. */
  function screen (request: FastifyRequest): void {
    if (open) return
    if (shared !== null) {
      const value = request.headers[shared.header]
      if (value !== undefined) {
        if (typeof value === 'string' && safeEqual(value, shared.secret)) {
          request.webhookAuthenticated = true
          return
        }
        throw new InvalidSharedSecretError(shared.header)
      }
    }
    if (secret === null) throw unauthenticated()
    request.webhookDigest = parseSignature(request.headers[SIGNATURE_HEADER])
    if (request.webhookDigest === null) throw unauthenticated()
    // A signed request outside the replay window is turned away before its body is read.
    const problem = timestampProblem(request.headers[TIMESTAMP_HEADER], Date.now(), toleranceSeconds, requireTimestamp)
    if (problem !== null) throw new InvalidTimestampError(problem)
  }

  app.post('/webhook/messaging', {
    bodyLimit: app.config.webhookBodyLimit,
    schema: {
      tags: ['webhook'],
      summary: 'Record a messaging event and hand the conversation off when confidence is low',
      description: 'Authenticated by the X-Hub-Signature-256 HMAC of the body (WEBHOOK_SECRET) or by the shared-secret header ' +
        '(WEBHOOK_SHARED_SECRET, for Genesys Data Actions). With decisionOnly (or HANDOFF_STRATEGY=flow) the service only decides ' +
        'and records; the answer carries action, queueId, skillIds, priority, reason and summary for the Architect flow to transfer.',
      body: requireMessageId ? MessagingEventWithIdSchema : MessagingEventSchema,
      response: {
        200: WebhookAnswerSchema,
        ...errorResponses([
          ERRORS.validation, ERRORS.invalidJson, ERRORS.invalidSignature, ERRORS.invalidTimestamp, ERRORS.invalidSharedSecret, ERRORS.conversationEnded, ERRORS.tooLarge, ERRORS.mediaType, ERRORS.unsupportedCharset,
          ERRORS.genesysRejected, ERRORS.genesysUnavailable, ERRORS.transferOutcomeUnknown, ERRORS.storeUnavailable, ERRORS.handoffInProgress, ERRORS.overloaded
        ])
      }
    },
    // An unauthenticated request is turned away before its body is even read (so is a body in another charset) ...
    // (Callback-style hooks: an async hook costs a promise and a microtask on every event.)
    onRequest: (request, _reply, done) => {
      try {
        screen(request)
        assertUtf8(request.headers['content-type'])
      } catch (err) {
        done(err as HttpError)
        return
      }
      done()
    },
    // ... and one that had no body to verify before it reaches validation or the store.
    preValidation: (request, _reply, done) => {
      done(!open && !request.webhookAuthenticated ? unauthenticated() : undefined)
    },
    onResponse: (request, reply, done) => {
      telemetry.publish('webhook', { outcome: outcomeFor(request, reply) })
      done()
    }
  }, async (request) => {
    const result = await app.handoff.handle(request.body, { log: request.log, requestId: request.id }, { flow: request.body.decisionOnly === true })
    // A redelivery is answered like the first delivery but labelled as what it is.
    request.outcome = result.duplicate === true ? 'duplicate' : result.status
    return result
  })
}

export default webhookRoutes
