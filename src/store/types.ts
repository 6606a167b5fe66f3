// The store-agnostic interface behind the history-store decorator. Every operation is atomic for one
// conversation, so concurrent webhooks for it never lose an append or claim a handoff twice.
import type { SessionStore } from '@fastify/session'

export interface HistoryEntry {
  event: string
  intent: { intent: string, confidence: number }
  text: string
  timestamp: string
  /** the sender's id for this delivery; a second append with the same id is not recorded */
  messageId?: string
}

export type HandoffState = 'none' | 'pending' | 'done'

export interface HandoffRecord {
  state: HandoffState
  /** when the handoff completed (state done) */
  at?: string
  /** when the current claim was taken (state pending; kept once done, so the handoff's duration is known) */
  claimedAt?: string
  details?: Record<string, unknown>
}

export interface ConversationSnapshot {
  conversationId: string
  history: HistoryEntry[]
  handoff: HandoffRecord
  /** failed handoff attempts, oldest first (bounded) */
  failures?: HandoffFailure[]
}

// --- Listing recent conversations (operator console) ---

/** A handoff attempt that failed and was released for a retry. */
export interface HandoffFailure {
  at: string
  /** error code, e.g. GENESYS_UNAVAILABLE */
  code: string
  /** the message the webhook caller got (never secrets) */
  message: string
  /** Genesys call retries made during the attempt */
  retries: number
}

export interface ConversationSummary {
  conversationId: string
  /** the last append or handoff change */
  lastActivity: string
  /** events kept */
  events: number
  last: HistoryEntry | null
  handoff: HandoffRecord
  /** failed handoff attempts kept (bounded by MAX_FAILURES) */
  failures: number
}

export interface ListQuery {
  /** only conversations whose handoff is in this state */
  state?: HandoffState
  offset: number
  limit: number
}

export interface ConversationPage {
  /** newest activity first */
  items: ConversationSummary[]
  /** conversations matching the query, for paging */
  total: number
}

/** Failed attempts kept per conversation; older ones are dropped. */
export const MAX_FAILURES = 20

export interface AppendResult {
  /** events kept for the conversation after this append */
  events: number
  handoff: HandoffRecord
  /** the entry's messageId was seen before, so nothing was recorded */
  duplicate: boolean
}

export interface ClaimResult {
  acquired: boolean
  /** proof of ownership for complete/release; set when acquired */
  claimId?: string
  handoff: HandoffRecord
}

export interface HistoryStore {
  /** records the entry unless its messageId was already recorded (within the dedupe window) */
  append: (conversationId: string, entry: HistoryEntry) => Promise<AppendResult>
  get: (conversationId: string) => Promise<ConversationSnapshot | null>
  /** takes the once-only handoff claim; a claim not completed within ttlMs lapses */
  claimHandoff: (conversationId: string, ttlMs: number) => Promise<ClaimResult>
  completeHandoff: (conversationId: string, claimId: string, details: Record<string, unknown>) => Promise<void>
  releaseHandoff: (conversationId: string, claimId: string) => Promise<void>
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
  /** how long a messageId is remembered (default 3600) */
  dedupeTtlSeconds?: number
}
