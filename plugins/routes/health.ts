import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

const Status = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()) })

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health/live', {
    schema: { tags: ['health'], summary: 'The process is up', response: { 200: Status } }
  }, async () => ({ status: 'ok' }))

  app.get('/health/ready', {
    schema: {
      tags: ['health'],
      summary: 'Ready for traffic: the history store answers',
      response: { 200: Status, 503: Status }
    }
  }, async (_request, reply) => {
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
