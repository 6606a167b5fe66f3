// The backtest CLI, run as a team would run it: on the shipped sample, comparing two policies, and on what
// GET /conversations/:id answers, where its replay must agree with the decisions the service made live.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { ADMIN_TOKEN, buildWithSimulator, messagingEvent, newConversationId, postEvent } from './helper.js'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '..')
const CLI = join(ROOT, 'tools/backtest/cli.ts')
const SAMPLE = join(ROOT, 'examples/transcripts.sample.jsonl')
const EXAMPLE = join(ROOT, 'examples/policy.example.yaml')
const ENV = { PATH: process.env.PATH, INTENT_CONFIDENCE_THRESHOLD: '0.75', HANDOFF_QUEUE_ID: 'default-queue' }

async function backtest (args: string[], env: Record<string, string | undefined> = ENV): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

function tempDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'backtest-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

const sampleId = (n: number): string => `5a7e${String(n).padStart(4, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`

t.test('the sample under the example policy, against the single threshold', async t => {
  const dir = tempDir(t)
  const changes = join(dir, 'changes.jsonl')
  const { code, stdout, stderr } = await backtest([SAMPLE, '--compare', EXAMPLE, '--json', '--changes', changes])
  t.equal(code, 0, stderr)
  const report = JSON.parse(stdout)
  t.match(report.input, { lines: 32, events: 32, invalid: 0 })
  const [single, example] = report.policies
  t.match(single, { source: 'environment', conversations: 10, handedOff: 3, handoffRate: 0.3 })
  t.same(single.handoffTurns, [{ turn: 1, handoffs: 2 }, { turn: 3, handoffs: 1 }])
  t.match(example, { source: EXAMPLE, conversations: 10, handedOff: 7, handoffRate: 0.7, turnPercentiles: { p50: 2, p90: 13, max: 13 } })
  t.same(example.handoffTurns, [{ turn: 1, handoffs: 3 }, { turn: 2, handoffs: 1 }, { turn: 3, handoffs: 2 }, { turn: 13, handoffs: 1 }])
  t.same(example.byRule, {
    confidence_meets_threshold: 21,
    intent_never: 3,
    confidence_below_threshold: 2,
    intent_confidence_below_threshold: 1,
    intent_always: 1,
    human_request: 1,
    low_confidence_streak: 1,
    max_bot_turns: 1
  })
  t.same(example.intents.find((i: { intent: string }) => i.intent === 'billing_question'), { intent: 'billing_question', decisions: 1, handoffs: 1, handoffRate: 1 })
  t.same(single.intents.find((i: { intent: string }) => i.intent === 'billing_question'), { intent: 'billing_question', decisions: 2, handoffs: 0, handoffRate: 0 })

  t.same(report.changes.byKind, { compare_only: 5, policy_only: 1 })
  t.equal(report.changes.total, 6)
  const listed = readFileSync(changes, 'utf8').trim().split('\n').map(l => JSON.parse(l) as { conversationId: string, kind: string, compare: { ruleId: string } | null })
  t.same(listed.map(c => c.conversationId).sort(), [1, 2, 3, 6, 7, 10].map(sampleId))
  t.same(listed.find(c => c.conversationId === sampleId(6))?.kind, 'policy_only', 'the greeting the example never hands off')
  t.same(listed.find(c => c.conversationId === sampleId(3))?.compare?.ruleId, 'low_confidence_streak')
})

t.test('the text report', async t => {
  const { code, stdout } = await backtest([SAMPLE, '--policy', EXAMPLE, '--compare', EXAMPLE.replace('policy.example.yaml', 'missing.yaml')])
  t.equal(code, 2, 'an unreadable policy is a usage error')
  t.equal(stdout, '')
  const text = await backtest([SAMPLE, '--policy', EXAMPLE])
  t.equal(text.code, 0)
  t.match(text.stdout, /handoff rate {3}70\.0% {2}\(7 of 10 conversations\)/)
  t.match(text.stdout, /billing_question +1 +1 +100\.0%/)
  t.match(text.stdout, /turn +13 +1 +#+/)
  t.notMatch(text.stdout, /change outcome/, 'no comparison without --compare')
})

t.test('bad lines are skipped and named; a bad policy stops before reading', async t => {
  const dir = tempDir(t)
  const file = join(dir, 'mixed.jsonl')
  writeFileSync(file, [
    '{"conversationId":"a","intent":"x","confidence":0.1,"timestamp":"2026-01-01T00:00:00Z"}',
    'not json',
    '{"conversationId":"b","confidence":7}',
    '',
    '{"conversationId":"c","intent":{"intent":"y","confidence":0.9},"text":"I want an agent"}'
  ].join('\n'))
  const { code, stdout } = await backtest([file, '--policy', EXAMPLE, '--json'])
  t.equal(code, 0)
  const report = JSON.parse(stdout)
  t.match(report.input, { lines: 5, events: 2, invalid: 2 })
  t.match(report.input.invalidExamples, [{ line: 2, reason: /not JSON/ }, { line: 3, reason: /\/confidence must be <= 1/ }])
  t.match(report.policies[0], { conversations: 2, handedOff: 2, byRule: { confidence_below_threshold: 1, human_request: 1 } })

  const policy = join(dir, 'bad.yaml')
  writeFileSync(policy, 'maxBotTurns: { turns: 0 }\n')
  const bad = await backtest([file, '--policy', policy])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /bad\.yaml is invalid: \/maxBotTurns\/turns \(line 1\) must be >= 1/)
})

t.test('conversations exported by GET /conversations/:id replay to the decisions the service made', async t => {
  const dir = tempDir(t)
  const { app } = await buildWithSimulator(t, { envOverrides: { POLICY_FILE: EXAMPLE, HANDOFF_QUEUE_POLL_INTERVAL_MS: 10 } })
  const scripts: Array<Array<[string, number, string]>> = [
    [['greeting', 0.95, 'hi'], ['order_status', 0.83, 'parcel?'], ['order_status', 0.81, 'still?'], ['order_status', 0.84, 'hello?']],
    [['order_status', 0.9, 'where is it'], ['order_status', 0.92, 'let me talk to a HUMAN']],
    [['order_status', 0.95, 'thanks'], ['thanks', 0.99, 'bye']]
  ]
  const exports: Array<Record<string, any>> = []
  for (const script of scripts) {
    const id = newConversationId()
    for (const [intent, confidence, text] of script) await postEvent(app, messagingEvent(id, confidence, { intent: { intent, confidence }, text }))
    exports.push((await app.inject({ url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json())
  }
  const live = exports.map(e => (e.decisions as Array<{ action: string, turn: number, ruleId: string }>).find(d => d.action === 'HANDOFF') ?? null)
  t.match(live, [{ turn: 4, ruleId: 'low_confidence_streak' }, { turn: 2, ruleId: 'human_request' }, null], 'what the service decided')

  const lines = join(dir, 'exports.jsonl')
  writeFileSync(lines, exports.map(e => JSON.stringify(e)).join('\n') + '\n')
  const pretty = join(dir, 'one.json')
  writeFileSync(pretty, JSON.stringify(exports[0], null, 2))
  const changes = join(dir, 'changes.jsonl')
  // Compared with the single threshold, the changes name each conversation with the live policy's verdict.
  writeFileSync(join(dir, 'single.json'), '{}')
  const { code, stdout, stderr } = await backtest([lines, '--policy', EXAMPLE, '--compare', join(dir, 'single.json'), '--changes', changes, '--json'])
  t.equal(code, 0, stderr)
  const report = JSON.parse(stdout)
  t.match(report.policies[0], { conversations: 3, handedOff: 2 })
  const replayed = readFileSync(changes, 'utf8').trim().split('\n').map(l => JSON.parse(l) as { conversationId: string, policy: { turn: number, ruleId: string } | null })
  for (const [i, e] of exports.entries()) {
    const change = replayed.find(c => c.conversationId === e.conversationId)
    const verdict = change === undefined ? null : change.policy
    t.same(verdict === null ? null : { turn: verdict.turn, ruleId: verdict.ruleId }, live[i] === null ? null : { turn: live[i]?.turn, ruleId: live[i]?.ruleId },
      `conversation ${i + 1} replays as it ran`)
  }

  const one = await backtest([pretty, '--policy', EXAMPLE, '--json'])
  t.equal(one.code, 0, one.stderr)
  t.match(JSON.parse(one.stdout).policies[0], { conversations: 1, handedOff: 1, handoffTurns: [{ turn: 4, handoffs: 1 }] }, 'a pretty-printed export file')
})
