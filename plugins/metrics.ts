import fp from 'fastify-plugin'
import { ServiceMetrics } from '../src/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics
  }
}

export default fp(async (app) => {
  const metrics = new ServiceMetrics({ maxIntentLabels: app.config.metrics.maxIntentLabels })
  metrics.subscribe(app.telemetry)
  app.decorate('metrics', metrics)
}, { name: 'metrics', dependencies: ['config', 'telemetry'] })
