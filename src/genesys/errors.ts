// Every way a Genesys call can fail, classified once: which answers are retried, which prove the request
// never reached Genesys, and which error (with the webhook answer it causes) a failure becomes.
import { errors as undiciErrors } from 'undici'
import { HttpError, RetryLaterError, errorKind, retryLaterKind } from '../errors.js'

/** Answers worth retrying on calls that are safe to repeat (GET, PUT, PATCH, the token POST). */
export const RETRY_STATUS_CODES = [408, 429, 500, 502, 503, 504]
export const RETRY_ERROR_CODES = [
  'ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'EHOSTUNREACH', 'EPIPE',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'
]
/** Failures where the request certainly never reached Genesys: no connection was made. */
export const NOT_SENT_ERROR_CODES = [
  'ECONNREFUSED', 'ENOTFOUND', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'
]
/** Marks a call refused locally because the handoff deadline had passed before it was sent. */
export const DEADLINE_BEFORE_SEND = 'DEADLINE_BEFORE_SEND'
export const DEFAULT_RETRY_AFTER_S = 5

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

/** Genesys refused the call (a 4xx other than 408/429): retrying the same request will not help. */
export class GenesysRejectedError extends HttpError {
  static readonly kind = errorKind(502, 'GENESYS_REJECTED', 'genesys_rejected',
    'Genesys refused a call (a 4xx such as 400/403/404, or bad client credentials); retrying the same event will not help until the cause is fixed. The message names the operation, status, code and correlation id', 'routing update rejected by Genesys: status 404, code not.found, correlation id 0f6c2a7e-1d3b-4a0e-9a1c-3b5e8f2d7c41: conversation not found')

  readonly operation: string
  readonly info: GenesysErrorInfo
  constructor (operation: string, info: GenesysErrorInfo) {
    super(GenesysRejectedError.kind, `${operation} rejected by Genesys: ${describe(info)}`)
    this.operation = operation
    this.info = info
  }
}

/** Genesys was unreachable, slow or kept answering 408/429/5xx until retries or the deadline ran out. */
export class GenesysUnavailableError extends RetryLaterError {
  static readonly kind = retryLaterKind('GENESYS_UNAVAILABLE', 'genesys_unavailable',
    'Genesys unreachable, too slow, or answering 408/429/5xx until retries or the handoff deadline ran out; nothing was handed off and the same event may pass after Retry-After', 'routing update failed: Genesys kept answering 429 (status 429, code too.many.requests.retry.after, correlation id 0f6c2a7e-1d3b-4a0e-9a1c-3b5e8f2d7c41); retry later')

  readonly operation: string
  readonly info: GenesysErrorInfo
  constructor (operation: string, info: GenesysErrorInfo, retryAfterSeconds: number, why: string) {
    super(GenesysUnavailableError.kind, `${operation} failed: ${why}${info.status !== undefined ? ` (${describe(info)})` : ''}; retry later`, retryAfterSeconds)
    this.operation = operation
    this.info = info
  }
}

/**
 * A transfer failed in a way Genesys may still act on (no answer, or a gateway that stopped waiting), and a
 * re-read could not show it took effect. Nothing is sent again now; the caller's retry reads the
 * conversation first and transfers only if it did not.
 */
export class TransferOutcomeUnknownError extends RetryLaterError {
  static readonly kind = retryLaterKind('TRANSFER_OUTCOME_UNKNOWN', 'transfer_outcome_unknown',
    'The transfer got no clear answer (timeout, lost connection, gateway error) and Genesys may still be handling it; nothing is sent again now. Retry after Retry-After: the retry reads the conversation first and transfers only if the first one did not take effect', 'transfer to queue got no clear answer (network error UND_ERR_HEADERS_TIMEOUT) and Genesys may still be handling it; not sent again: retry later')

  constructor (why: string, retryAfterSeconds = DEFAULT_RETRY_AFTER_S) {
    super(TransferOutcomeUnknownError.kind,
      `transfer to queue got no clear answer (${why}) and Genesys may still be handling it; not sent again: retry later`, retryAfterSeconds)
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

/** A failure's text for logs and warnings: Genesys' details when it is a Genesys error. */
export function describeError (err: unknown): string {
  if (err instanceof GenesysUnavailableError || err instanceof GenesysRejectedError) return describe(err.info)
  return err instanceof Error ? err.message : String(err)
}

export function genesysInfo (err: unknown): GenesysErrorInfo {
  return err instanceof GenesysUnavailableError || err instanceof GenesysRejectedError ? err.info : {}
}

/** Reads `{message, code}` from a Genesys error body (or an OAuth `{error, description}` one). */
export function errorInfo (status: number, headers: Headers, body: string): GenesysErrorInfo {
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

export type Headers = Record<string, string | string[] | undefined>

/** Milliseconds to wait from a Retry-After header (delta-seconds or HTTP date), or null if absent/invalid. */
export function parseRetryAfter (value: unknown, now: number): number | null {
  if (typeof value !== 'string' || value.trim() === '') return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

/** Whole seconds the webhook's caller should wait, from Genesys' Retry-After (at least 1) or the default. */
export function retryAfterSeconds (headers: Headers, now: number): number {
  const wait = parseRetryAfter(headers['retry-after'], now)
  return wait === null ? DEFAULT_RETRY_AFTER_S : Math.max(1, Math.ceil(wait / 1000))
}

/** The error for an answer the retries ended on: unavailable when it may pass (408, 429, 5xx), rejected otherwise. */
export function answerError (operation: string, status: number, headers: Headers, body: string, now: number): HttpError {
  const info = errorInfo(status, headers, body)
  if (status >= 500 || RETRY_STATUS_CODES.includes(status)) return new GenesysUnavailableError(operation, info, retryAfterSeconds(headers, now), `Genesys answered ${status}`)
  return new GenesysRejectedError(operation, info)
}

/** The error for a call that got no usable answer (retries ran out, timeout, network failure). */
export function transportError (operation: string, err: unknown, now: number): GenesysUnavailableError {
  if (err instanceof GenesysUnavailableError) return err
  const e = err as Error & { statusCode?: number, code?: string, headers?: Headers }
  if (e instanceof undiciErrors.RequestRetryError || typeof e.statusCode === 'number') {
    const headers = e.headers ?? {}
    const info = errorInfo(e.statusCode ?? 0, headers, '')
    return new GenesysUnavailableError(operation, info, retryAfterSeconds(headers, now), `Genesys kept answering ${String(e.statusCode)}`)
  }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new GenesysUnavailableError(operation, {}, DEFAULT_RETRY_AFTER_S, 'handoff deadline exceeded')
  }
  const code = typeof e.code === 'string' ? e.code : e.name
  return new GenesysUnavailableError(operation, { transportCode: code }, DEFAULT_RETRY_AFTER_S, `Genesys unreachable (${code})`)
}

/** The metrics status of a failed call: the status it ended on, or why there was none. */
export function failedStatus (err: unknown): number | 'error' | 'timeout' {
  const e = err as Error & { statusCode?: unknown, code?: unknown }
  if (typeof e.statusCode === 'number' && e.statusCode > 0) return e.statusCode
  const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError' ||
    (typeof e.code === 'string' && /TIMEOUT/.test(e.code))
  return timedOut ? 'timeout' : 'error'
}

/**
 * True when Genesys may still be handling the call: it got no answer (timeout, connection lost after
 * sending) or a gateway's 502/504, which answers without waiting for Genesys to finish. A re-read made now
 * may not show the call's effect yet.
 */
export function mayStillBeHandled (err: unknown): boolean {
  if (!outcomeUncertain(err)) return false
  const { status } = (err as GenesysUnavailableError | GenesysRejectedError).info
  return status === undefined || status === 0 || status === 502 || status === 504
}

/** True when Genesys may have acted on the call despite the failure (5xx, timeout, connection lost). */
export function outcomeUncertain (err: unknown): boolean {
  if (!(err instanceof GenesysUnavailableError) && !(err instanceof GenesysRejectedError)) return false
  const { status, transportCode } = err.info
  if (status !== undefined && status !== 0) return status >= 500
  if (transportCode === DEADLINE_BEFORE_SEND) return false
  return transportCode === undefined || !NOT_SENT_ERROR_CODES.includes(transportCode)
}
