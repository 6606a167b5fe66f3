// GET /metrics in Prometheus text format. Open by default (scrape it on the internal network); with
// METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>`.
import type { FastifyPluginAsync } from 'fastify'
import { UnauthorizedError } from '../../src/errors.js'
import { bearerMatches } from '../../src/safe-equal.js'
import { EXEMPT_FROM_OVERLOAD } from '../overload.js'

const metricsRoutes: FastifyPluginAsync = async (app) => {
  const token = app.config.metrics.token
  app.get('/metrics', {
    // Metrics explain an overload, so they stay answered during one.
    config: EXEMPT_FROM_OVERLOAD,
    onRequest: async (request) => {
      if (token === null) return
      if (!bearerMatches(request.headers.authorization, token)) {
        throw new UnauthorizedError('metrics token required')
      }
    }
  }, async (_request, reply) => {
    return await reply.type(app.metrics.contentType).send(await app.metrics.text())
  })
}

export default metricsRoutes
