// The policies a running service decides with: the live one (POLICY_FILE, or the environment's single
// threshold) and an optional shadow candidate (SHADOW_POLICY_FILE) evaluated beside it on the same inputs,
// counted and logged where it disagrees, never acted on. reload() re-reads both files; a file that fails
// keeps the policy it would have replaced.
import { PolicyError, type Policy } from './compile.js'
import { disagree } from './decision.js'
import type { Decision } from '../schemas/decision.js'
import { evaluate, forcedDecision, type ConversationHistory, type ForcedHandoff, type PolicyEvent } from './evaluate.js'
import { loadPolicy } from './load.js'
import type { Log } from '../logger.js'
import type { PolicyDefaults } from '../schemas/policy.js'
import type { Telemetry, TelemetryEvents } from '../telemetry.js'

export type PolicyRole = TelemetryEvents['policyLoaded']['role']
export type ReloadResult = TelemetryEvents['policyReload']['result']

export interface PolicyRuntimeOptions {
  /** POLICY_FILE; null → the defaults alone */
  file: string | null
  /** SHADOW_POLICY_FILE; null → no shadow */
  shadowFile: string | null
  defaults: PolicyDefaults
  log: Log
  /** decisions, loads and reloads are published here */
  telemetry?: Telemetry
}

export interface DecideInput {
  conversationId: string
  history: ConversationHistory
  event: PolicyEvent
  log: Log
  /** the way in hands off whatever the rules say (both policies then only choose the target) */
  force?: ForcedHandoff
}

export interface Evaluation {
  decision: Decision
  /** the shadow policy's decision (never acted on); null without a shadow policy */
  shadow: Decision | null
  disagrees: boolean
}

export class PolicyRuntime {
  private readonly opts: PolicyRuntimeOptions
  private policies: { live: Policy, shadow: Policy | null }

  /** Loads both files; throws PolicyError naming the bad path when either is invalid. */
  constructor (opts: PolicyRuntimeOptions) {
    this.opts = opts
    const live = loadPolicy(opts.file, opts.defaults)
    const shadow = opts.shadowFile === null ? null : loadPolicy(opts.shadowFile, opts.defaults)
    this.policies = { live, shadow }
    opts.telemetry?.publish('policyLoaded', { role: 'live', version: live.version })
    opts.telemetry?.publish('policyLoaded', { role: 'shadow', version: shadow?.version ?? null })
  }

  get live (): Policy {
    return this.policies.live
  }

  get shadow (): Policy | null {
    return this.policies.shadow
  }

  /** Earlier events a decision needs, for either policy. */
  get window (): number {
    return Math.max(this.policies.live.window, this.policies.shadow?.window ?? 0)
  }

  /** The files reload() reads. */
  get files (): string[] {
    return [this.opts.file, this.opts.shadowFile].filter((f): f is string => f !== null)
  }

  decide ({ conversationId, history, event, log, force }: DecideInput): Evaluation {
    const { live, shadow: candidate } = this.policies
    const decideWith = (policy: Policy): Decision => force === undefined ? evaluate(policy, history, event) : forcedDecision(policy, history, event, force)
    const decision = decideWith(live)
    const shadow = candidate === null ? null : decideWith(candidate)
    const disagrees = shadow !== null && disagree(decision, shadow)
    if (disagrees) {
      log.info({ conversationId, turn: decision.turn, live: verdict(decision), shadow: verdict(shadow) }, 'shadow policy disagrees')
    }
    const { telemetry } = this.opts
    telemetry?.publish('decision', { action: decision.action, intent: decision.intent, ruleId: decision.ruleId })
    if (shadow !== null) telemetry?.publish('shadowDecision', { liveAction: decision.action, shadowAction: shadow.action, disagrees })
    return { decision, shadow, disagrees }
  }

  /** Re-reads the policy files now (SIGHUP, a file change, a test). */
  reload (reason: string): Record<PolicyRole, ReloadResult | null> {
    return {
      live: this.opts.file === null ? null : this.reloadOne('live', this.opts.file, reason),
      shadow: this.opts.shadowFile === null ? null : this.reloadOne('shadow', this.opts.shadowFile, reason)
    }
  }

  private reloadOne (role: PolicyRole, file: string, reason: string): ReloadResult {
    const { log, telemetry } = this.opts
    const previous = this.policies[role]
    let result: ReloadResult
    try {
      const next = loadPolicy(file, this.opts.defaults)
      if (next.version === previous?.version) {
        result = 'unchanged'
        log.debug({ role, file, policyVersion: next.version, reason }, 'policy file read again, unchanged')
      } else {
        this.policies = { ...this.policies, [role]: next }
        result = 'ok'
        log.info({ role, file, policyVersion: next.version, previousVersion: previous?.version, reason }, 'policy reloaded')
        telemetry?.publish('policyLoaded', { role, version: next.version })
      }
    } catch (err) {
      result = 'error'
      const issues = err instanceof PolicyError ? err.issues : undefined
      log.error({ role, file, reason, policyVersion: previous?.version, issues, error: err instanceof Error ? err.message : String(err) },
        'policy reload failed; keeping the previous policy')
    }
    telemetry?.publish('policyReload', { role, result })
    return result
  }
}

function verdict (d: Decision): Record<string, unknown> {
  return { action: d.action, ruleId: d.ruleId, policyVersion: d.policyVersion, target: d.target }
}
