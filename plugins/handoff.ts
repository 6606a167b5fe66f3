import fp from 'fastify-plugin'
import { HandoffService } from '../src/handoff.js'
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
  const strategy: HandoffStrategy = handoff.strategy === 'routing-metadata'
    ? routingMetadataStrategy(app.genesysClient)
    : platformApiStrategy({ client: app.genesysClient, context: handoff.context, pollIntervalMs: handoff.queuePollIntervalMs })
  app.decorate('handoff', new HandoffService({
    store: app.historyStore,
    strategy,
    policy: app.policy,
    deadlineMs: handoff.deadlineMs,
    telemetry: app.telemetry
  }))
}, { name: 'handoff', dependencies: ['config', 'telemetry', 'genesys-auth', 'history-store', 'policy'] })
