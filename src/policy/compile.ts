// Turns a validated policy file and the environment's defaults into the effective policy evaluate() runs:
// targets completed from the defaults, phrases compiled, intents indexed, and a version that is the short
// sha256 of the effective policy in canonical form (same policy, same version, whatever the file's format,
// key order or comments).
import { createHash } from 'node:crypto'
import type { RoutingTarget } from '../schemas/decision.js'
import type { PolicyDefaults, PolicyFile, PolicySpec, TargetOverride } from '../schemas/policy.js'
import { PhraseMatcher } from './phrases.js'

type EffectiveIntent = PolicySpec['intents'][string]

export interface PolicyIssue {
  /** JSON pointer into the policy file, e.g. /intents/billing/threshold */
  path: string
  message: string
  /** line in the file, when known */
  line?: number
}

/** A policy file that cannot be used; the message names every bad path. */
export class PolicyError extends Error {
  readonly issues: PolicyIssue[]
  constructor (source: string, issues: PolicyIssue[]) {
    const listed = issues.map(i => `${i.path === '' ? 'the file' : i.path}${i.line !== undefined ? ` (line ${i.line})` : ''} ${i.message}`)
    super(`policy ${source} is invalid: ${listed.join('; ')}`)
    this.name = 'PolicyError'
    this.issues = issues
  }
}

/** A compiled policy: what evaluate() reads. Build one with compilePolicy() or defaultPolicy(). */
export interface Policy {
  /** short sha256 of the effective policy */
  readonly version: string
  /** the file it came from, or 'environment' */
  readonly source: string
  readonly spec: PolicySpec
  /** the default threshold and target */
  readonly threshold: number
  readonly target: RoutingTarget
  /** how many earlier events of the conversation evaluate() looks at */
  readonly window: number
  readonly phrases: PhraseMatcher | null
  /** the rule for an intent: its exact entry, else the longest matching `prefix*` entry */
  readonly intentRule: (intent: string) => EffectiveIntent | undefined
}

export const ENVIRONMENT = 'environment'

/** Today's behaviour: one threshold, one target, nothing else. */
export function defaultPolicy (defaults: PolicyDefaults): Policy {
  return compilePolicy({}, defaults, ENVIRONMENT)
}

export function compilePolicy (file: PolicyFile, defaults: PolicyDefaults, source: string): Policy {
  const issues: PolicyIssue[] = []
  const base: RoutingTarget = merge(defaults.target, file.defaults?.target)
  const spec: PolicySpec = {
    defaults: { threshold: file.defaults?.threshold ?? defaults.threshold, target: base },
    intents: {},
    humanRequest: null,
    lowConfidenceStreak: null,
    maxBotTurns: null
  }
  for (const [name, rule] of Object.entries(file.intents ?? {})) {
    const path = `/intents/${pointer(name)}`
    if (rule.handoff === 'never' && (rule.threshold !== undefined || rule.target !== undefined)) {
      issues.push({ path, message: 'handoff: never takes no threshold or target' })
    }
    if (rule.handoff === 'always' && rule.threshold !== undefined) issues.push({ path, message: 'handoff: always takes no threshold' })
    spec.intents[name] = {
      ...(rule.handoff !== undefined ? { handoff: rule.handoff } : {}),
      ...(rule.threshold !== undefined ? { threshold: rule.threshold } : {}),
      ...(rule.target !== undefined ? { target: merge(base, rule.target) } : {})
    }
  }
  let phrases: PhraseMatcher | null = null
  if (file.humanRequest !== undefined) {
    file.humanRequest.phrases.forEach((phrase, i) => {
      if (!/[\p{L}\p{N}]/u.test(phrase)) issues.push({ path: `/humanRequest/phrases/${i}`, message: 'has no letters or digits to match' })
    })
    if (issues.length === 0) {
      phrases = new PhraseMatcher(file.humanRequest.phrases)
      spec.humanRequest = { phrases: [...phrases.phrases].sort(), ...withTarget(base, file.humanRequest.target) }
    }
  }
  if (file.lowConfidenceStreak !== undefined) {
    const { turns, softThreshold, target } = file.lowConfidenceStreak
    spec.lowConfidenceStreak = { turns, softThreshold, ...withTarget(base, target) }
  }
  if (file.maxBotTurns !== undefined) spec.maxBotTurns = { turns: file.maxBotTurns.turns, ...withTarget(base, file.maxBotTurns.target) }
  if (issues.length > 0) throw new PolicyError(source, issues)

  const exact = new Map<string, EffectiveIntent>()
  const prefixes: Array<[string, EffectiveIntent]> = []
  for (const [name, rule] of Object.entries(spec.intents)) {
    if (name.endsWith('*')) prefixes.push([name.slice(0, -1), rule])
    else exact.set(name, rule)
  }
  prefixes.sort((a, b) => b[0].length - a[0].length)
  return {
    version: versionOf(spec),
    source,
    spec,
    threshold: spec.defaults.threshold,
    target: base,
    window: spec.lowConfidenceStreak === null ? 0 : spec.lowConfidenceStreak.turns - 1,
    phrases,
    intentRule: (intent) => exact.get(intent) ?? prefixes.find(([prefix]) => intent.startsWith(prefix))?.[1]
  }
}

/** Short sha256 of the canonical JSON (keys sorted at every level). */
export function versionOf (spec: PolicySpec): string {
  return createHash('sha256').update(canonical(spec)).digest('hex').slice(0, 12)
}

function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function merge (base: RoutingTarget, override: TargetOverride | undefined): RoutingTarget {
  if (override === undefined) return base
  return {
    queueId: override.queueId ?? base.queueId,
    skillIds: override.skillIds ?? base.skillIds,
    priority: override.priority !== undefined ? override.priority : base.priority,
    languageId: override.languageId !== undefined ? override.languageId : base.languageId
  }
}

function withTarget (base: RoutingTarget, override: TargetOverride | undefined): { target?: RoutingTarget } {
  return override === undefined ? {} : { target: merge(base, override) }
}

/** An object key as a JSON pointer segment. */
function pointer (key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}
