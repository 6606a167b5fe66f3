// The original tutorial's call: PUT the conversation's routingMetadata (queue and skill).
import type { GenesysClient, RoutingMetadata } from '../genesys/client.js'
import type { RoutingTarget } from '../decision.js'
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
      // Debug: the info line for a handoff is the service's 'handoff initiated'; the correlation id is kept in the record.
      ctx.log.debug({ conversationId, genesysStatus: result.status, correlationId: result.correlationId }, 'routing update accepted')
      return {
        response: { routingMetadata },
        details: { strategy: 'routing-metadata', queueId: target.queueId, skillIds: target.skillIds, correlationId: result.correlationId }
      }
    }
  }
}
