// The startup check: fetch a token and read the handoff queue, so wrong credentials, a client in another
// region or a queue name where its id belongs are said plainly in the log when the service starts, and
// readiness reports them. An unreachable Genesys is not a configuration error: the service keeps serving and
// the check retries in the background with backoff until it gets an answer.
import { GenesysRejectedError, describe, genesysInfo } from './errors.js'
import { TOKEN_OPERATION } from './auth.js'
import type { GenesysClient } from './client.js'
import type { Log } from '../logger.js'
import { UUID_PATTERN } from '../schemas/common.js'

export const GENESYS_CHECK_STATES = ['not_checked', 'checking', 'ok', 'unauthorized', 'queue_not_found', 'unreachable', 'skipped'] as const
export type GenesysCheckState = typeof GENESYS_CHECK_STATES[number]

export interface GenesysCheckStatus {
  state: GenesysCheckState
  /** what was found, for a person */
  reason?: string
  /** attempts made so far */
  attempts: number
}

/**
 * States that keep the instance out of rotation: credentials or queue that cannot work (a rollout with them
 * stalls instead of replacing working instances), and the first check still running. An unreachable Genesys
 * does not: webhooks are still recorded and answered, handoffs get 503 + Retry-After until it is back.
 */
export function failsReadiness (state: GenesysCheckState): boolean {
  return state === 'checking' || state === 'unauthorized' || state === 'queue_not_found'
}

export interface Timers {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

export const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => { clearTimeout(handle as NodeJS.Timeout) }
}

export interface StartupCheckOptions {
  client: GenesysClient
  queueId: string
  /** GENESYS_REGION, named when credentials are refused */
  region: string
  log: Log
  /** time budget of one attempt (all its calls and retries) */
  attemptMs: number
  /** first wait before retrying; doubles up to maxDelayMs */
  minDelayMs?: number
  maxDelayMs?: number
  /** why the check does not run (no OAuth client configured, or turned off); null when it does */
  skip?: string | null
  timers?: Timers
  now?: () => number
}

const UUID = new RegExp(UUID_PATTERN)

/** The state and a sentence for a failed attempt. */
export function classify (err: unknown, queueId: string, region: string): { state: GenesysCheckState, reason: string } {
  const info = genesysInfo(err)
  const details = info.status !== undefined || info.transportCode !== undefined ? describe(info) : err instanceof Error ? err.message : String(err)
  if (err instanceof GenesysRejectedError) {
    if (err.operation === TOKEN_OPERATION || info.status === 401) {
      return {
        state: 'unauthorized',
        reason: `Genesys refused the OAuth client (${details}): check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET, and that the client ` +
          `(grant type Client Credentials) belongs to an organization in region ${region} (GENESYS_REGION)`
      }
    }
    if (info.status === 403) {
      return { state: 'unauthorized', reason: `the OAuth client may not read queue ${queueId} (${details}): give its role the routing:queue:view permission` }
    }
    const hint = UUID.test(queueId)
      ? 'check HANDOFF_QUEUE_ID and that the queue is in this organization'
      : 'HANDOFF_QUEUE_ID must be the queue\'s id (a UUID, shown in the queue\'s URL under Admin > Queues), not its name'
    return { state: 'queue_not_found', reason: `queue '${queueId}' not found (${details}): ${hint}` }
  }
  return { state: 'unreachable', reason: `Genesys could not be reached (${details}); retrying in the background` }
}

export class GenesysStartupCheck {
  private readonly opts: StartupCheckOptions
  private readonly timers: Timers
  private readonly now: () => number
  private current: GenesysCheckStatus
  private timer: unknown = null
  private running: Promise<GenesysCheckStatus> | null = null
  private readonly abort = new AbortController()
  private stopped = false

  constructor (opts: StartupCheckOptions) {
    this.opts = opts
    this.timers = opts.timers ?? REAL_TIMERS
    this.now = opts.now ?? Date.now
    const skip = opts.skip ?? null
    this.current = skip === null ? { state: 'not_checked', attempts: 0 } : { state: 'skipped', reason: skip, attempts: 0 }
  }

  get status (): GenesysCheckStatus {
    return this.current
  }

  /** Starts the first attempt (once; not when skipped). */
  start (): void {
    if (this.current.state !== 'not_checked' || this.stopped) return
    this.current = { state: 'checking', attempts: 0 }
    this.attempt()
  }

  /** No more attempts; an attempt in flight is cancelled. */
  stop (): void {
    this.stopped = true
    if (this.timer !== null) this.timers.clearTimeout(this.timer)
    this.timer = null
    this.abort.abort()
  }

  /** The attempt in flight, if any (tests wait on it). */
  async settled (): Promise<GenesysCheckStatus> {
    return await (this.running ?? Promise.resolve(this.current))
  }

  private attempt (): void {
    this.timer = null
    this.running = this.run().finally(() => { this.running = null })
  }

  private async run (): Promise<GenesysCheckStatus> {
    const { client, queueId, region, log } = this.opts
    const attempts = this.current.attempts + 1
    try {
      const { queue } = await client.getQueue(queueId, { deadline: this.now() + this.opts.attemptMs, signal: this.abort.signal })
      if (this.stopped) return this.current
      const name = queue.name === undefined ? '' : ` '${queue.name}'`
      this.current = { state: 'ok', reason: `token obtained; queue${name} (${queueId}) found`, attempts }
      log.info({ genesys: 'ok', queueId, queueName: queue.name, attempts }, `Genesys check passed: ${this.current.reason}`)
    } catch (err) {
      if (this.stopped) return this.current
      const { state, reason } = classify(err, queueId, region)
      this.current = { state, reason, attempts }
      const delayMs = Math.min(this.opts.maxDelayMs ?? 60_000, (this.opts.minDelayMs ?? 1000) * 2 ** (attempts - 1))
      const fields = { genesys: state, queueId, region, attempts, retryInMs: delayMs }
      if (state === 'unreachable') log.warn(fields, `Genesys check: ${reason}`)
      else log.error(fields, `Genesys check failed: ${reason}`)
      // Configuration problems are retried too (slowly): a role or queue fixed in Genesys needs no restart.
      this.timer = this.timers.setTimeout(() => { this.attempt() }, delayMs)
    }
    return this.current
  }
}
