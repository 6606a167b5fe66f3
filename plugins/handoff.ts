import fp from 'fastify-plugin'
import { HandoffService } from '../src/handoff.js'
import { instrumentStore } from '../src/store/instrumented.js'
import { routingMetadataStrategy } from '../src/strategies/routing-metadata.js'

declare module 'fastify' {
  interface FastifyInstance {
    handoff: HandoffService
  }
}

export default fp(async (app) => {
  const { handoff } = app.config
  const { metrics } = app
  app.decorate('handoff', new HandoffService({
    store: instrumentStore(app.historyStore, (operation) => { metrics.storeError(operation) }),
    strategy: routingMetadataStrategy(app.genesysClient),
    policy: { threshold: handoff.threshold, target: { queueId: handoff.queueId, skillId: handoff.skillId } },
    deadlineMs: handoff.deadlineMs,
    observer: {
      decision: (d) => { metrics.decision(d.action, d.intent) },
      handoff: (outcome, durationMs) => { metrics.handoff(outcome, durationMs) },
      retry: (e) => { metrics.retry(e.operation, String(e.statusCode ?? e.code ?? 'unknown')) }
    }
  }))
}, { name: 'handoff', dependencies: ['config', 'metrics', 'genesys-auth', 'history-store'] })
