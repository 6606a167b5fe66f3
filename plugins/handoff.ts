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
    policy: {
      threshold: handoff.threshold,
      target: { queueId: handoff.queueId, skillIds: handoff.skillIds, priority: handoff.priority, languageId: handoff.languageId }
    },
    deadlineMs: handoff.deadlineMs,
    telemetry: app.telemetry,
    log: app.log,
    // A done record lives in the store as long as the history does.
    completionRetentionMs: app.config.history.ttlSeconds * 1000
  }))
  // Runs before the store closes (onClose hooks run in reverse order of registration).
  app.addHook('onClose', async () => { await app.handoff.close() })
}, { name: 'handoff', dependencies: ['config', 'telemetry', 'genesys-auth', 'history-store'] })
