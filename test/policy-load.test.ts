// Policy files: JSON or YAML, validated with errors that name the bad path and line, and reloaded (SIGHUP,
// file change, directly) with a bad reload keeping the running policy.
import t from 'tap'
import { EventEmitter, once } from 'node:events'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino from 'pino'
import { loadPolicy } from '../src/policy/load.js'
import { PolicyError } from '../src/policy/compile.js'
import { PolicyRuntime } from '../src/policy/runtime.js'
import { watchFiles } from '../src/policy/watch.js'
import type { PolicyDefaults } from '../src/schemas/policy.js'
import { Telemetry } from '../src/telemetry.js'
import { build, buildWithSimulator, messagingEvent, newConversationId, postEvent } from './helper.js'

const defaults: PolicyDefaults = { threshold: 0.75, target: { queueId: 'general', skillIds: [], priority: null, languageId: null } }

function tempDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

function capture (): { lines: () => Array<Record<string, unknown>>, logger: pino.Logger } {
  const chunks: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } })
  return { logger: pino({ level: 'debug' }, stream), lines: () => chunks.join('').split('\n').filter(Boolean).map(l => JSON.parse(l) as Record<string, unknown>) }
}

function problem (path: string, text: string): string {
  try {
    loadPolicy(path, defaults)
  } catch (err) {
    if (err instanceof PolicyError) {
      writeFileSync(path, text) // restore for the next case
      return err.message
    }
    throw err
  }
  throw new Error('expected a PolicyError')
}

const YAML = `# billing first
intents:
  billing_*:
    threshold: 0.8
    target: { queueId: billing }
humanRequest:
  phrases: [agent]
`
const JSON_TEXT = JSON.stringify({ humanRequest: { phrases: ['agent'] }, intents: { 'billing_*': { target: { queueId: 'billing' }, threshold: 0.8 } } }, null, 2)

t.test('JSON and YAML of the same policy load to the same version', async t => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'p.yaml'), YAML)
  writeFileSync(join(dir, 'p.json'), JSON_TEXT)
  const yaml = loadPolicy(join(dir, 'p.yaml'), defaults)
  const json = loadPolicy(join(dir, 'p.json'), defaults)
  t.equal(yaml.version, json.version)
  t.equal(yaml.source, join(dir, 'p.yaml'))
  t.equal(yaml.spec.intents['billing_*']?.target?.queueId, 'billing')
  t.equal(loadPolicy(null, defaults).source, 'environment')
  t.equal(loadPolicy('', defaults).version, loadPolicy(undefined, defaults).version)
})

t.test('an invalid file is refused with every bad path and its line', async t => {
  const dir = tempDir(t)
  const file = join(dir, 'bad.yaml')
  const cases: Array<[string, RegExp]> = [
    ['intents:\n  billing:\n    threshold: 1.5\n', /\/intents\/billing\/threshold \(line 3\) must be <= 1/],
    ['intents:\n  billing:\n    treshold: 0.5\n', /\/intents\/billing\/treshold \(line 3\) is not a known setting/],
    ['defaults:\n  threshold: 0.5\nmaxBotTurn:\n  turns: 3\n', /\/maxBotTurn \(line 4\) is not a known setting/],
    ['intents:\n  greeting: { handoff: sometimes }\n', /\/intents\/greeting\/handoff \(line 2\) must be one of: always, never/],
    ['intents:\n  "a*b": {}\n', /\/intents\/a\*b \(line 2\) is not an intent name or a prefix ending in '\*'/],
    ['intents:\n  greeting: { handoff: never, threshold: 0.5 }\n', /\/intents\/greeting \(line 2\) handoff: never takes no threshold or target/],
    ['humanRequest:\n  phrases:\n    - agent\n    - "?!"\n', /\/humanRequest\/phrases\/1 \(line 4\) has no letters or digits to match/],
    ['lowConfidenceStreak: { turns: 1, softThreshold: 0.8 }\n', /\/lowConfidenceStreak\/turns \(line 1\) must be >= 2/],
    ['defaults:\n  target:\n    priority: high\n', /\/defaults\/target\/priority \(line 3\) must be integer or must be null/],
    ['a: 1\na: 2\n', /the file \(line 2\) is not valid YAML: Map keys must be unique/],
    ['', /the file is empty/],
    ['- just\n- a list\n', /the file .*must be object/]
  ]
  for (const [text, expected] of cases) {
    writeFileSync(file, text)
    t.match(problem(file, text), expected, JSON.stringify(text))
  }
  writeFileSync(file, 'intents:\n  x: { threshold: 2 }\nbogus: 1\n')
  t.match(problem(file, ''), /\/bogus \(line 3\) is not a known setting; \/intents\/x\/threshold \(line 2\) must be <= 1/, 'all problems at once')
  const json = join(dir, 'bad.json')
  writeFileSync(json, '{\n  "intents": {\n    "x": { "threshold": -1 }\n  }\n}\n')
  t.match(problem(json, ''), /\/intents\/x\/threshold \(line 3\) must be >= 0/, 'JSON files get lines too')
  writeFileSync(json, '{ "intents": ')
  t.match(problem(json, ''), /is not valid JSON/)
  t.throws(() => loadPolicy(join(dir, 'missing.yaml'), defaults), /cannot be read \(ENOENT/)
})

t.test('the service refuses to start on an invalid policy, naming the path', async t => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'p.yaml'), 'intents:\n  billing: { threshold: 7 }\n')
  await t.rejects(build(t, { envOverrides: { POLICY_FILE: join(dir, 'p.yaml') } }), /\/intents\/billing\/threshold \(line 2\) must be <= 1/)
  writeFileSync(join(dir, 'shadow.yaml'), 'nope: 1\n')
  await t.rejects(build(t, { envOverrides: { SHADOW_POLICY_FILE: join(dir, 'shadow.yaml') } }), /shadow\.yaml is invalid: \/nope/)
})

t.test('reload: a good file replaces the policy, a bad one keeps it and says why', async t => {
  const dir = tempDir(t)
  const file = join(dir, 'p.yaml')
  writeFileSync(file, YAML)
  const log = capture()
  const results: string[] = []
  const telemetry = new Telemetry()
  telemetry.subscribe('policyReload', ({ role, result }) => { results.push(`${role}:${result}`) })
  const runtime = new PolicyRuntime({ file, shadowFile: null, defaults, log: log.logger, telemetry })
  const first = runtime.live.version
  const billing = { conversationId: 'c', history: { events: [] }, event: { intent: { intent: 'billing_question', confidence: 0.79 } }, log: log.logger }
  t.equal(runtime.decide(billing).decision.action, 'HANDOFF')

  t.same(runtime.reload('test'), { live: 'unchanged', shadow: null })
  writeFileSync(file, YAML.replace('0.8', '0.7'))
  t.same(runtime.reload('test'), { live: 'ok', shadow: null })
  t.not(runtime.live.version, first)
  t.equal(runtime.decide(billing).decision.action, 'CONTINUE_BOT', 'decisions use the new policy at once')
  const good = runtime.live.version
  t.match(log.lines().find(l => l.msg === 'policy reloaded'), { role: 'live', file, policyVersion: good, previousVersion: first, reason: 'test' })

  writeFileSync(file, YAML.replace('0.8', 'eighty'))
  t.same(runtime.reload('test'), { live: 'error', shadow: null })
  t.equal(runtime.live.version, good, 'the previous policy stays')
  t.equal(runtime.decide(billing).decision.action, 'CONTINUE_BOT')
  const failed = log.lines().find(l => l.msg === 'policy reload failed; keeping the previous policy')
  t.match(failed, { level: 50, role: 'live', file, policyVersion: good, issues: [{ path: '/intents/billing_*/threshold', line: 4 }] })
  t.match(failed?.error, /\/intents\/billing_\*\/threshold \(line 4\) must be number/)

  rmSync(file)
  t.same(runtime.reload('test'), { live: 'error', shadow: null }, 'a deleted file keeps the policy too')
  t.same(results, ['live:unchanged', 'live:ok', 'live:error', 'live:error'])
})

t.test('SIGHUP reloads the running service; metrics and answers follow', async t => {
  const dir = tempDir(t)
  const file = join(dir, 'policy.yaml')
  writeFileSync(file, 'intents:\n  billing_question: { threshold: 0.95 }\n')
  const listeners = process.listenerCount('SIGHUP')
  const { app } = await buildWithSimulator(t, { envOverrides: { POLICY_FILE: file } })
  t.equal(process.listenerCount('SIGHUP'), listeners + 1)
  const before = app.policy.live.version
  const first = await postEvent(app, messagingEvent(newConversationId(), 0.9))
  t.equal(first.json().decision.ruleId, 'intent_confidence_below_threshold')
  t.equal(first.json().decision.policyVersion, before)

  writeFileSync(file, 'intents:\n  billing_question: { threshold: 0.5 }\n')
  process.emit('SIGHUP', 'SIGHUP')
  const after = app.policy.live.version
  t.not(after, before)
  const second = await postEvent(app, messagingEvent(newConversationId(), 0.9))
  t.match(second.json().decision, { action: 'CONTINUE_BOT', threshold: 0.5, policyVersion: after })

  writeFileSync(file, 'intents: [')
  process.emit('SIGHUP', 'SIGHUP')
  t.equal(app.policy.live.version, after)
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, 'handoff_policy_reloads_total{role="live",result="ok"} 1')
  t.match(metrics, 'handoff_policy_reloads_total{role="live",result="error"} 1')
  t.match(metrics, `handoff_policy_info{role="live",version="${after}"} 1`)
  t.notMatch(metrics, `version="${before}"`, 'the replaced version is no longer reported')

  await app.close()
  t.equal(process.listenerCount('SIGHUP'), listeners, 'closing the app removes its SIGHUP listener')
})

t.test('a changed file is noticed: written in place or replaced by rename', async t => {
  const dir = tempDir(t)
  const file = join(dir, 'policy.yaml')
  writeFileSync(file, YAML)
  const runtime = new PolicyRuntime({ file, shadowFile: null, defaults, log: pino({ level: 'silent' }) })
  const versions: string[] = [runtime.live.version]
  const changed = new EventEmitter()
  const stop = watchFiles([file], () => {
    runtime.reload('file changed')
    if (runtime.live.version !== versions[versions.length - 1]) {
      versions.push(runtime.live.version)
      changed.emit('version')
    }
  }, { debounceMs: 10 })
  // The watcher does not hold the process open (a server does): keep the test alive while it waits.
  const alive = setInterval(() => {}, 60_000)
  t.teardown(() => { stop(); clearInterval(alive) })

  writeFileSync(file, YAML.replace('0.8', '0.7'))
  await once(changed, 'version')
  t.equal(runtime.live.spec.intents['billing_*']?.threshold, 0.7)

  // How editors and ConfigMaps save: write a new file, rename it over the old one.
  writeFileSync(join(dir, '.policy.yaml.tmp'), YAML.replace('0.8', '0.6'))
  renameSync(join(dir, '.policy.yaml.tmp'), file)
  await once(changed, 'version')
  t.equal(runtime.live.spec.intents['billing_*']?.threshold, 0.6)
  t.equal(versions.length, 3)
})
