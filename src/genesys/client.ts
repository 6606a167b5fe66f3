// Genesys Cloud Platform API calls made by the handoff, authenticated by the per-instance auth client. Every
// call is logged the same way: operation, Genesys status, code and correlation id, whatever the outcome.
import type { GenesysAuth } from './auth.js'
import type { GenesysTransport, SendContext, SendResult } from './transport.js'
import type { RetryFilter, RetryEvent } from './retry-policy.js'
import { GenesysUnavailableError, NOT_SENT_ERROR_CODES, answerError, genesysInfo } from './errors.js'
import { PathTemplate, baseUrl, type BaseUrl } from './endpoint.js'
import type { Log } from '../logger.js'
// Genesys' own models, for the compiler only: the SDK is a development dependency and never loaded at run time.
import type { Models } from 'purecloud-platform-client-v2'

export type { RetryEvent }

/** One operation's budget, hooks and log (a handoff, or a startup check). */
export interface CallContext extends SendContext {
  /** where the call lines go (none: not logged) */
  log?: Log
  /** named in every call's log line */
  conversationId?: string
}

export interface RoutingMetadata {
  queue: { id: string }
  skills: Array<{ id: string, priority: number }>
}

/** How a call ended: what a write's caller reads. */
export interface GenesysCallAck {
  status: number
  correlationId?: string
}

export interface GenesysCallResult extends GenesysCallAck {
  body: unknown
}

/** A participant as Genesys answers it (the SDK's MessageMediaParticipant), with the id the handoff needs. */
export type ConversationParticipant = Models.MessageMediaParticipant & { id: string }

/** The conversation as the handoff reads it: Genesys' MessageConversation, participants with ids. */
export interface MessageConversation {
  id: string
  participants: ConversationParticipant[]
}

/** The routing fields the handoff sets (Genesys' RoutingConversationAttributesRequest). */
export type RoutingUpdate = Pick<Models.RoutingConversationAttributesRequest, 'skillIds' | 'priority' | 'languageId'>

export interface RoutingQueue {
  id: string
  name?: string
}

export const QUEUE_READ = 'queue read'

type Method = 'GET' | 'PUT' | 'PATCH' | 'POST'

/** A 2xx answer, its body as sent. */
interface Answer extends GenesysCallAck {
  text: string
}

interface CallOptions {
  retry?: RetryFilter
  /** level of the success line (polling reads log at debug) */
  level?: 'info' | 'debug'
}

/** The transfer is retried only after answers that prove Genesys did not act on it. */
export const TRANSFER_RETRY: RetryFilter = { statusCodes: [429], errorCodes: NOT_SENT_ERROR_CODES }

// Each call's path; its template, without the ids, labels the call's metric.
const MESSAGING_CONVERSATION = new PathTemplate('/api/v2/conversations/messaging/{id}')
const MESSAGE_CONVERSATION = new PathTemplate('/api/v2/conversations/messages/{id}')
const PARTICIPANT_ATTRIBUTES = new PathTemplate('/api/v2/conversations/messages/{id}/participants/{id}/attributes')
const REPLACE_WITH_QUEUE = new PathTemplate('/api/v2/conversations/{id}/participants/{id}/replace/queue')
const QUEUE = new PathTemplate('/api/v2/routing/queues/{id}')
const ROUTING_CONVERSATION = new PathTemplate('/api/v2/routing/conversations/{id}')

/** Where one call goes: the path, and the same path templated for its metric. */
interface Target {
  path: string
  endpoint: PathTemplate
}

const at = (endpoint: PathTemplate, ...ids: string[]): Target => ({ path: endpoint.fill(...ids), endpoint })

export class GenesysClient {
  private readonly transport: GenesysTransport
  private readonly auth: GenesysAuth
  private readonly base: BaseUrl
  private readonly now: () => number

  constructor (opts: { transport: GenesysTransport, auth: GenesysAuth, apiBaseUrl: string, now?: () => number }) {
    this.transport = opts.transport
    this.auth = opts.auth
    this.base = baseUrl(opts.apiBaseUrl)
    this.now = opts.now ?? Date.now
  }

  /** The original tutorial's call; not in Genesys' published API. */
  async updateRoutingMetadata (conversationId: string, routingMetadata: RoutingMetadata, ctx: CallContext): Promise<GenesysCallAck> {
    return await this.write('routing update', 'PUT', at(MESSAGING_CONVERSATION, conversationId), { routingMetadata }, ctx, { level: 'debug' })
  }

  async getMessageConversation (conversationId: string, ctx: CallContext, level: 'info' | 'debug' = 'info'): Promise<GenesysCallResult & { conversation: MessageConversation }> {
    const result = await this.call('conversation read', 'GET', at(MESSAGE_CONVERSATION, conversationId), undefined, ctx, { level })
    const body = result.body as Models.MessageConversation | null
    // An answer without participants says nothing about the conversation: never read it as "ended".
    if (!Array.isArray(body?.participants)) {
      throw new GenesysUnavailableError('conversation read', { status: result.status, correlationId: result.correlationId }, 5, 'Genesys answered without participants')
    }
    const participants = body.participants.filter((p): p is ConversationParticipant => typeof p?.id === 'string')
    return { ...result, conversation: { id: conversationId, participants } }
  }

  async updateParticipantAttributes (conversationId: string, participantId: string, attributes: Record<string, string>, ctx: CallContext): Promise<GenesysCallAck> {
    const body: Models.ParticipantAttributes = { attributes }
    return await this.write('participant attributes update', 'PATCH', at(PARTICIPANT_ATTRIBUTES, conversationId, participantId), body, ctx)
  }

  /** Blind transfer of one participant's place in the conversation to a queue. Not idempotent. */
  async replaceParticipantWithQueue (conversationId: string, participantId: string, queueId: string, ctx: CallContext): Promise<GenesysCallAck> {
    const body: Models.TransferToQueueRequest = { queueId }
    return await this.write('transfer to queue', 'POST', at(REPLACE_WITH_QUEUE, conversationId, participantId), body, ctx, { retry: TRANSFER_RETRY })
  }

  /** The queue as routing sees it (needs routing:queue:view): used to check HANDOFF_QUEUE_ID at startup. */
  async getQueue (queueId: string, ctx: CallContext): Promise<GenesysCallResult & { queue: RoutingQueue }> {
    const result = await this.call(QUEUE_READ, 'GET', at(QUEUE, queueId), undefined, ctx)
    const body = result.body as Partial<RoutingQueue> | null
    return { ...result, queue: { id: typeof body?.id === 'string' ? body.id : queueId, ...(typeof body?.name === 'string' ? { name: body.name } : {}) } }
  }

  async updateRoutingConversation (conversationId: string, update: RoutingUpdate, ctx: CallContext): Promise<GenesysCallAck> {
    const body: Models.RoutingConversationAttributesRequest = update
    return await this.write('routing update', 'PATCH', at(ROUTING_CONVERSATION, conversationId), body, ctx)
  }

  /**
   * One authenticated JSON call, logged; a 401 refreshes the token and tries once more. Answers 2xx; throws
   * GenesysUnavailableError for 429/5xx (try later) and GenesysRejectedError for other refusals.
   */
  async call (operation: string, method: Method, target: Target, body: unknown, ctx: CallContext, opts: CallOptions = {}): Promise<GenesysCallResult> {
    const { status, correlationId, text } = await this.logged(operation, method, target, body, ctx, opts)
    return { status, correlationId, body: parseJson(text) }
  }

  /** The same for a write: nothing reads what Genesys echoes, so its answer is not parsed. */
  async write (operation: string, method: Method, target: Target, body: unknown, ctx: CallContext, opts: CallOptions = {}): Promise<GenesysCallAck> {
    const { status, correlationId } = await this.logged(operation, method, target, body, ctx, opts)
    return { status, correlationId }
  }

  private async logged (operation: string, method: Method, target: Target, body: unknown, ctx: CallContext, opts: CallOptions): Promise<Answer> {
    const { conversationId } = ctx
    try {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const send = async (token: string): Promise<SendResult> => await this.transport.send({
        operation,
        method,
        origin: this.base.origin,
        path: this.base.path + target.path,
        endpoint: this.base.template + target.endpoint.template,
        headers: payload === undefined
          ? { authorization: `Bearer ${token}` }
          : { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: payload,
        retry: opts.retry
      }, ctx)
      let token = await this.auth.getToken(ctx)
      let res = await send(token)
      if (res.status === 401) {
        this.auth.invalidate(token)
        token = await this.auth.getToken(ctx)
        res = await send(token)
      }
      if (res.status >= 300) throw answerError(operation, res.status, res.headers, res.body, this.now())
      const header = res.headers['inin-correlation-id']
      const correlationId = typeof header === 'string' ? header : undefined
      ctx.log?.[opts.level ?? 'info']({ conversationId, operation, genesysStatus: res.status, correlationId }, 'genesys call')
      return { status: res.status, correlationId, text: res.body }
    } catch (err) {
      const info = genesysInfo(err)
      const failed = (err as { operation?: string }).operation ?? operation
      ctx.log?.warn({ conversationId, operation: failed, genesysStatus: info.status, genesysCode: info.code, correlationId: info.correlationId, transportCode: info.transportCode }, 'genesys call failed')
      throw err
    }
  }
}

function parseJson (text: string): unknown {
  if (text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
