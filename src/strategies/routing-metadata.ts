// The original tutorial's call: PUT the conversation's routingMetadata (queue and skill). Not in Genesys'
// published API; kept for the tutorial's users.
import type { GenesysClient, RoutingMetadata } from '../genesys/client.js'
import type { RoutingTarget } from '../schemas/decision.js'
import type { HandoffStrategy } from './types.js'

export function toRoutingMetadata (target: RoutingTarget): RoutingMetadata {
  return {
    queue: { id: target.queueId },
    skills: target.skillIds.map(id => ({ id, priority: 1 }))
  }
}

export function routingMetadataStrategy (client: GenesysClient): HandoffStrategy {
  return {
    name: 'routing-metadata',
    async execute (conversationId, target, ctx) {
      const routingMetadata = toRoutingMetadata(target)
      const result = await client.updateRoutingMetadata(conversationId, routingMetadata, ctx)
      return {
        response: { routingMetadata },
        details: { strategy: 'routing-metadata', queueId: target.queueId, skillIds: target.skillIds, correlationId: result.correlationId }
      }
    }
  }
}
