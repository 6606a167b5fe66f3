// How Genesys calls are retried. undici's retry handler decides whether a failure is retried (method, status,
// error code, attempt count) and how long to wait (Retry-After, else exponential backoff); this module adds
// only what undici lacks: jitter on the backoff, the per-handoff deadline, and a hook told about each retry.
import { RetryHandler } from 'undici'
import { RETRY_ERROR_CODES, RETRY_STATUS_CODES, parseRetryAfter, type Headers } from './errors.js'

type RetryCallback = RetryHandler.RetryCallback
type RetryContext = RetryHandler.RetryContext

// undici keeps its default retry decision as a static under a symbol; reuse it rather than copy it.
const undiciRetry: RetryCallback = (() => {
  const key = Object.getOwnPropertySymbols(RetryHandler).find(s => s.description === 'retry agent default retry')
  const fn = key === undefined ? undefined : (RetryHandler as unknown as Record<symbol, unknown>)[key]
  if (typeof fn !== 'function') throw new Error('undici no longer exposes its default retry decision')
  return fn as RetryCallback
})()

/** Which failures one call may retry, overriding the defaults. */
export interface RetryFilter {
  statusCodes: number[]
  errorCodes: string[]
}

export interface RetryEvent {
  attempt: number
  /** how long the retry waited */
  delayMs: number
  /** the status Genesys answered with */
  statusCode?: number
  /** the network error when there was no answer (e.g. ECONNRESET) */
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
  filter?: RetryFilter
  now?: () => number
  random?: () => number
  onRetry?: (event: RetryEvent) => void
}

/** undici `retryOptions` for one call, bound to its deadline. */
export function retryOptions (plan: RetryPlan): RetryHandler.RetryOptions {
  const now = plan.now ?? Date.now
  const random = plan.random ?? Math.random
  const retry: RetryCallback = (err, context, cb) => {
    const { statusCode, code, headers } = err as Error & { statusCode?: number, code?: string, headers?: Headers }
    const left = plan.deadline - now()
    // A Retry-After that ends past the deadline: give up now and pass the wait on to our caller.
    const told = parseRetryAfter(headers?.['retry-after'], now())
    if (told !== null && Math.min(told, plan.maxDelayMs) >= left) return cb(err)
    const options = context.opts.retryOptions ?? {}
    // Equal jitter on the backoff (not on an explicit Retry-After): [half, full] of each step.
    const jitter = told === null ? 0.5 + random() / 2 : 1
    const bounded: RetryContext = {
      ...context,
      opts: {
        ...context.opts,
        retryOptions: {
          ...options,
          minTimeout: (options.minTimeout ?? plan.minDelayMs) * jitter,
          maxTimeout: Math.max(0, Math.min((options.maxTimeout ?? plan.maxDelayMs) * jitter, left))
        }
      }
    }
    const started = now()
    undiciRetry(err, bounded, (result) => {
      if (result !== undefined && result !== null) return cb(result)
      if (now() >= plan.deadline) return cb(err)
      // undici wraps a retried status in an error coded UND_ERR_REQ_RETRY: the status is the news, not that code.
      plan.onRetry?.({ attempt: context.state.counter, delayMs: now() - started, ...(statusCode !== undefined ? { statusCode } : { code }) })
      cb(null)
    })
  }
  return {
    retry,
    maxRetries: plan.maxRetries,
    minTimeout: plan.minDelayMs,
    maxTimeout: plan.maxDelayMs,
    timeoutFactor: 2,
    methods: plan.methods as RetryHandler.RetryOptions['methods'],
    statusCodes: plan.filter?.statusCodes ?? RETRY_STATUS_CODES,
    errorCodes: plan.filter?.errorCodes ?? RETRY_ERROR_CODES,
    throwOnError: true
  }
}
