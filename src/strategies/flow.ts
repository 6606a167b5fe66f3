// Flow-based handoff: the service only decides and records; the caller's Architect flow (after a Bot
// Connector Complete answer or a Data Action) transfers with Transfer to ACD. No Platform API call and no
// OAuth token: the answer carries the routing target and a short masked context summary for the flow.
import { contextSummary, type ContextPacketOptions } from '../context-packet.js'
import type { RouteFields } from '../handoff.js'
import type { HandoffStrategy } from './types.js'

export const FLOW_STRATEGY = 'flow'

export function flowStrategy (opts: { context: ContextPacketOptions }): HandoffStrategy {
  return {
    name: FLOW_STRATEGY,
    needsHistory: true,
    async execute (_conversationId, target, ctx) {
      // Unset priority and language are left out (not null): the flow then uses the queue's defaults.
      const route: RouteFields = {
        queueId: target.queueId,
        skillIds: target.skillIds,
        ...(target.priority !== null ? { priority: target.priority } : {}),
        ...(target.languageId !== null ? { languageId: target.languageId } : {}),
        reason: ctx.decision.rule,
        summary: contextSummary({ decision: ctx.decision, history: ctx.history }, opts.context)
      }
      // Kept in the handoff record, so every later event of the conversation gets the same target again.
      return { response: { ...route }, details: { strategy: FLOW_STRATEGY, ...route } }
    }
  }
}
