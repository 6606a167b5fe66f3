import type { FastifyPluginAsync } from 'fastify'

const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/health/live', async () => ({ status: 'ok' }))

  app.get('/health/ready', async (_request, reply) => {
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
