// The store-agnostic interface behind the history-store decorator. Every operation is atomic for one
// conversation, so concurrent webhooks for it never lose an append or claim a handoff twice.
import type { SessionStore } from '@fastify/session'
import type {
  ConversationPage, ConversationSnapshot, ConversationSummary, HandoffFailure, HandoffRecord, HandoffState, HistoryEntry, ListQuery
} from '../schemas/conversation.js'
import type { DecisionRecord } from '../schemas/decision.js'

export type { ConversationPage, ConversationSnapshot, ConversationSummary, HandoffFailure, HandoffRecord, HandoffState, HistoryEntry, ListQuery }
export { MAX_FAILURES } from '../schemas/conversation.js'

export interface AppendResult {
  /** events kept for the conversation after this append */
  events: number
  handoff: HandoffRecord
  /** the entry's messageId was seen before, so nothing was recorded */
  duplicate: boolean
  /** events recorded over the conversation's life, this one included */
  turns: number
  /** the newest `recent` history entries after the append, oldest first */
  recent: HistoryEntry[]
}

export interface ClaimResult {
  acquired: boolean
  /** proof of ownership for complete/release; set when acquired */
  claimId?: string
  handoff: HandoffRecord
}

export interface HistoryStore {
  /**
   * Records the entry unless its messageId was already recorded (within the dedupe window), and answers
   * with the newest `recent` entries (default none) in the same step.
   */
  append: (conversationId: string, entry: HistoryEntry, recent?: number) => Promise<AppendResult>
  get: (conversationId: string) => Promise<ConversationSnapshot | null>
  /** keeps a decision in the conversation's audit trail (newest maxDecisions, expiring with the history) */
  recordDecision: (conversationId: string, record: DecisionRecord) => Promise<void>
  /** takes the once-only handoff claim; a claim not completed within ttlMs lapses */
  claimHandoff: (conversationId: string, ttlMs: number) => Promise<ClaimResult>
  completeHandoff: (conversationId: string, claimId: string, details: Record<string, unknown>) => Promise<void>
  /**
   * Gives the claim up: at once, or with holdMs after that long (it stays pending until then, so no other
   * event starts a handoff while an earlier call may still be taking effect).
   */
  releaseHandoff: (conversationId: string, claimId: string, holdMs?: number) => Promise<void>
  /** keeps a failed handoff attempt for operators (bounded, expiring with the conversation) */
  recordFailure: (conversationId: string, failure: HandoffFailure) => Promise<void>
  /** recent conversations by last activity, newest first; bounded by maxConversations and the TTL */
  listRecent: (query: ListQuery) => Promise<ConversationPage>
  /** browser cookie sessions (operator routes) kept on the same store */
  readonly sessions: SessionStore
  ping: () => Promise<void>
  close: () => Promise<void>
}

export interface HistoryLimits {
  maxEvents: number
  ttlSeconds: number
  maxConversations: number
  /** the embedded store's estimated heap bytes at most (HISTORY_MAX_BYTES; Redis is bounded by its own maxmemory) */
  maxBytes?: number
  /** how long a messageId is remembered (default 3600) */
  dedupeTtlSeconds?: number
  /** decisions kept in a conversation's audit trail (default maxEvents; 0 keeps none) */
  maxDecisions?: number
}
