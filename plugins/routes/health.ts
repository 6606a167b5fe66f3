import type { FastifyPluginAsync } from 'fastify'
import { EXEMPT_FROM_OVERLOAD } from '../overload.js'

const healthRoutes: FastifyPluginAsync = async (app) => {
  // Liveness ignores load: restarting a busy but healthy process would only make things worse.
  app.get('/health/live', { config: EXEMPT_FROM_OVERLOAD }, async () => ({ status: 'ok' }))

  // Readiness is shed like any other route when overloaded, so a load balancer steers traffic away.
  app.get('/health/ready', async (_request, reply) => {
    if (app.isUnderPressure()) {
      return await reply.code(503).header('retry-after', String(app.config.overload.retryAfterSeconds))
        .send({ status: 'unavailable', reason: 'overloaded' })
    }
    try {
      await app.historyStore.ping()
      return { status: 'ready' }
    } catch (err) {
      app.metrics.storeError('ping')
      app.log.warn({ err }, 'readiness check failed')
      return await reply.code(503).send({ status: 'unavailable', reason: 'history store unreachable' })
    }
  })
}

export default healthRoutes
