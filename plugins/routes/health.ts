import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EXEMPT_FROM_OVERLOAD } from '../overload.js'

const Status = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()) })

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Liveness ignores load: restarting a busy but healthy process would only make things worse.
  app.get('/health/live', {
    config: EXEMPT_FROM_OVERLOAD,
    schema: { tags: ['health'], summary: 'The process is up', response: { 200: Status } }
  }, async () => ({ status: 'ok' }))

  // Readiness reports overload itself (in its own answer shape), so a load balancer steers traffic away.
  app.get('/health/ready', {
    config: EXEMPT_FROM_OVERLOAD,
    schema: {
      tags: ['health'],
      summary: 'Ready for traffic: the history store answers and the event loop is not overloaded',
      response: { 200: Status, 503: Status }
    }
  }, async (_request, reply) => {
    if (app.isUnderPressure()) {
      return await reply.code(503).header('retry-after', String(app.config.overload.retryAfterSeconds))
        .send({ status: 'unavailable', reason: 'overloaded' })
    }
    try {
      await app.historyStore.ping()
      return { status: 'ready' }
    } catch (err) {
      app.log.warn({ err }, 'readiness check failed')
      return await reply.code(503).send({ status: 'unavailable', reason: 'history store unreachable' })
    }
  })
}

export default healthRoutes
