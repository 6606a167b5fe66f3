// npm run backtest -- <transcripts.jsonl> [--policy file] [--compare other-policy] [--json] [--changes file]
// Replays recorded conversations through an escalation policy offline and reports what it would have done:
// handoff rate overall and per intent, the turn handoffs happen at, and with --compare which conversations
// change outcome. Without --policy it uses POLICY_FILE, else the environment's single threshold.
import { createWriteStream } from 'node:fs'
import { parseArgs } from 'node:util'
import { idList } from '../../src/config.js'
import { PolicyError, type Policy } from '../../src/policy/compile.js'
import { loadPolicy } from '../../src/policy/load.js'
import type { PolicyDefaults } from '../../src/schemas/policy.js'
import { readTranscripts } from './input.js'
import { Replay, type Change, type PolicyTotals } from './replay.js'
import { formatText, policyReport, type Report } from './report.js'

const USAGE = `usage: npm run backtest -- <transcripts.jsonl> [options]

  --policy <file>     policy to replay (default: POLICY_FILE, else INTENT_CONFIDENCE_THRESHOLD and HANDOFF_*)
  --compare <file>    a second policy: report which conversations change outcome
  --changes <file>    write every changed conversation there, one JSON object a line
  --json              print the report as JSON
  --top <n>           intents and changed conversations to list (default 20)
  --idle-ttl <s>      a conversation idle this long is complete (default HISTORY_TTL_SECONDS, else 86400)

Input: one event a line ({conversationId, event, intent, confidence, text, timestamp}) or what
GET /conversations/:id answers (one a line, or one per file). Events of a conversation in time order.`

class UsageError extends Error {}

/** The environment's single-threshold settings, read leniently: the backtest needs no Genesys credentials. */
export function envDefaults (env: NodeJS.ProcessEnv): PolicyDefaults {
  const threshold = Number(env.INTENT_CONFIDENCE_THRESHOLD ?? 0.75)
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError(`INTENT_CONFIDENCE_THRESHOLD must be between 0 and 1, not '${env.INTENT_CONFIDENCE_THRESHOLD ?? ''}'`)
  const priority = (env.HANDOFF_PRIORITY ?? '').trim()
  const languageId = (env.HANDOFF_LANGUAGE_ID ?? '').trim()
  return {
    threshold,
    target: {
      queueId: (env.HANDOFF_QUEUE_ID ?? '').trim() === '' ? 'HANDOFF_QUEUE_ID' : (env.HANDOFF_QUEUE_ID ?? '').trim(),
      skillIds: idList(env.HANDOFF_SKILL_ID ?? ''),
      priority: /^\d{1,8}$/.test(priority) ? Number(priority) : null,
      languageId: languageId === '' ? null : languageId
    }
  }
}

export async function main (argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      compare: { type: 'string' },
      changes: { type: 'string' },
      json: { type: 'boolean', default: false },
      top: { type: 'string', default: '20' },
      'idle-ttl': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const [file] = positionals
  if (file === undefined || positionals.length > 1) throw new UsageError('give exactly one transcripts file')
  const top = Number(values.top)
  const idleSeconds = Number(values['idle-ttl'] ?? env.HISTORY_TTL_SECONDS ?? 86400)
  if (!Number.isInteger(top) || top < 0) throw new UsageError('--top must be a whole number')
  if (!(idleSeconds > 0)) throw new UsageError('--idle-ttl must be a positive number of seconds')

  const defaults = envDefaults(env)
  const policies: Policy[] = [loadPolicy(values.policy ?? env.POLICY_FILE, defaults)]
  if (values.compare !== undefined) policies.push(loadPolicy(values.compare, defaults))

  const changesOut = values.changes === undefined ? null : createWriteStream(values.changes)
  const examples: Change[] = []
  const invalidExamples: Array<{ line: number, reason: string }> = []
  let invalid = 0
  const replay = new Replay(policies, {
    idleMs: idleSeconds * 1000,
    onChange: (change) => {
      if (examples.length < top) examples.push(change)
      changesOut?.write(JSON.stringify(change) + '\n')
    }
  })
  const started = performance.now()
  const { lines } = await readTranscripts(file, {
    event: (event) => { replay.push(event) },
    end: (conversationId) => { replay.end(conversationId) },
    invalid: (line, reason) => {
      invalid++
      if (invalidExamples.length < 5) invalidExamples.push({ line, reason })
    }
  })
  replay.finish()
  if (changesOut !== null) await new Promise<void>((resolve, reject) => { changesOut.end(resolve).on('error', reject) })

  const report: Report = {
    input: { file, lines, events: replay.events, invalid, invalidExamples },
    policies: policies.map((policy, i) => policyReport(policy, replay.totals[i] as PolicyTotals)),
    ...(policies.length > 1
      ? { changes: { total: [...replay.changes.values()].reduce((a, b) => a + b, 0), byKind: Object.fromEntries(replay.changes), examples } }
      : {}),
    elapsedMs: Math.round(performance.now() - started)
  }
  process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatText(report, { top }))
  return 0
}

main(process.argv.slice(2), process.env).then((code) => { process.exitCode = code }, (err: unknown) => {
  if (err instanceof UsageError || err instanceof PolicyError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
    process.stderr.write(`backtest: ${(err as Error).message}\n${err instanceof UsageError ? '\n' + USAGE + '\n' : ''}`)
    process.exitCode = 2
    return
  }
  process.stderr.write(`backtest: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
