// A handoff strategy performs the Genesys side of one handoff: the calls that move the conversation to the
// target queue/skill. It runs at most once per conversation at a time (the store's claim guarantees it).
import type { FastifyBaseLogger } from 'fastify'
import type { Decision, RoutingTarget } from '../decision.js'
import type { CallContext } from '../genesys/http.js'

export interface StrategyContext extends CallContext {
  log: FastifyBaseLogger
  decision: Decision
}

export interface StrategyResult {
  /** fields merged into the webhook's `handoff_initiated` answer */
  response: Record<string, unknown>
  /** what is kept in the conversation's handoff record */
  details: Record<string, unknown>
}

export interface HandoffStrategy {
  readonly name: string
  execute: (conversationId: string, target: RoutingTarget, ctx: StrategyContext) => Promise<StrategyResult>
}
