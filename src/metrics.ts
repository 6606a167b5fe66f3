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

// Genesys calls name their endpoint template themselves; this is kept for whoever has only a URL.
export { endpointTemplate } from './genesys/endpoint.js'

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
  private readonly policyRules: Counter<'rule' | 'action'>
  private readonly policyInfo: Gauge<'role' | 'version'>
  private readonly policyReloads: Counter<'role' | 'result'>
  private readonly shadowDecisions: Counter
  private readonly shadowDisagreements: Counter<'live_action' | 'shadow_action'>
  /** the policy version each role's info series carries */
  private readonly policyVersions = new Map<string, string>()
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
    // Policy labels come from fixed sets (rule ids, actions, roles, results), except the version: one per role.
    this.policyRules = new Counter({
      name: 'handoff_policy_rules_total', help: 'Decisions by the rule that decided and its action', labelNames: ['rule', 'action'], registers
    })
    this.policyInfo = new Gauge({
      name: 'handoff_policy_info', help: 'The policy versions in use (value 1), live and shadow', labelNames: ['role', 'version'], registers
    })
    this.policyReloads = new Counter({
      name: 'handoff_policy_reloads_total',
      help: 'Policy file reloads by role and result (ok, unchanged, error: old policy kept)',
      labelNames: ['role', 'result'],
      registers
    })
    this.shadowDecisions = new Counter({
      name: 'handoff_shadow_decisions_total', help: 'Events the shadow policy evaluated (never acted on)', registers
    })
    this.shadowDisagreements = new Counter({
      name: 'handoff_shadow_disagreements_total',
      help: 'Events where the shadow policy would have acted differently (another action, or another target: both HANDOFF)',
      labelNames: ['live_action', 'shadow_action'],
      registers
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
    telemetry.subscribe('decision', ({ action, intent, ruleId }) => {
      this.decisions.inc({ action, intent: this.intentLabel(intent) })
      this.policyRules.inc({ rule: ruleId, action })
    })
    telemetry.subscribe('shadowDecision', ({ liveAction, shadowAction, disagrees }) => {
      this.shadowDecisions.inc()
      if (disagrees) this.shadowDisagreements.inc({ live_action: liveAction, shadow_action: shadowAction })
    })
    telemetry.subscribe('policyLoaded', ({ role, version }) => { this.policyVersion(role, version) })
    telemetry.subscribe('policyReload', ({ role, result }) => { this.policyReloads.inc({ role, result }) })
    telemetry.subscribe('handoff', ({ outcome, durationMs }) => { this.handoffSeconds.observe({ outcome }, durationMs / 1000) })
    telemetry.subscribe('handoffWarning', () => { this.handoffWarnings.inc() })
    telemetry.subscribe('genesysCall', ({ method, endpoint, status }) => {
      this.genesysRequests.inc({ method, endpoint, status: String(status) })
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

  /** One info series per role, carrying the version in use. */
  private policyVersion (role: string, version: string | null): void {
    const previous = this.policyVersions.get(role)
    if (previous !== undefined) this.policyInfo.remove({ role, version: previous })
    if (version === null) {
      this.policyVersions.delete(role)
      return
    }
    this.policyVersions.set(role, version)
    this.policyInfo.set({ role, version }, 1)
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
