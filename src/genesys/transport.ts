// The HTTP layer to Genesys: one keep-alive pool per app instance with undici's retry interceptor, and
// `send`, which bounds one call (all its retries) by the handoff deadline and reports how it ended.
import { EventEmitter } from 'node:events'
import { Agent, interceptors, type Dispatcher } from 'undici'
import { DEADLINE_BEFORE_SEND, DEFAULT_RETRY_AFTER_S, GenesysUnavailableError, failedStatus, transportError, type Headers } from './errors.js'
import { retryOptions, type RetryEvent, type RetryFilter } from './retry-policy.js'
import type { Telemetry } from '../telemetry.js'

export interface TransportOptions {
  /** a dispatcher to send through instead of a fresh keep-alive Agent (tests pass a MockAgent) */
  dispatcher?: Dispatcher
  maxConnections: number
  requestTimeoutMs: number
  maxRetries: number
  retryMinDelayMs?: number
  retryMaxDelayMs: number
  telemetry?: Telemetry
  now?: () => number
}

export interface SendOptions {
  operation: string
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** scheme, host and port (endpoint.ts splits a base URL once) */
  origin: string
  /** path and query on the origin */
  path: string
  /** the path templated without ids (e.g. /api/v2/conversations/messages/{id}): the metric label */
  endpoint: string
  headers: Record<string, string>
  body?: string
  /** POST is retried only where it is safe to repeat */
  retryPost?: boolean
  /**
   * Retry only these failures (any method, POST included). For calls that are not idempotent: list only
   * answers after which Genesys certainly did not act (e.g. 429, connection refused).
   */
  retry?: RetryFilter
}

/** The budget and hooks of one operation (a handoff, or a startup check). */
export interface SendContext {
  /** epoch ms by which the whole operation (all calls and retries) must be over */
  deadline: number
  /** forwarded to Genesys as ININ-Correlation-Id so both sides' logs line up */
  requestId?: string
  onRetry?: (event: RetryEvent & { operation: string }) => void
  /** cancels the call (and its retries), e.g. a startup check when the service closes */
  signal?: AbortSignal
}

export interface SendResult {
  status: number
  headers: Headers
  body: string
}

export function createDispatcher (opts: Pick<TransportOptions, 'dispatcher' | 'maxConnections' | 'requestTimeoutMs'>): Dispatcher {
  const base = opts.dispatcher ?? new Agent({
    connections: opts.maxConnections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connectTimeout: opts.requestTimeoutMs,
    headersTimeout: opts.requestTimeoutMs,
    bodyTimeout: opts.requestTimeoutMs
  })
  return base.compose(interceptors.retry())
}

const IDEMPOTENT = ['GET', 'PUT', 'PATCH', 'DELETE']
const IDEMPOTENT_AND_POST = [...IDEMPOTENT, 'POST']

/**
 * What aborts one call: its deadline or the caller's signal. An EventEmitter, which undici takes as a signal
 * as well as an AbortSignal: an AbortController and its signal (an EventTarget) cost µs of CPU on every call.
 */
class CallAbort extends EventEmitter {
  aborted = false
  reason: unknown = undefined

  abort (reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason ?? new DOMException('This operation was aborted', 'AbortError')
    this.emit('abort')
  }
}

export class GenesysTransport {
  private readonly dispatcher: Dispatcher
  private readonly opts: TransportOptions
  private readonly now: () => number

  constructor (opts: TransportOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
    this.dispatcher = createDispatcher(opts)
  }

  /** Sends one call with retries; answers any status it ends on, throws GenesysUnavailableError otherwise. */
  async send (req: SendOptions, ctx: SendContext): Promise<SendResult> {
    const remaining = ctx.deadline - this.now()
    if (remaining <= 0) {
      throw new GenesysUnavailableError(req.operation, { transportCode: DEADLINE_BEFORE_SEND }, DEFAULT_RETRY_AFTER_S, 'handoff deadline exceeded')
    }
    const timeout = Math.min(this.opts.requestTimeoutMs, remaining)
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers }
    if (ctx.requestId !== undefined) headers['inin-correlation-id'] = ctx.requestId
    const methods = req.retry !== undefined ? [req.method] : req.retryPost === true ? IDEMPOTENT_AND_POST : IDEMPOTENT
    const { telemetry } = this.opts
    const retry = retryOptions({
      maxRetries: this.opts.maxRetries,
      minDelayMs: this.opts.retryMinDelayMs ?? 250,
      maxDelayMs: this.opts.retryMaxDelayMs,
      deadline: ctx.deadline,
      methods,
      filter: req.retry,
      now: this.now,
      onRetry: (e) => {
        telemetry?.publish('genesysRetry', { operation: req.operation, reason: String(e.statusCode ?? e.code ?? 'unknown') })
        ctx.onRetry?.({ ...e, operation: req.operation })
      }
    })
    // Not AbortSignal.timeout: its timer would outlive the call by the whole deadline, one per handoff.
    const deadline = new CallAbort()
    const timer = setTimeout(() => { deadline.abort(new DOMException('handoff deadline exceeded', 'TimeoutError')) }, remaining)
    const cancel = (): void => { deadline.abort(ctx.signal?.reason) }
    if (ctx.signal?.aborted === true) cancel()
    ctx.signal?.addEventListener('abort', cancel, { once: true })
    try {
      const res = await this.dispatcher.request({
        origin: req.origin,
        path: req.path,
        method: req.method,
        headers,
        body: req.body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: deadline,
        retryOptions: retry
      } as Dispatcher.RequestOptions)
      const result = { status: res.statusCode, headers: res.headers, body: await res.body.text() }
      telemetry?.publish('genesysCall', { operation: req.operation, method: req.method, endpoint: req.endpoint, status: result.status })
      return result
    } catch (err) {
      telemetry?.publish('genesysCall', { operation: req.operation, method: req.method, endpoint: req.endpoint, status: failedStatus(err) })
      throw transportError(req.operation, err, this.now())
    } finally {
      clearTimeout(timer)
      ctx.signal?.removeEventListener('abort', cancel)
    }
  }

  async close (): Promise<void> {
    await this.dispatcher.close()
  }
}
