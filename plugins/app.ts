// Builds the service: shared plugins (config, Genesys auth client, history store, handoff service) and
// the encapsulated route plugins. server.ts listens; tests call build() and use inject().
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Dispatcher } from 'undici'
import configPlugin from './config.js'
import telemetryPlugin from './telemetry.js'
import connectionsPlugin, { TIMEOUT_CHECK_EVERY_MS } from './connections.js'
import shutdownPlugin from './shutdown.js'
import securityHeadersPlugin from './security-headers.js'
import requestLogPlugin from './request-log.js'
import docsPlugin from './docs.js'
import metricsPlugin from './metrics.js'
import overloadPlugin from './overload.js'
import metricsRoutes from './routes/metrics.js'
import genesysAuthPlugin from './genesys-auth.js'
import genesysCheckPlugin from './genesys-check.js'
import startupLogPlugin from './startup-log.js'
import historyStorePlugin from './history-store.js'
import handoffPlugin from './handoff.js'
import policyPlugin from './policy.js'
import botConnectorPlugin from './botconnector.js'
import webhookRoutes from './routes/webhook.js'
import botConnectorRoutes from './routes/botconnector.js'
import healthRoutes from './routes/health.js'
import conversationRoutes from './routes/conversations.js'
import consoleRoutes from './routes/console.js'
import { HttpError, RouteNotFoundError } from '../src/errors.js'
import { REQUEST_ID_HEADER, requestIdFrom } from '../src/request-id.js'
import { reasonPhrase } from '../src/schemas/errors.js'
import type { HistoryStore } from '../src/store/types.js'
import { trustFunction, type TrustFunction } from '../src/trust-proxy.js'
import type { Timers } from '../src/genesys/startup-check.js'

export interface BuildOptions {
  /** environment to configure from (default process.env) */
  env?: Record<string, unknown>
  /** read .env (default: only when env is not given) */
  dotenv?: boolean
  logger?: FastifyServerOptions['logger']
  loggerInstance?: FastifyServerOptions['loggerInstance']
  /** Genesys traffic goes through this dispatcher (tests: MockAgent) */
  dispatcher?: Dispatcher
  /** calls to the team's bot (Bot Connector mode) go through this dispatcher (tests: MockAgent) */
  botDispatcher?: Dispatcher
  store?: HistoryStore
  now?: () => number
  /** schedules the Genesys startup check's retries (tests: a manual clock) */
  timers?: Timers
}

export async function build (opts: BuildOptions = {}): Promise<FastifyInstance> {
  // Fastify takes trustProxy when it is created, before the configuration is read: it asks this function,
  // which follows TRUST_PROXY once the configuration is loaded (nothing is trusted until then).
  let trust: TrustFunction = () => false
  const app = Fastify({
    trustProxy: (address: string, hop: number) => trust(address, hop),
    ...(opts.loggerInstance !== undefined ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    // One line per request from plugins/request-log.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    // genReqId validates the caller's x-request-id itself instead of trusting it as-is.
    requestIdHeader: false,
    genReqId: (req) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
    ajv: { customOptions: { coerceTypes: false, allErrors: false } },
    // plugins/shutdown.ts answers requests that arrive while closing itself, with Retry-After.
    return503OnClosing: false,
    // The timeouts themselves are set from the configuration (plugins/connections.ts).
    http: { connectionsCheckingInterval: TIMEOUT_CHECK_EVERY_MS }
  })

  // Answers errors; their one log line is the request's (plugins/request-log.ts), with the stack for a 500.
  app.setErrorHandler((err: FastifyError, request, reply) => {
    request.failure = err
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).headers(err.headers).send({
        statusCode: err.statusCode, error: reasonPhrase(err.statusCode), code: err.code, message: err.message
      })
    }
    const status = err.statusCode ?? 500
    // 503 is deliberate (load shedding), not a crash: pass it on with its Retry-After.
    if (status < 500 || status === 503) {
      return reply.code(status).send({
        statusCode: status, error: reasonPhrase(status), ...(err.code !== undefined ? { code: err.code } : {}), message: err.message
      })
    }
    return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'internal error; see the service log' })
  })

  app.setNotFoundHandler(async (request) => { throw new RouteNotFoundError(request.method, (request.url.split('?')[0] ?? '').slice(0, 200)) })

  await app.register(configPlugin, { data: opts.env, dotenv: opts.dotenv ?? opts.env === undefined })
  trust = trustFunction(app.config.trustProxy)
  await app.register(connectionsPlugin)
  await app.register(securityHeadersPlugin)
  await app.register(telemetryPlugin)
  await app.register(requestLogPlugin)
  await app.register(shutdownPlugin)
  await app.register(metricsPlugin)
  await app.register(overloadPlugin)
  await app.register(genesysAuthPlugin, { dispatcher: opts.dispatcher, now: opts.now })
  await app.register(genesysCheckPlugin, { timers: opts.timers, now: opts.now })
  await app.register(historyStorePlugin, { store: opts.store })
  await app.register(policyPlugin)
  await app.register(handoffPlugin)
  await app.register(botConnectorPlugin, { dispatcher: opts.botDispatcher, now: opts.now })
  await app.register(docsPlugin)
  await app.register(healthRoutes)
  await app.register(metricsRoutes)
  await app.register(webhookRoutes)
  await app.register(botConnectorRoutes)
  await app.register(conversationRoutes, { now: opts.now })
  await app.register(consoleRoutes, { now: opts.now })
  await app.register(startupLogPlugin)
  return app
}
