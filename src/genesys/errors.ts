// What can go wrong talking to Genesys Cloud, in terms the webhook can answer with.
import { HttpError } from '../errors.js'

export interface GenesysErrorInfo {
  /** HTTP status Genesys answered with, if it answered */
  status?: number
  /** Genesys' error code (e.g. `not.found`) */
  code?: string
  correlationId?: string
  /** Genesys' own message */
  detail?: string
  /** the network error when Genesys did not answer (e.g. ECONNREFUSED) */
  transportCode?: string
}

/** Genesys refused the call (4xx other than 401/429): retrying the same request will not help. */
export class GenesysRejectedError extends HttpError {
  readonly info: GenesysErrorInfo
  constructor (operation: string, info: GenesysErrorInfo) {
    super(502, 'GENESYS_REJECTED', `${operation} rejected by Genesys: ${describe(info)}`)
    this.name = 'GenesysRejectedError'
    this.info = info
  }
}

/** Genesys was unreachable, slow or kept answering 429/5xx until retries or the deadline ran out. */
export class GenesysUnavailableError extends HttpError {
  readonly info: GenesysErrorInfo
  readonly retryAfterSeconds: number
  constructor (operation: string, info: GenesysErrorInfo, retryAfterSeconds: number, why: string) {
    super(503, 'GENESYS_UNAVAILABLE', `${operation} failed: ${why}${info.status !== undefined ? ` (${describe(info)})` : ''}; retry later`,
      { 'retry-after': String(retryAfterSeconds) })
    this.name = 'GenesysUnavailableError'
    this.info = info
    this.retryAfterSeconds = retryAfterSeconds
  }
}

export function describe (info: GenesysErrorInfo): string {
  const parts = [`status ${info.status ?? 'none'}`]
  if (info.code !== undefined) parts.push(`code ${info.code}`)
  if (info.transportCode !== undefined) parts.push(`network error ${info.transportCode}`)
  if (info.correlationId !== undefined) parts.push(`correlation id ${info.correlationId}`)
  let text = parts.join(', ')
  if (info.detail !== undefined && info.detail !== '') text += `: ${info.detail}`
  return text
}

/** Reads `{message, code}` from a Genesys error body (or an OAuth `{error, description}` one). */
export function errorInfo (status: number, headers: Record<string, string | string[] | undefined>, body: string): GenesysErrorInfo {
  const info: GenesysErrorInfo = { status }
  const correlationId = headers['inin-correlation-id']
  if (typeof correlationId === 'string') info.correlationId = correlationId
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>
    const code = parsed.code ?? parsed.error
    const message = parsed.message ?? parsed.error_description ?? parsed.description
    if (typeof code === 'string') info.code = code
    if (typeof message === 'string') info.detail = message.slice(0, 300)
    // Genesys repeats the correlation id as contextId; use it when a proxy dropped the header.
    if (info.correlationId === undefined && typeof parsed.contextId === 'string') info.correlationId = parsed.contextId.slice(0, 100)
  } catch {
    if (body !== '') info.detail = body.slice(0, 200)
  }
  return info
}
