// Exactly one log line per request when it is answered (Fastify's own request logging is off), and the
// request's duration for the latency histogram. Handlers label the outcome (request.outcome); errors are
// recorded by the error handler (request.failure) and labelled from their class.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { requestLine, requestOutcome } from '../src/request-line.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** the outcome label a handler sets (e.g. bot_continuing, duplicate) */
    outcome: string
    /** the error the answer came from, set by the error handler */
    failure: unknown
  }
  interface FastifyContextConfig {
    /** a health or metrics route: its successful answers log at debug, so probes do not flood the log */
    probe?: boolean
  }
}

/** The outcome label of an answered request (as logged and counted). */
export function outcomeFor (request: FastifyRequest, reply: FastifyReply): string {
  return requestOutcome({ failure: request.failure, outcome: request.outcome, statusCode: reply.statusCode })
}

const ABORTED = 'client_aborted'

export default fp(async (app) => {
  const { telemetry } = app
  app.decorateRequest('outcome', '')
  app.decorateRequest('failure', null)

  // Callback-style hooks here and on the webhook path: an async hook costs a promise and a microtask per request.
  app.addHook('onResponse', (request, reply, done) => {
    if (request.outcome === ABORTED) {
      done()
      return
    }
    const route = request.routeOptions.url
    const { level, fields, msg } = requestLine({
      method: request.method,
      route,
      url: request.url,
      statusCode: reply.statusCode,
      responseTimeMs: reply.elapsedTime,
      outcome: request.outcome,
      failure: request.failure,
      params: request.params,
      body: request.body,
      probe: request.routeOptions.config?.probe === true
    })
    request.log[level](fields, msg)
    telemetry.publish('httpRequest', { method: request.method, route: route ?? 'unmatched', statusCode: reply.statusCode, durationMs: reply.elapsedTime })
    done()
  })

  // A client that hangs up before the answer gets no onResponse: say so once; the work itself goes on.
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.once('close', () => {
      if (reply.sent || reply.raw.writableFinished) return
      request.outcome = ABORTED
      request.log.warn({
        method: request.method,
        route: request.routeOptions.url ?? null,
        responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
        outcome: ABORTED
      }, 'request aborted by the client')
    })
    done()
  })
}, { name: 'request-log', dependencies: ['telemetry'] })
