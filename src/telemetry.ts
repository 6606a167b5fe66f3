// The one instrumentation path: domain modules publish what happened on diagnostics channels, and whoever
// measures (the metrics plugin) subscribes. Channel names are per-instance symbols, so two app instances in
// one process (tests, the bench) never count each other's events.
import diagnostics from 'node:diagnostics_channel'

export interface TelemetryEvents {
  /** the live policy decided an event (by the rule ruleId) */
  decision: { action: string, intent: string, ruleId: string }
  /** the shadow policy decided the same event beside the live one (never acted on) */
  shadowDecision: { liveAction: string, shadowAction: string, disagrees: boolean }
  /** a policy took effect (at startup or on reload); version null: no policy in that role */
  policyLoaded: { role: 'live' | 'shadow', version: string | null }
  /** a policy file was read again: ok (new version), unchanged, error (the previous policy stays) */
  policyReload: { role: 'live' | 'shadow', result: 'ok' | 'unchanged' | 'error' }
  /** a handoff attempt ended */
  handoff: { outcome: 'success' | 'failure' | 'transfer_outcome_unknown' | 'conversation_ended', durationMs: number }
  /** a handoff stands but something went wrong (e.g. the routing update after the transfer) */
  handoffWarning: { warning: string }
  /** a Genesys call ended (after its retries) with this status, or why there was none; endpoint: its path templated without ids */
  genesysCall: { operation: string, method: string, endpoint: string, status: number | 'error' | 'timeout' }
  /** a Genesys call is being retried */
  genesysRetry: { operation: string, reason: string }
  /** an OAuth token was requested from Genesys */
  tokenFetch: Record<string, never>
  /** a history store operation failed */
  storeError: { operation: string }
  /** handoffs done in Genesys and not yet recorded in the store (kept and retried locally) */
  completionBacklog: { size: number }
  /** a webhook was answered */
  webhook: { outcome: string }
  /** any request was answered (route: the URL template, or "unmatched") */
  httpRequest: { method: string, route: string, statusCode: number, durationMs: number }
  /** a call to the team's bot ended: ok, or why its answer was not used */
  botCall: { operation: 'messages' | 'bots', outcome: BotCallOutcome, durationMs: number }
  /** a Bot Connector turn was answered */
  botTurn: { outcome: string }
}

export type BotCallOutcome = 'ok' | 'timeout' | 'error' | 'status' | 'invalid'

export type TelemetryName = keyof TelemetryEvents

const NAMES: TelemetryName[] = [
  'decision', 'shadowDecision', 'policyLoaded', 'policyReload', 'handoff', 'handoffWarning', 'genesysCall', 'genesysRetry',
  'tokenFetch', 'storeError', 'completionBacklog', 'webhook', 'httpRequest', 'botCall', 'botTurn'
]

export class Telemetry {
  private readonly channels: Record<TelemetryName, diagnostics.Channel>

  constructor () {
    this.channels = Object.fromEntries(NAMES.map(name => [name, diagnostics.channel(Symbol(`handoff.${name}`))])) as Record<TelemetryName, diagnostics.Channel>
  }

  publish<K extends TelemetryName> (name: K, message: TelemetryEvents[K]): void {
    const channel = this.channels[name]
    if (channel.hasSubscribers) channel.publish(message)
  }

  subscribe<K extends TelemetryName> (name: K, listener: (message: TelemetryEvents[K]) => void): void {
    this.channels[name].subscribe(listener as (message: unknown) => void)
  }
}
