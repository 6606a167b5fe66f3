import fp from 'fastify-plugin'
import { ServiceMetrics } from '../src/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics
  }
}

export default fp(async (app) => {
  app.decorate('metrics', new ServiceMetrics({ maxIntentLabels: app.config.metrics.maxIntentLabels }))
}, { name: 'metrics', dependencies: ['config'] })
