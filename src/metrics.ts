// Prometheus metrics for one app instance, on its own registry (nothing shared between instances or
// tests). Every label value is bounded: statuses and outcomes come from fixed sets, Genesys endpoints are
// templated without ids, and intents are capped at a configured number of distinct values.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Telemetry } from './telemetry.js'

export interface MetricsOptions {
  /** distinct intent label values kept before the rest count as "other" */
  maxIntentLabels: number
  /** also export the process metrics (CPU, memory, event loop, GC) */
  processMetrics?: boolean
}

export const OTHER = 'other'
const MAX_LABEL_LENGTH = 64
const UUID_SEGMENT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The URL's path with id segments replaced by `{id}` (UUIDs, numbers, anything not a plain word). */
export function endpointTemplate (url: string): string {
  let path: string
  try {
    path = new URL(url).pathname
  } catch {
    return 'unknown'
  }
  return path.split('/').map(segment =>
    segment === '' || (/^[a-z][a-z0-9_.]*$/i.test(segment) && !UUID_SEGMENT.test(segment) && !/\d{3,}/.test(segment))
      ? segment
      : '{id}').join('/')
}

export class ServiceMetrics {
  readonly registry = new Registry()
  private readonly maxIntentLabels: number
  private readonly intents = new Set<string>()
  private readonly webhooks: Counter<'outcome'>
  private readonly decisions: Counter<'action' | 'intent'>
  private readonly handoffSeconds: Histogram<'outcome'>
  private readonly handoffWarnings: Counter
  private readonly genesysRequests: Counter<'method' | 'endpoint' | 'status'>
  private readonly genesysRetries: Counter<'operation' | 'reason'>
  private readonly storeErrors: Counter<'operation'>
  private readonly tokenFetches: Counter
  private readonly unrecordedCompletions: Gauge
  private readonly httpSeconds: Histogram<'method' | 'route' | 'status_code'>
  private readonly botCalls: Histogram<'operation' | 'outcome'>
  private readonly botTurns: Counter<'outcome'>

  constructor (opts: MetricsOptions) {
    this.maxIntentLabels = opts.maxIntentLabels
    const registers = [this.registry]
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry })
    this.webhooks = new Counter({
      name: 'handoff_webhooks_total', help: 'Webhooks answered, by outcome', labelNames: ['outcome'], registers
    })
    this.decisions = new Counter({
      name: 'handoff_decisions_total',
      help: `Decisions by action and intent (intents beyond the first ${opts.maxIntentLabels} seen count as "${OTHER}")`,
      labelNames: ['action', 'intent'],
      registers
    })
    this.handoffSeconds = new Histogram({
      name: 'handoff_duration_seconds',
      help: 'Time to perform a handoff against Genesys (all calls and retries), by outcome',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers
    })
    this.handoffWarnings = new Counter({
      name: 'handoff_warnings_total',
      help: 'Handoffs that stand with a warning (e.g. the routing update after the transfer failed)',
      registers
    })
    this.genesysRequests = new Counter({
      name: 'genesys_requests_total',
      help: 'Genesys calls by method, templated endpoint and final status (after retries; "error" when no answer)',
      labelNames: ['method', 'endpoint', 'status'],
      registers
    })
    this.genesysRetries = new Counter({
      name: 'genesys_retries_total',
      help: 'Retries of Genesys calls by operation and reason (status code or error code)',
      labelNames: ['operation', 'reason'],
      registers
    })
    this.tokenFetches = new Counter({ name: 'genesys_token_fetches_total', help: 'OAuth token requests sent to Genesys', registers })
    this.httpSeconds = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer a request, by method, route template ("unmatched" when none) and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers
    })
    this.botCalls = new Histogram({
      name: 'bot_request_duration_seconds',
      help: "Calls to the team's bot (BOT_URL) by operation and outcome (ok, timeout, error, status = non-2xx, invalid = garbled answer)",
      labelNames: ['operation', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30],
      registers
    })
    this.botTurns = new Counter({
      name: 'handoff_botconnector_turns_total',
      help: 'Bot Connector turns answered, by outcome (bot_continuing, handoff_initiated, handed_off, bot_unavailable, failed, ...)',
      labelNames: ['outcome'],
      registers
    })
    this.storeErrors = new Counter({
      name: 'history_store_errors_total', help: 'History store operations that failed', labelNames: ['operation'], registers
    })
    this.unrecordedCompletions = new Gauge({
      name: 'handoff_completions_unrecorded',
      help: 'Handoffs done in Genesys that the store has not taken yet (kept and retried by this instance)',
      registers
    })
  }

  /** Counts what the service's modules publish. */
  subscribe (telemetry: Telemetry): void {
    telemetry.subscribe('webhook', ({ outcome }) => { this.webhooks.inc({ outcome }) })
    telemetry.subscribe('decision', ({ action, intent }) => { this.decisions.inc({ action, intent: this.intentLabel(intent) }) })
    telemetry.subscribe('handoff', ({ outcome, durationMs }) => { this.handoffSeconds.observe({ outcome }, durationMs / 1000) })
    telemetry.subscribe('handoffWarning', () => { this.handoffWarnings.inc() })
    telemetry.subscribe('genesysCall', ({ method, url, status }) => {
      this.genesysRequests.inc({ method, endpoint: endpointTemplate(url), status: String(status) })
    })
    telemetry.subscribe('genesysRetry', ({ operation, reason }) => { this.genesysRetries.inc({ operation: bounded(operation), reason: bounded(reason) }) })
    telemetry.subscribe('tokenFetch', () => { this.tokenFetches.inc() })
    telemetry.subscribe('storeError', ({ operation }) => { this.storeErrors.inc({ operation }) })
    telemetry.subscribe('completionBacklog', ({ size }) => { this.unrecordedCompletions.set(size) })
    telemetry.subscribe('httpRequest', ({ method, route, statusCode, durationMs }) => {
      this.httpSeconds.observe({ method, route, status_code: String(statusCode) }, durationMs / 1000)
    })
    telemetry.subscribe('botCall', ({ operation, outcome, durationMs }) => { this.botCalls.observe({ operation, outcome }, durationMs / 1000) })
    telemetry.subscribe('botTurn', ({ outcome }) => { this.botTurns.inc({ outcome }) })
  }

  async text (): Promise<string> {
    return await this.registry.metrics()
  }

  get contentType (): string {
    return this.registry.contentType
  }

  private intentLabel (intent: string): string {
    const value = bounded(intent)
    if (this.intents.has(value)) return value
    if (this.intents.size >= this.maxIntentLabels) return OTHER
    this.intents.add(value)
    return value
  }
}

function bounded (value: string): string {
  return value.length > MAX_LABEL_LENGTH ? value.slice(0, MAX_LABEL_LENGTH) : value
}
