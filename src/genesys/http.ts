// The HTTP layer to Genesys: one keep-alive pool per app instance, with undici's retry interceptor doing
// the retrying. Our retry callback only adds what undici lacks: jitter on backoff and a per-handoff
// deadline (never wait past it; give up and let the caller retry later instead).
import { Agent, errors, interceptors, type Dispatcher } from 'undici'
import { GenesysUnavailableError, errorInfo } from './errors.js'

export const RETRY_STATUS_CODES = [429, 502, 503, 504]
export const RETRY_ERROR_CODES = [
  'ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'EHOSTUNREACH', 'EPIPE',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'
]

/** Failures where the request certainly never reached Genesys: no connection was made. */
export const NOT_SENT_ERROR_CODES = [
  'ECONNREFUSED', 'ENOTFOUND', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'
]

/** Which failures one call may retry, overriding the defaults above. */
export interface RetryPolicy {
  statusCodes: number[]
  errorCodes: string[]
}

export interface HttpOptions {
  /** a dispatcher to send through instead of a fresh keep-alive Agent (tests pass a MockAgent) */
  dispatcher?: Dispatcher
  maxConnections: number
  requestTimeoutMs: number
}

export function createGenesysDispatcher (opts: HttpOptions): Dispatcher {
  const base = opts.dispatcher ?? new Agent({
    connections: opts.maxConnections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connectTimeout: opts.requestTimeoutMs,
    headersTimeout: opts.requestTimeoutMs,
    bodyTimeout: opts.requestTimeoutMs
  })
  return base.compose(interceptors.retry({
    statusCodes: RETRY_STATUS_CODES,
    errorCodes: RETRY_ERROR_CODES,
    throwOnError: true
  }))
}

export interface RetryEvent {
  attempt: number
  delayMs: number
  statusCode?: number
  code?: string
}

export interface RetryPlan {
  maxRetries: number
  /** first backoff step; doubles each attempt */
  minDelayMs: number
  /** cap on any single wait, Retry-After included */
  maxDelayMs: number
  /** epoch ms after which no retry is started */
  deadline: number
  methods: string[]
  now?: () => number
  random?: () => number
  onRetry?: (event: RetryEvent) => void
}

/** Milliseconds to wait from a Retry-After header (delta-seconds or HTTP date), or null if absent/invalid. */
export function parseRetryAfter (value: unknown, now: number): number | null {
  if (typeof value !== 'string' || value.trim() === '') return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

type RetryFn = (
  err: Error & { statusCode?: number, code?: string, headers?: Record<string, string | string[] | undefined> },
  context: { state: { counter: number }, opts: { method: string, retryOptions: { statusCodes: number[], errorCodes: string[] } } },
  callback: (err?: Error | null) => void
) => void

/** undici `retryOptions` for one call, bound to its deadline. */
export function retryOptions (plan: RetryPlan): Record<string, unknown> {
  const now = plan.now ?? Date.now
  const random = plan.random ?? Math.random
  const retry: RetryFn = (err, { state, opts }, cb) => {
    const { statusCode, code, headers } = err
    const { statusCodes, errorCodes } = opts.retryOptions
    if (code !== undefined && code !== 'UND_ERR_REQ_RETRY' && !errorCodes.includes(code)) return cb(err)
    if (!plan.methods.includes(opts.method)) return cb(err)
    if (statusCode !== undefined && !statusCodes.includes(statusCode)) return cb(err)
    if (state.counter > plan.maxRetries) return cb(err)

    const retryAfter = parseRetryAfter(headers?.['retry-after'], now())
    const backoff = Math.min(plan.minDelayMs * 2 ** (state.counter - 1), plan.maxDelayMs)
    // Equal jitter spreads retries from many instances; an explicit Retry-After is honoured as given.
    const delayMs = retryAfter !== null ? Math.min(retryAfter, plan.maxDelayMs) : Math.round(backoff / 2 + random() * backoff / 2)
    if (now() + delayMs >= plan.deadline) return cb(err)
    plan.onRetry?.({ attempt: state.counter, delayMs, statusCode, code })
    setTimeout(() => cb(null), delayMs)
  }
  return { retry, maxRetries: plan.maxRetries, methods: plan.methods }
}

export interface CallContext {
  /** epoch ms by which the whole operation (all calls and retries) must be over */
  deadline: number
  /** forwarded to Genesys as ININ-Correlation-Id so both sides' logs line up */
  requestId?: string
  onRetry?: (event: RetryEvent & { operation: string }) => void
}

export interface SendOptions {
  operation: string
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  headers: Record<string, string>
  body?: string
  /** POST is retried only where it is safe to repeat */
  retryPost?: boolean
  /**
   * Retry only these failures (any method, POST included). For calls that are not idempotent: list only
   * answers after which Genesys certainly did not act (e.g. 429, connection refused).
   */
  retry?: RetryPolicy
}

export interface SendResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One finished call (after its retries): the final status, or why there was none. */
export interface CallRecord {
  operation: string
  method: string
  url: string
  status: number | 'error' | 'timeout'
}

export interface GenesysHttpOptions extends HttpOptions {
  maxRetries: number
  /** told about every call (metrics) */
  onCall?: (call: CallRecord) => void
  retryMinDelayMs?: number
  retryMaxDelayMs: number
  now?: () => number
}

export class GenesysHttp {
  private readonly dispatcher: Dispatcher
  private readonly opts: GenesysHttpOptions
  private readonly now: () => number

  constructor (opts: GenesysHttpOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
    this.dispatcher = createGenesysDispatcher(opts)
  }

  /** Sends one call with retries; answers any status it ends on, throws GenesysUnavailableError otherwise. */
  async send (req: SendOptions, ctx: CallContext): Promise<SendResult> {
    const remaining = ctx.deadline - this.now()
    if (remaining <= 0) {
      throw new GenesysUnavailableError(req.operation, { transportCode: 'DEADLINE_BEFORE_SEND' }, DEFAULT_RETRY_AFTER_S, 'handoff deadline exceeded')
    }
    const timeout = Math.min(this.opts.requestTimeoutMs, remaining)
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers }
    if (ctx.requestId !== undefined) headers['inin-correlation-id'] = ctx.requestId
    const methods = req.retry !== undefined ? [req.method] : ['GET', 'PUT', 'PATCH', 'DELETE']
    if (req.retryPost === true) methods.push('POST')
    const retry = {
      ...retryOptions({
        maxRetries: this.opts.maxRetries,
        minDelayMs: this.opts.retryMinDelayMs ?? 250,
        maxDelayMs: this.opts.retryMaxDelayMs,
        deadline: ctx.deadline,
        methods,
        now: this.now,
        onRetry: ctx.onRetry === undefined ? undefined : (e) => ctx.onRetry?.({ ...e, operation: req.operation })
      }),
      ...(req.retry === undefined ? {} : { statusCodes: req.retry.statusCodes, errorCodes: req.retry.errorCodes })
    }
    const url = new URL(req.url)
    // Not AbortSignal.timeout: its timer would outlive the call by the whole deadline, one per handoff.
    const deadline = new AbortController()
    const timer = setTimeout(() => { deadline.abort(new DOMException('handoff deadline exceeded', 'TimeoutError')) }, remaining)
    try {
      const res = await this.dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: req.method,
        headers,
        body: req.body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: deadline.signal,
        retryOptions: retry
      } as Dispatcher.RequestOptions)
      const result = { status: res.statusCode, headers: res.headers, body: await res.body.text() }
      this.opts.onCall?.({ operation: req.operation, method: req.method, url: req.url, status: result.status })
      return result
    } catch (err) {
      this.opts.onCall?.({ operation: req.operation, method: req.method, url: req.url, status: failedStatus(err) })
      throw unavailable(req.operation, err, this.now())
    } finally {
      clearTimeout(timer)
    }
  }

  async close (): Promise<void> {
    await this.dispatcher.close()
  }
}

export const DEFAULT_RETRY_AFTER_S = 5

/** Whole seconds the webhook's caller should wait, from Genesys' Retry-After (at least 1) or the default. */
export function retryAfterSeconds (headers: Record<string, string | string[] | undefined>, now: number): number {
  const wait = parseRetryAfter(headers['retry-after'], now)
  return wait === null ? DEFAULT_RETRY_AFTER_S : Math.max(1, Math.ceil(wait / 1000))
}

function failedStatus (err: unknown): CallRecord['status'] {
  const e = err as Error & { statusCode?: unknown, code?: unknown }
  if (typeof e.statusCode === 'number' && e.statusCode > 0) return e.statusCode
  const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError' ||
    (typeof e.code === 'string' && /TIMEOUT/.test(e.code))
  return timedOut ? 'timeout' : 'error'
}

function unavailable (operation: string, err: unknown, now: number): GenesysUnavailableError {
  const e = err as Error & { statusCode?: number, code?: string, headers?: Record<string, string | string[] | undefined> }
  if (e instanceof errors.RequestRetryError || typeof e.statusCode === 'number') {
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
