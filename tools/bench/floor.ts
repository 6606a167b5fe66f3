// The floor: bare Fastify doing only what the webhook's contract requires of any implementation, with the
// service's own pieces: the HMAC check of the raw body, the event's schema, the answer's schema and one log
// line per request through the service's logger. No store, no decision, no metrics. The continue path's
// distance from this row is the service's own cost; this row's distance from bare Fastify is the contract's.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { requestLine } from '../../src/request-line.js'
import { MessagingEventSchema, WebhookAnswerSchema, type MessagingEvent } from '../../src/schemas/messaging.js'
import { SIGNATURE_HEADER, parseSignature, signatureKey, verifyDigest } from '../../src/webhook-signature.js'
import { BENCH_WEBHOOK_SECRET } from './protocol.js'

/** The service's answer to a confident event, less what the policy would have computed. */
function answer (conversationId: string): Record<string, unknown> {
  const rule = 'confidence_meets_threshold'
  return {
    status: 'bot_continuing',
    action: 'CONTINUE_BOT',
    reason: rule,
    conversationId,
    decision: {
      action: 'CONTINUE_BOT',
      intent: 'billing_question',
      confidence: 0.92,
      threshold: 0.75,
      rule,
      ruleId: rule,
      reason: "intent 'billing_question' confidence 0.92 meets threshold 0.75",
      target: null,
      policyVersion: '000000000000',
      turn: 1
    }
  }
}

export async function floorApp (log: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: log, logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }) })
  const key = signatureKey(BENCH_WEBHOOK_SECRET)
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const claimed = parseSignature(request.headers[SIGNATURE_HEADER])
    if (claimed === null || !verifyDigest(key, body as Buffer, claimed)) {
      done(Object.assign(new Error('invalid signature'), { statusCode: 401 }), undefined)
      return
    }
    parseJson(request, (body as Buffer).toString('utf8'), done)
  })
  app.addHook('onResponse', (request, reply, done) => {
    const { level, fields, msg } = requestLine({
      method: request.method,
      route: request.routeOptions.url,
      url: request.url,
      statusCode: reply.statusCode,
      responseTimeMs: reply.elapsedTime,
      outcome: 'bot_continuing',
      failure: null,
      params: request.params,
      body: request.body,
      probe: false
    })
    request.log[level](fields, msg)
    done()
  })
  app.post<{ Body: MessagingEvent }>('/webhook/messaging', { schema: { body: MessagingEventSchema, response: { 200: WebhookAnswerSchema } } },
    async (request) => answer(request.body.conversationId.toLowerCase()))
  return app
}
