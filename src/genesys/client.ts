// Genesys Cloud Platform API calls made by the handoff, authenticated by the per-instance auth client.
import { DEFAULT_RETRY_AFTER_S, RETRY_STATUS_CODES, retryAfterSeconds, type CallContext, type GenesysHttp, type RetryPolicy, type SendResult } from './http.js'
import type { GenesysAuth } from './auth.js'
import { GenesysRejectedError, GenesysUnavailableError, errorInfo } from './errors.js'

export interface RoutingMetadata {
  queue: { id: string }
  skills: Array<{ id: string, priority: number }>
}

export interface GenesysCallResult {
  status: number
  correlationId?: string
  body: unknown
}

/** The parts of a conversation participant the handoff reads. */
export interface ConversationParticipant {
  id: string
  purpose?: string
  state?: string
  name?: string
  queue?: { id: string }
  attributes?: Record<string, string>
  startTime?: string
  endTime?: string
}

export interface MessageConversation {
  id: string
  participants: ConversationParticipant[]
}

export interface RoutingUpdate {
  skillIds?: string[]
  priority?: number
  languageId?: string
}

export interface CallOptions {
  /** per-call retry policy (see GenesysHttp.send) */
  retry?: RetryPolicy
}

const id = encodeURIComponent

export class GenesysClient {
  private readonly http: GenesysHttp
  private readonly auth: GenesysAuth
  private readonly apiBaseUrl: string

  constructor (opts: { http: GenesysHttp, auth: GenesysAuth, apiBaseUrl: string }) {
    this.http = opts.http
    this.auth = opts.auth
    this.apiBaseUrl = opts.apiBaseUrl
  }

  async updateRoutingMetadata (conversationId: string, routingMetadata: RoutingMetadata, ctx: CallContext): Promise<GenesysCallResult> {
    return await this.call('routing update', 'PUT',
      `/api/v2/conversations/messaging/${encodeURIComponent(conversationId)}`, { routingMetadata }, ctx)
  }

  async getMessageConversation (conversationId: string, ctx: CallContext): Promise<GenesysCallResult & { conversation: MessageConversation }> {
    const result = await this.call('conversation read', 'GET', `/api/v2/conversations/messages/${id(conversationId)}`, undefined, ctx)
    const body = result.body as Partial<MessageConversation> | null
    // An answer without participants says nothing about the conversation: never read it as "ended".
    if (!Array.isArray(body?.participants)) {
      throw new GenesysUnavailableError('conversation read', { status: result.status, correlationId: result.correlationId }, DEFAULT_RETRY_AFTER_S, 'Genesys answered without participants')
    }
    const participants = body.participants.filter(p => typeof p?.id === 'string')
    return { ...result, conversation: { id: conversationId, participants } }
  }

  async updateParticipantAttributes (conversationId: string, participantId: string, attributes: Record<string, string>, ctx: CallContext): Promise<GenesysCallResult> {
    return await this.call('participant attributes update', 'PATCH',
      `/api/v2/conversations/messages/${id(conversationId)}/participants/${id(participantId)}/attributes`, { attributes }, ctx)
  }

  /** Blind transfer of one participant's place in the conversation to a queue. Not idempotent. */
  async replaceParticipantWithQueue (conversationId: string, participantId: string, queueId: string, ctx: CallContext, opts: CallOptions = {}): Promise<GenesysCallResult> {
    return await this.call('transfer to queue', 'POST',
      `/api/v2/conversations/${id(conversationId)}/participants/${id(participantId)}/replace/queue`, { queueId }, ctx, opts)
  }

  async updateRoutingConversation (conversationId: string, update: RoutingUpdate, ctx: CallContext): Promise<GenesysCallResult> {
    return await this.call('routing update', 'PATCH', `/api/v2/routing/conversations/${id(conversationId)}`, update, ctx)
  }

  /**
   * One authenticated JSON call; a 401 refreshes the token and tries once more. Answers 2xx; throws
   * GenesysUnavailableError for 429/5xx (try later) and GenesysRejectedError for other refusals.
   */
  async call (operation: string, method: 'GET' | 'PUT' | 'PATCH' | 'POST', path: string, body: unknown, ctx: CallContext, opts: CallOptions = {}): Promise<GenesysCallResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const send = async (token: string): Promise<SendResult> => await this.http.send({
      operation,
      method,
      url: this.apiBaseUrl + path,
      headers: {
        authorization: `Bearer ${token}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' })
      },
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
    if (RETRY_STATUS_CODES.includes(res.status)) {
      // Only reached when this call's retry policy left these statuses to us: same answer as retries running out.
      throw new GenesysUnavailableError(operation, errorInfo(res.status, res.headers, res.body),
        retryAfterSeconds(res.headers, Date.now()), `Genesys answered ${res.status}`)
    }
    if (res.status >= 300) throw new GenesysRejectedError(operation, errorInfo(res.status, res.headers, res.body))
    const correlationId = res.headers['inin-correlation-id']
    return {
      status: res.status,
      correlationId: typeof correlationId === 'string' ? correlationId : undefined,
      body: parseJson(res.body)
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
