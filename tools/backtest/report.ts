// The backtest's findings, as a JSON document (--json) or as text for a person.
import { ENVIRONMENT, type Policy } from '../../src/policy/compile.js'
import type { Change, ChangeKind, PolicyTotals } from './replay.js'

export interface PolicyReport {
  source: string
  version: string
  conversations: number
  handedOff: number
  /** handed-off conversations / conversations, 0..1 */
  handoffRate: number
  decisions: number
  byRule: Record<string, number>
  intents: Array<{ intent: string, decisions: number, handoffs: number, handoffRate: number }>
  handoffTurns: Array<{ turn: number, handoffs: number }>
  turnPercentiles: { p50: number, p90: number, max: number } | null
}

export interface Report {
  input: { file: string, lines: number, events: number, invalid: number, invalidExamples: Array<{ line: number, reason: string }> }
  policies: PolicyReport[]
  changes?: { total: number, byKind: Partial<Record<ChangeKind, number>>, examples: Change[] }
  elapsedMs: number
}

export function policyReport (policy: Policy, totals: PolicyTotals): PolicyReport {
  const turns = [...totals.handoffTurns].sort((a, b) => a[0] - b[0])
  return {
    source: policy.source,
    version: policy.version,
    conversations: totals.conversations,
    handedOff: totals.handedOff,
    handoffRate: ratio(totals.handedOff, totals.conversations),
    decisions: totals.decisions,
    byRule: Object.fromEntries([...totals.byRule].sort((a, b) => b[1] - a[1])),
    intents: [...totals.intents]
      .map(([intent, { decisions, handoffs }]) => ({ intent, decisions, handoffs, handoffRate: ratio(handoffs, decisions) }))
      .sort((a, b) => b.decisions - a.decisions || (a.intent < b.intent ? -1 : 1)),
    handoffTurns: turns.map(([turn, handoffs]) => ({ turn, handoffs })),
    turnPercentiles: totals.handedOff === 0
      ? null
      : { p50: percentile(turns, totals.handedOff, 0.5), p90: percentile(turns, totals.handedOff, 0.9), max: turns[turns.length - 1]?.[0] ?? 0 }
  }
}

function ratio (part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole
}

/** The turn at which the given share of handoffs had happened. */
function percentile (turns: Array<[number, number]>, total: number, share: number): number {
  let seen = 0
  for (const [turn, count] of turns) {
    seen += count
    if (seen >= share * total) return turn
  }
  return turns[turns.length - 1]?.[0] ?? 0
}

const KIND_TEXT: Record<ChangeKind, string> = {
  policy_only: 'handed off by the policy only',
  compare_only: 'handed off by the compared policy only',
  other_turn: 'handed off by both, at another turn',
  other_target: 'handed off by both, to another queue'
}

export function formatText (report: Report, opts: { top: number }): string {
  const out: string[] = []
  const { input } = report
  out.push(`Backtest of ${input.file}`)
  out.push(`  ${input.events} events from ${input.lines} lines in ${(report.elapsedMs / 1000).toFixed(2)} s` +
    (input.invalid > 0 ? `; ${input.invalid} invalid lines skipped` : ''))
  for (const example of input.invalidExamples) out.push(`    line ${example.line}: ${example.reason}`)
  report.policies.forEach((policy, i) => {
    out.push('')
    const source = policy.source === ENVIRONMENT ? 'from the environment (INTENT_CONFIDENCE_THRESHOLD, HANDOFF_*)' : policy.source
    out.push(`${i === 0 ? 'Policy' : 'Compared policy'} ${source}, version ${policy.version}`)
    out.push(`  handoff rate   ${percent(policy.handoffRate)}  (${policy.handedOff} of ${policy.conversations} conversations)`)
    out.push(`  rules          ${Object.entries(policy.byRule).map(([rule, n]) => `${rule} ${n}`).join(', ')}`)
    out.push('  per intent     intent                          decisions  handoffs   rate')
    for (const intent of policy.intents.slice(0, opts.top)) {
      out.push(`                 ${intent.intent.slice(0, 30).padEnd(30)} ${String(intent.decisions).padStart(10)} ${String(intent.handoffs).padStart(9)} ${percent(intent.handoffRate).padStart(6)}`)
    }
    if (policy.intents.length > opts.top) out.push(`                 … ${policy.intents.length - opts.top} more intents (--top to show more)`)
    out.push('  handoff turn   ' + (policy.turnPercentiles === null
      ? 'no handoffs'
      : `median ${policy.turnPercentiles.p50}, 90% by turn ${policy.turnPercentiles.p90}, latest ${policy.turnPercentiles.max}`))
    const widest = Math.max(1, ...policy.handoffTurns.map(t => t.handoffs))
    for (const { turn, handoffs } of policy.handoffTurns.slice(0, 30)) {
      out.push(`    turn ${String(turn).padStart(4)} ${String(handoffs).padStart(8)}  ${'#'.repeat(Math.max(1, Math.round(40 * handoffs / widest)))}`)
    }
    if (policy.handoffTurns.length > 30) out.push(`    … ${policy.handoffTurns.length - 30} later turns`)
  })
  if (report.changes !== undefined) {
    const { changes } = report
    out.push('')
    out.push(`Conversations that change outcome: ${changes.total}`)
    for (const [kind, n] of Object.entries(changes.byKind)) out.push(`  ${KIND_TEXT[kind as ChangeKind]}: ${n}`)
    for (const change of changes.examples.slice(0, opts.top)) {
      out.push(`  ${change.conversationId}  policy: ${outcome(change.policy, change.turns)}  compared: ${outcome(change.compare, change.turns)}`)
    }
    if (changes.total > Math.min(opts.top, changes.examples.length)) out.push(`  … ${changes.total - Math.min(opts.top, changes.examples.length)} more (--changes <file> lists them all)`)
  }
  return out.join('\n') + '\n'
}

function outcome (handoff: Change['policy'], turns: number): string {
  return handoff === null
    ? `the bot kept it (${turns} turn${turns === 1 ? '' : 's'})`
    : `handoff at turn ${handoff.turn} (${handoff.ruleId}, ${handoff.intent} → ${handoff.queueId})`
}

function percent (value: number): string {
  return `${(value * 100).toFixed(1)}%`
}
