import fp from 'fastify-plugin'
import { HandoffService } from '../src/handoff.js'
import { routingMetadataStrategy } from '../src/strategies/routing-metadata.js'
import { platformApiStrategy } from '../src/strategies/platform-api.js'
import { flowStrategy } from '../src/strategies/flow.js'
import type { HandoffStrategy } from '../src/strategies/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    handoff: HandoffService
  }
}

export const ROUTING_METADATA_WARNING = "HANDOFF_STRATEGY=routing-metadata calls PUT /api/v2/conversations/messaging/{id}, which is not in Genesys' " +
  'published API: a real Genesys Cloud org answers 404. Kept for the original tutorial only; use platform-api, or a flow-based way in ' +
  '(Bot Connector mode, or a Data Action with HANDOFF_STRATEGY=flow)'

export default fp(async (app) => {
  const { handoff } = app.config
  const flow = flowStrategy({ context: handoff.context })
  let strategy: HandoffStrategy
  if (handoff.strategy === 'flow') {
    strategy = flow
  } else if (handoff.strategy === 'routing-metadata') {
    app.log.warn(ROUTING_METADATA_WARNING)
    strategy = routingMetadataStrategy(app.genesysClient)
  } else {
    strategy = platformApiStrategy({ client: app.genesysClient, context: handoff.context, pollIntervalMs: handoff.queuePollIntervalMs })
  }
  app.decorate('handoff', new HandoffService({
    store: app.historyStore,
    strategy,
    flowStrategy: flow,
    policy: {
      threshold: handoff.threshold,
      target: { queueId: handoff.queueId, skillIds: handoff.skillIds, priority: handoff.priority, languageId: handoff.languageId }
    },
    deadlineMs: handoff.deadlineMs,
    storeRawText: app.config.history.storeRawText,
    telemetry: app.telemetry,
    log: app.log,
    // A done record lives in the store as long as the history does.
    completionRetentionMs: app.config.history.ttlSeconds * 1000
  }))
  // Runs before the store closes (onClose hooks run in reverse order of registration).
  app.addHook('onClose', async () => { await app.handoff.close() })
}, { name: 'handoff', dependencies: ['config', 'telemetry', 'genesys-auth', 'history-store'] })
