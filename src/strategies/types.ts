// A handoff strategy performs the Genesys side of one handoff: the calls that move the conversation to the
// target queue/skill. It runs at most once per conversation at a time (the store's claim guarantees it).
// Throwing ConversationEndedError marks the conversation as ended for good; any other error releases the
// claim so the caller's retry can hand off.
import type { CallContext } from '../genesys/client.js'
import type { Log } from '../logger.js'
import type { Decision, RoutingTarget } from '../schemas/decision.js'
import type { HistoryEntry } from '../schemas/conversation.js'

export interface StrategyContext extends CallContext {
  log: Log
  decision: Decision
  /** the conversation's recorded events, oldest first, as read when the handoff started */
  history: HistoryEntry[]
}

export interface StrategyResult {
  /** fields merged into the webhook's `handoff_initiated` answer */
  response: Record<string, unknown>
  /** what is kept in the conversation's handoff record */
  details: Record<string, unknown>
  /** what went wrong without undoing the handoff (e.g. the routing update after the transfer) */
  warnings?: string[]
}

export interface HandoffStrategy {
  readonly name: string
  /** read the conversation's history for ctx.history (otherwise it is left empty, saving a store read) */
  readonly needsHistory?: boolean
  execute: (conversationId: string, target: RoutingTarget, ctx: StrategyContext) => Promise<StrategyResult>
}
