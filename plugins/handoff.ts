import fp from 'fastify-plugin'
import { HandoffService } from '../src/handoff.js'
import { instrumentStore } from '../src/store/instrumented.js'
import { routingMetadataStrategy } from '../src/strategies/routing-metadata.js'
import { platformApiStrategy } from '../src/strategies/platform-api.js'
import type { HandoffStrategy } from '../src/strategies/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    handoff: HandoffService
  }
}

export default fp(async (app) => {
  const { handoff } = app.config
  const { metrics } = app
  const strategy: HandoffStrategy = handoff.strategy === 'routing-metadata'
    ? routingMetadataStrategy(app.genesysClient)
    : platformApiStrategy({ client: app.genesysClient, context: handoff.context, pollIntervalMs: handoff.queuePollIntervalMs })
  app.decorate('handoff', new HandoffService({
    store: instrumentStore(app.historyStore, (operation) => { metrics.storeError(operation) }),
    strategy,
    policy: app.policy,
    deadlineMs: handoff.deadlineMs,
    observer: {
      decision: (d) => { metrics.decision(d.action, d.intent) },
      handoff: (outcome, durationMs) => { metrics.handoff(outcome, durationMs) },
      warning: () => { metrics.handoffWarning() },
      retry: (e) => { metrics.retry(e.operation, String(e.statusCode ?? e.code ?? 'unknown')) }
    }
  }))
}, { name: 'handoff', dependencies: ['config', 'metrics', 'genesys-auth', 'history-store', 'policy'] })
