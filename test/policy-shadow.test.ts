// Shadow mode: a candidate policy decides beside the live one on real traffic; disagreements are counted
// (GET /metrics), logged and kept in the audit trail, and only the live policy ever acts.
import t from 'tap'
import { Writable } from 'node:stream'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import pino from 'pino'
import { ADMIN_TOKEN, QUEUE_ID, buildWithSimulator, messagingEvent, newConversationId, postEvent, transferCalls } from './helper.js'

const EXAMPLE = resolve(import.meta.dirname, '../examples/policy.example.yaml')
const BILLING_QUEUE = '6f1c2b3a-0000-4000-8000-0000000000b1'

function value (text: string, sample: string): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(sample + ' '))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

t.test('disagreements are counted and logged; the live policy alone acts', async t => {
  const chunks: string[] = []
  const logger = pino({ level: 'info' }, new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } }))
  const { app, sim } = await buildWithSimulator(t, {
    loggerInstance: logger,
    envOverrides: { SHADOW_POLICY_FILE: EXAMPLE, HANDOFF_QUEUE_POLL_INTERVAL_MS: 10 }
  })
  const live = app.policy.live.version
  const shadow = app.policy.shadow?.version ?? ''
  t.not(live, shadow)
  const send = async (intent: string, confidence: number, text = 'hello'): Promise<{ id: string, body: Record<string, any> }> => {
    const id = newConversationId()
    const res = await postEvent(app, messagingEvent(id, confidence, { intent: { intent, confidence }, text }))
    t.equal(res.statusCode, 200, res.body)
    return { id, body: res.json() }
  }

  // The shadow would hand off to billing; live keeps the bot, and so does the service.
  const billing = await send('billing_question', 0.78)
  t.equal(billing.body.status, 'bot_continuing')
  t.equal(billing.body.decision.policyVersion, live)
  t.equal(transferCalls(sim).length, 0, 'the shadow never acts')
  // Both keep the bot: no disagreement.
  const calm = await send('order_status', 0.9)
  // Live hands off a shaky greeting; the shadow never would.
  const greeting = await send('greeting', 0.5)
  t.equal(greeting.body.status, 'handoff_initiated')
  // Both hand off, to different queues: the live one is used.
  const dispute = await send('billing_dispute', 0.5)
  t.equal(dispute.body.decision.target.queueId, QUEUE_ID)
  t.equal(sim.state.conversation(dispute.id)?.participants.find(p => p.purpose === 'acd')?.queue?.id, QUEUE_ID)
  t.equal(transferCalls(sim).length, 2)

  const metrics = (await app.inject({ url: '/metrics' })).body
  t.equal(value(metrics, 'handoff_shadow_decisions_total'), 4)
  t.equal(value(metrics, 'handoff_shadow_disagreements_total{live_action="CONTINUE_BOT",shadow_action="HANDOFF"}'), 1)
  t.equal(value(metrics, 'handoff_shadow_disagreements_total{live_action="HANDOFF",shadow_action="CONTINUE_BOT"}'), 1)
  t.equal(value(metrics, 'handoff_shadow_disagreements_total{live_action="HANDOFF",shadow_action="HANDOFF"}'), 1)
  t.equal(value(metrics, `handoff_policy_info{role="shadow",version="${shadow}"}`), 1)
  t.equal(value(metrics, `handoff_policy_info{role="live",version="${live}"}`), 1)
  t.equal(value(metrics, 'handoff_policy_rules_total{rule="confidence_below_threshold",action="HANDOFF"}'), 2, 'rules count the live decisions')

  const lines = chunks.join('').split('\n').filter(Boolean).map(l => JSON.parse(l) as Record<string, any>)
  const disagreements = lines.filter(l => l.msg === 'shadow policy disagrees')
  t.same(disagreements.map(l => l.conversationId), [billing.id, greeting.id, dispute.id])
  t.match(disagreements[0], {
    turn: 1,
    live: { action: 'CONTINUE_BOT', ruleId: 'confidence_meets_threshold', policyVersion: live, target: null },
    shadow: { action: 'HANDOFF', ruleId: 'intent_confidence_below_threshold', policyVersion: shadow, target: { queueId: BILLING_QUEUE } }
  })

  const audit = async (id: string): Promise<Array<Record<string, any>>> =>
    (await app.inject({ url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json().decisions
  t.match((await audit(billing.id))[0], { action: 'CONTINUE_BOT', policyVersion: live, shadow: { action: 'HANDOFF', ruleId: 'intent_confidence_below_threshold', policyVersion: shadow } })
  t.notOk('shadow' in ((await audit(calm.id))[0] ?? {}), 'agreement is not repeated in the trail')
})

t.test('a shadow policy file is reloaded like the live one, and a bad one keeps the candidate', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'shadow-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = join(dir, 'candidate.json')
  writeFileSync(file, JSON.stringify({ defaults: { threshold: 0.5 } }))
  const { app } = await buildWithSimulator(t, { envOverrides: { SHADOW_POLICY_FILE: file } })
  const first = app.policy.shadow?.version
  writeFileSync(file, JSON.stringify({ defaults: { threshold: 0.6 } }))
  t.same(app.policy.reload('test'), { live: null, shadow: 'ok' })
  t.not(app.policy.shadow?.version, first)
  const second = app.policy.shadow?.version
  writeFileSync(file, '{"defaults": {"threshold": "high"}}')
  t.same(app.policy.reload('test'), { live: null, shadow: 'error' })
  t.equal(app.policy.shadow?.version, second)
  t.equal(app.policy.live.source, 'environment', 'the live policy is untouched')
})
