// Genesys Cloud Platform API calls made by the handoff, authenticated by the per-instance auth client.
import type { CallContext, GenesysHttp, SendResult } from './http.js'
import type { GenesysAuth } from './auth.js'
import { GenesysRejectedError, errorInfo } from './errors.js'

export interface RoutingMetadata {
  queue: { id: string }
  skills: Array<{ id: string, priority: number }>
}

export interface GenesysCallResult {
  status: number
  correlationId?: string
  body: unknown
}

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

  /** One authenticated JSON call; a 401 refreshes the token and tries once more. */
  async call (operation: string, method: 'GET' | 'PUT' | 'PATCH' | 'POST', path: string, body: unknown, ctx: CallContext): Promise<GenesysCallResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const send = async (token: string): Promise<SendResult> => await this.http.send({
      operation,
      method,
      url: this.apiBaseUrl + path,
      headers: {
        authorization: `Bearer ${token}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' })
      },
      body: payload
    }, ctx)

    let token = await this.auth.getToken(ctx)
    let res = await send(token)
    if (res.status === 401) {
      this.auth.invalidate(token)
      token = await this.auth.getToken(ctx)
      res = await send(token)
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
