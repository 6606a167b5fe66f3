// The simulator's shapes: faults, conversations, participants, recorded calls and options.
import type { Models } from 'purecloud-platform-client-v2'

export interface Fault {
  /** HTTP method to match (any when absent) */
  method?: string
  /** path prefix to match, e.g. /oauth/token or /api/v2/conversations (any when absent) */
  path?: string
  /** answer with this status instead of handling the call */
  status?: number
  /** Retry-After header (seconds) sent with the status */
  retryAfter?: number
  /** delay before answering (or before handling, when no status) */
  latencyMs?: number
  /** how many matching calls it affects (default 1) */
  times?: number
  /** Genesys error code put in the error body */
  code?: string
  /** handle the call first, then answer with the status (or only the latency): Genesys acted, the caller cannot tell */
  afterHandling?: boolean
}

export type ParticipantPurpose = 'customer' | 'workflow' | 'acd' | 'agent'
export type ParticipantState = 'alerting' | 'connected' | 'disconnected'

export interface SimParticipant {
  id: string
  name: string
  purpose: ParticipantPurpose
  state: ParticipantState
  startTime: string
  connectedTime?: string
  endTime?: string
  queue?: { id: string }
  attributes: Record<string, string>
}

/** The routing attributes set on a conversation (the fields of a RoutingConversationAttributesRequest). */
export type SimRoutingData = Pick<Models.RoutingConversationAttributesRequest, 'skillIds' | 'priority' | 'languageId' | 'labelId'>

export interface SimConversation {
  id: string
  startTime: string
  participants: SimParticipant[]
  /** an accepted transfer; the acd participant appears at queuedAt */
  transfer?: { queueId: string, replacedParticipantId: string, acceptedAt: number, queuedAt: number }
  routing?: SimRoutingData
  /** replace/queue requests handled for it, accepted or refused (recorded calls only list answered ones) */
  transferRequests: number
}

/** Why the simulator refused a conversation call, in Genesys' terms. */
export interface SimRefusal {
  status: number
  code: string
  message: string
}

export interface RecordedCall {
  method: string
  path: string
  body: unknown
  /** what the simulator answered (parsed JSON; null for an empty body) */
  response?: unknown
  at: string
  status: number
  correlationId: string
}

export interface IssuedToken {
  expiresAt: number
}

export interface SimulatorOptions {
  clientId: string
  clientSecret: string
  tokenTtlSeconds?: number
  /** how long after an accepted transfer the conversation waits in queue (default 50 ms) */
  queueDelayMs?: number
  /** GET of an unknown conversation id creates one (customer + connected bot flow); default true */
  autoCreateConversations?: boolean
  /** answer 429 beyond this many API calls per token per minute (default: count only, never refuse) */
  rateLimitPerMinute?: number
  /** routing queues by id → name (default: the demo queue); other ids answer 404 */
  queues?: Record<string, string>
  now?: () => number
}

/** The queue the demo, the compose stack and .env.example hand off to. */
