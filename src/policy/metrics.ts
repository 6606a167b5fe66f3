// Prometheus series for the escalation policy, on the service's registry: which rules decide, which policy
// versions run, how reloads went, and where a shadow policy disagrees with the live one. Every label comes
// from a fixed set (rule ids, actions, roles, results) except the version, of which at most two exist.
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Policy } from './compile.js'
import type { Decision } from './decision.js'
import type { PolicyObserver, PolicyRole, ReloadResult } from './runtime.js'

export class PolicyMetrics implements PolicyObserver {
  private readonly rules: Counter<'rule' | 'action'>
  private readonly info: Gauge<'role' | 'version'>
  private readonly reloads: Counter<'role' | 'result'>
  private readonly shadowDecisions: Counter
  private readonly disagreements: Counter<'live_action' | 'shadow_action'>
  private readonly versions = new Map<PolicyRole, string>()

  constructor (registry: Registry) {
    const registers = [registry]
    this.rules = new Counter({
      name: 'handoff_policy_rules_total', help: 'Decisions by the rule that decided and its action', labelNames: ['rule', 'action'], registers
    })
    this.info = new Gauge({
      name: 'handoff_policy_info', help: 'The policy versions in use (value 1), live and shadow', labelNames: ['role', 'version'], registers
    })
    this.reloads = new Counter({
      name: 'handoff_policy_reloads_total', help: 'Policy file reloads by role and result (ok, unchanged, error: old policy kept)', labelNames: ['role', 'result'], registers
    })
    this.shadowDecisions = new Counter({
      name: 'handoff_shadow_decisions_total', help: 'Events the shadow policy evaluated (never acted on)', registers
    })
    this.disagreements = new Counter({
      name: 'handoff_shadow_disagreements_total',
      help: 'Events where the shadow policy would have acted differently (another action, or another target: both HANDOFF)',
      labelNames: ['live_action', 'shadow_action'],
      registers
    })
  }

  decided (live: Decision, shadow: Decision | null, disagrees: boolean): void {
    this.rules.inc({ rule: live.ruleId, action: live.action })
    if (shadow === null) return
    this.shadowDecisions.inc()
    if (disagrees) this.disagreements.inc({ live_action: live.action, shadow_action: shadow.action })
  }

  loaded (role: PolicyRole, policy: Policy | null): void {
    const previous = this.versions.get(role)
    if (previous !== undefined) this.info.remove({ role, version: previous })
    if (policy === null) {
      this.versions.delete(role)
      return
    }
    this.versions.set(role, policy.version)
    this.info.set({ role, version: policy.version }, 1)
  }

  reloaded (role: PolicyRole, result: ReloadResult): void {
    this.reloads.inc({ role, result })
  }
}
