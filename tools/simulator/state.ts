// In-memory state of the Genesys simulator: clients, issued tokens, conversations, recorded calls and
// injected faults.
import { randomBytes, randomUUID } from 'node:crypto'
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

interface IssuedToken {
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
export const DEMO_QUEUE = { id: 'c0ffee00-0000-4000-8000-000000000001', name: 'Support' }

const RATE_WINDOW_MS = 60_000
const DEFAULT_RATE_ALLOWED = 300

export class SimulatorState {
  readonly clientId: string
  readonly clientSecret: string
  tokenTtlSeconds: number
  queueDelayMs: number
  autoCreateConversations: boolean
  rateLimitPerMinute: number | null
  readonly calls: RecordedCall[] = []
  /** routing queues by id → name */
  readonly queues: Map<string, string>
  tokenRequests = 0
  private readonly tokens = new Map<string, IssuedToken>()
  private readonly conversations = new Map<string, SimConversation>()
  private readonly rate = new Map<string, { windowStart: number, count: number }>()
  private faults: Array<Fault & { remaining: number }> = []
  private readonly now: () => number

  constructor (opts: SimulatorOptions) {
    this.clientId = opts.clientId
    this.clientSecret = opts.clientSecret
    this.tokenTtlSeconds = opts.tokenTtlSeconds ?? 86400
    this.queueDelayMs = opts.queueDelayMs ?? 50
    this.autoCreateConversations = opts.autoCreateConversations ?? true
    this.rateLimitPerMinute = opts.rateLimitPerMinute ?? null
    this.queues = new Map(Object.entries(opts.queues ?? { [DEMO_QUEUE.id]: DEMO_QUEUE.name }))
    this.now = opts.now ?? Date.now
  }

  /** A queue as GET /api/v2/routing/queues/{id} shows it, or undefined. */
  queue (id: string): Record<string, unknown> | undefined {
    const name = this.queues.get(id)
    if (name === undefined) return undefined
    return { id, name, division: { id: 'home-division', name: 'Home' }, memberCount: 0, joinedMemberCount: 0, selfUri: `/api/v2/routing/queues/${id}` }
  }

  /** Counts one API call for the token: whether it is over the limit, and when the window resets. */
  countCall (token: string): { count: number, allowed: number, resetSeconds: number, limited: boolean } {
    const now = this.now()
    let window = this.rate.get(token)
    if (window === undefined || now - window.windowStart >= RATE_WINDOW_MS) {
      window = { windowStart: now, count: 0 }
      this.rate.set(token, window)
    }
    window.count++
    const allowed = this.rateLimitPerMinute ?? DEFAULT_RATE_ALLOWED
    const resetSeconds = Math.max(1, Math.ceil((window.windowStart + RATE_WINDOW_MS - now) / 1000))
    return { count: window.count, allowed, resetSeconds, limited: this.rateLimitPerMinute !== null && window.count > allowed }
  }

  /** A web-messaging conversation as an inbound message flow holds it: the customer and the bot flow. */
  createConversation (id: string = randomUUID(), opts: { ended?: boolean } = {}): SimConversation {
    const at = new Date(this.now()).toISOString()
    const conversation: SimConversation = {
      id,
      startTime: at,
      transferRequests: 0,
      participants: [
        { id: randomUUID(), name: 'Web Messaging Guest', purpose: 'customer', state: 'connected', startTime: at, connectedTime: at, attributes: {} },
        { id: randomUUID(), name: 'Bot Flow', purpose: 'workflow', state: 'connected', startTime: at, connectedTime: at, attributes: {} }
      ]
    }
    this.conversations.set(id, conversation)
    if (opts.ended === true) this.endConversation(id)
    return conversation
  }

  /** The conversation as it stands now (a pending transfer lands once its delay has passed). */
  conversation (id: string): SimConversation | undefined {
    const conversation = this.conversations.get(id)
    if (conversation !== undefined) this.advance(conversation)
    return conversation
  }

  /** The customer left: everyone is disconnected. */
  endConversation (id: string): boolean {
    const conversation = this.conversation(id)
    if (conversation === undefined) return false
    const at = new Date(this.now()).toISOString()
    for (const p of conversation.participants) {
      if (p.state !== 'disconnected') {
        p.state = 'disconnected'
        p.endTime = at
      }
    }
    return true
  }

  /** An agent answers: the acd participant leaves and an agent participant joins. */
  answer (id: string, agentName = 'Agent'): boolean {
    const conversation = this.conversation(id)
    const acd = conversation?.participants.find(p => p.purpose === 'acd' && p.state === 'connected')
    if (conversation === undefined || acd === undefined) return false
    const at = new Date(this.now()).toISOString()
    acd.state = 'disconnected'
    acd.endTime = at
    conversation.participants.push({ id: randomUUID(), name: agentName, purpose: 'agent', state: 'connected', startTime: at, connectedTime: at, queue: acd.queue, attributes: {} })
    return true
  }

  /** Merges the attributes into the participant's; answers them all, or why not. */
  setAttributes (conversationId: string, participantId: string, attributes: Record<string, string>): SimRefusal | { attributes: Record<string, string> } {
    const found = this.participant(conversationId, participantId)
    if ('status' in found) return found
    Object.assign(found.participant.attributes, attributes)
    return { attributes: found.participant.attributes }
  }

  transferToQueue (conversationId: string, participantId: string, queueId: string): SimRefusal | null {
    const found = this.participant(conversationId, participantId)
    if ('status' in found) return found
    const { conversation, participant } = found
    conversation.transferRequests++
    if (!this.customerConnected(conversation)) {
      return { status: 400, code: 'conversation.error.conversation.ended', message: `Conversation ${conversationId} has ended.` }
    }
    if (participant.purpose === 'customer' || participant.state !== 'connected') {
      return { status: 400, code: 'conversation.error.participant.not.transferable', message: `Participant ${participantId} is not connected or cannot be replaced.` }
    }
    const now = this.now()
    participant.state = 'disconnected'
    participant.endTime = new Date(now).toISOString()
    conversation.transfer = { queueId, replacedParticipantId: participantId, acceptedAt: now, queuedAt: now + this.queueDelayMs }
    this.advance(conversation)
    return null
  }

  /** Merges the routing attributes; answers them all, or why not. */
  updateRouting (conversationId: string, routing: SimRoutingData): SimRefusal | { routing: SimRoutingData } {
    const conversation = this.conversation(conversationId)
    if (conversation === undefined) return { status: 404, code: 'not.found', message: `Conversation ${conversationId} not found.` }
    if (!conversation.participants.some(p => p.purpose === 'acd' && p.state === 'connected')) {
      return { status: 400, code: 'bad.request', message: `Conversation ${conversationId} is not waiting in a queue; routing data can only change while it is queued.` }
    }
    conversation.routing = { ...conversation.routing, ...routing }
    return { routing: conversation.routing }
  }

  private advance (conversation: SimConversation): void {
    const transfer = conversation.transfer
    if (transfer === undefined || this.now() < transfer.queuedAt) return
    if (conversation.participants.some(p => p.purpose === 'acd')) return
    if (!this.customerConnected(conversation)) return
    const at = new Date(transfer.queuedAt).toISOString()
    conversation.participants.push({ id: randomUUID(), name: 'Queue', purpose: 'acd', state: 'connected', startTime: at, connectedTime: at, queue: { id: transfer.queueId }, attributes: {} })
  }

  private customerConnected (conversation: SimConversation): boolean {
    return conversation.participants.some(p => p.purpose === 'customer' && p.state === 'connected')
  }

  private participant (conversationId: string, participantId: string): SimRefusal | { conversation: SimConversation, participant: SimParticipant } {
    const conversation = this.conversation(conversationId)
    if (conversation === undefined) return { status: 404, code: 'not.found', message: `Conversation ${conversationId} not found.` }
    const participant = conversation.participants.find(p => p.id === participantId)
    if (participant === undefined) return { status: 404, code: 'not.found', message: `Participant ${participantId} not found in conversation ${conversationId}.` }
    return { conversation, participant }
  }

  issueToken (): { token: string, expiresIn: number } {
    this.tokenRequests++
    const token = randomBytes(24).toString('base64url')
    this.tokens.set(token, { expiresAt: this.now() + this.tokenTtlSeconds * 1000 })
    return { token, expiresIn: this.tokenTtlSeconds }
  }

  tokenValid (token: string): boolean {
    const issued = this.tokens.get(token)
    return issued !== undefined && issued.expiresAt > this.now()
  }

  /** Makes every issued token invalid at once, as if they had all expired. */
  expireTokens (): void {
    this.tokens.clear()
  }

  addFault (fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 })
  }

  /** The first fault matching this call, consumed once. */
  takeFault (method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(f =>
      (f.method === undefined || f.method.toUpperCase() === method) &&
      (f.path === undefined || path.startsWith(f.path)))
    if (index === -1) return undefined
    const fault = this.faults[index]
    if (fault === undefined) return undefined
    fault.remaining--
    if (fault.remaining <= 0) this.faults.splice(index, 1)
    return fault
  }

  callsTo (method: string, pathPrefix: string): RecordedCall[] {
    return this.calls.filter(c => c.method === method && c.path.startsWith(pathPrefix))
  }

  /** The calls that move a conversation to the agents' queue, whichever strategy sent them. */
  routingCalls (): RecordedCall[] {
    return this.calls.filter(c =>
      (c.method === 'PUT' && c.path.startsWith('/api/v2/conversations/messaging/')) ||
      (c.method === 'POST' && c.path.startsWith('/api/v2/conversations/') && c.path.endsWith('/replace/queue')))
  }

  reset (): void {
    this.calls.length = 0
    this.faults = []
    this.tokens.clear()
    this.tokenRequests = 0
    this.conversations.clear()
    this.rate.clear()
  }
}
