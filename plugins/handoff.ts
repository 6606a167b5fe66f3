import fp from 'fastify-plugin'
import { HandoffService } from '../src/handoff.js'
import { routingMetadataStrategy } from '../src/strategies/routing-metadata.js'

declare module 'fastify' {
  interface FastifyInstance {
    handoff: HandoffService
  }
}

export default fp(async (app) => {
  const { handoff } = app.config
  app.decorate('handoff', new HandoffService({
    store: app.historyStore,
    strategy: routingMetadataStrategy(app.genesysClient),
    policy: { threshold: handoff.threshold, target: { queueId: handoff.queueId, skillId: handoff.skillId } },
    deadlineMs: handoff.deadlineMs
  }))
}, { name: 'handoff', dependencies: ['config', 'genesys-auth', 'history-store'] })
