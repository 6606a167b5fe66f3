import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EXEMPT_FROM_OVERLOAD } from '../overload.js'
import { CLOSING_RETRY_AFTER_SECONDS } from '../shutdown.js'
import { GENESYS_CHECK_STATES, failsReadiness } from '../../src/genesys/startup-check.js'

const Status = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()) })
const Readiness = Type.Object({
  status: Type.String(),
  reason: Type.Optional(Type.String()),
  genesys: Type.Optional(Type.Enum(GENESYS_CHECK_STATES, {
    description: 'the startup check (token and handoff queue): checking, unauthorized and queue_not_found fail readiness; ' +
      'unreachable does not (handoffs answer 503 until Genesys is back); skipped when no OAuth client is configured; ' +
      'absent until the service listens'
  }))
})

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const probe = { ...EXEMPT_FROM_OVERLOAD, probe: true }
  // Liveness ignores load: restarting a busy but healthy process would only make things worse.
  app.get('/health/live', {
    config: probe,
    schema: { tags: ['health'], summary: 'The process is up', response: { 200: Status } }
  }, async () => ({ status: 'ok' }))

  // Readiness reports overload itself (in its own answer shape), so a load balancer steers traffic away.
  app.get('/health/ready', {
    config: probe,
    schema: {
      tags: ['health'],
      summary: 'Ready for traffic: not shutting down, the history store answers, Genesys accepted the credentials and queue, the event loop is not overloaded',
      response: { 200: Readiness, 503: Readiness }
    }
  }, async (request, reply) => {
    request.outcome = 'not_ready'
    const check = app.genesysCheck.status
    // Nothing to report until the service listens and the check starts.
    const genesys = check.state === 'not_checked' ? {} : { genesys: check.state }
    // First step of a shutdown: load balancers stop sending while this instance still answers.
    if (app.shutdown.draining) {
      return await reply.code(503).header('retry-after', String(CLOSING_RETRY_AFTER_SECONDS))
        .send({ status: 'unavailable', reason: 'shutting down', ...genesys })
    }
    if (app.isUnderPressure()) {
      return await reply.code(503).header('retry-after', String(app.config.overload.retryAfterSeconds))
        .send({ status: 'unavailable', reason: 'overloaded', ...genesys })
    }
    if (failsReadiness(check.state)) {
      return await reply.code(503).send({ status: 'unavailable', reason: check.reason ?? 'Genesys startup check in progress', ...genesys })
    }
    try {
      await app.historyStore.ping()
      app.handoff.storeAnswered()
      request.outcome = 'ready'
      return { status: 'ready', ...genesys }
    } catch (err) {
      app.log.warn({ err }, 'readiness check failed')
      return await reply.code(503).send({ status: 'unavailable', reason: 'history store unreachable', ...genesys })
    }
  })
}

export default healthRoutes
