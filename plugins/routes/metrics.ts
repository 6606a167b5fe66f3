// GET /metrics in Prometheus text format. With METRICS_TOKEN set it needs `Authorization: Bearer
// <METRICS_TOKEN>`; without one it is open in development and closed (401) in production.
import type { FastifyPluginAsync } from 'fastify'
import { UnauthorizedError } from '../../src/errors.js'
import { bearerMatches } from '../../src/safe-equal.js'
import { metricsAccess } from '../../src/startup-summary.js'
import { EXEMPT_FROM_OVERLOAD } from '../overload.js'

const metricsRoutes: FastifyPluginAsync = async (app) => {
  const token = app.config.metrics.token
  const access = metricsAccess(app.config)
  app.get('/metrics', {
    // Metrics explain an overload, so they stay answered during one.
    config: { ...EXEMPT_FROM_OVERLOAD, probe: true },
    onRequest: async (request) => {
      if (access === 'open') return
      if (token === null) throw new UnauthorizedError('metrics are closed outside development until METRICS_TOKEN is set')
      if (!bearerMatches(request.headers.authorization, token)) throw new UnauthorizedError('metrics token required')
    }
  }, async (_request, reply) => {
    return await reply.type(app.metrics.contentType).send(await app.metrics.text())
  })
}

export default metricsRoutes
