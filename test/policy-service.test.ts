// The policy in the running service, on the embedded store and on Redis: the shipped example policy's
// three promises (billing under 0.8 to the billing queue and skill, 'agent' at once, three shaky turns),
// history-aware rules across webhooks, the audit trail in GET /conversations/:id and the decision log.
import t from 'tap'
import { Writable } from 'node:stream'
import { resolve } from 'node:path'
import pino from 'pino'
import type { FastifyInstance } from 'fastify'
import { ADMIN_TOKEN, QUEUE_ID, SKILL_ID, buildWithSimulator, messagingEvent, newConversationId, postEvent, transferCalls } from './helper.js'
import { redisEnv, uniquePrefix } from './redis-helper.js'

const EXAMPLE = resolve(import.meta.dirname, '../examples/policy.example.yaml')
const BILLING_QUEUE = '6f1c2b3a-0000-4000-8000-0000000000b1'
const BILLING_SKILL = '7d2e3f4a-0000-4000-8000-0000000000b2'

async function conversation (app: FastifyInstance, id: string): Promise<Record<string, any>> {
  const res = await app.inject({ url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  if (res.statusCode !== 200) throw new Error(`GET /conversations answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

const event = (id: string, intent: string, confidence: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  messagingEvent(id, confidence, { intent: { intent, confidence }, ...extra })

for (const store of ['memory', 'redis'] as const) {
  const storeEnv = (t: Parameters<typeof uniquePrefix>[0]): Record<string, unknown> => store === 'redis' ? redisEnv(uniquePrefix(t)) : {}

  t.test(`${store}: billing questions under 0.8 go to the billing queue and skill`, async t => {
    const { app, sim } = await buildWithSimulator(t, { envOverrides: { POLICY_FILE: EXAMPLE, HANDOFF_QUEUE_POLL_INTERVAL_MS: 10, ...storeEnv(t) } })
    const id = newConversationId()
    const res = await postEvent(app, event(id, 'billing_question', 0.78, { text: 'why was I charged twice?' }))
    t.equal(res.statusCode, 200, res.body)
    const body = res.json()
    t.equal(body.status, 'handoff_initiated')
    t.match(body.decision, {
      action: 'HANDOFF',
      rule: 'intent_confidence_below_threshold',
      ruleId: 'intent_confidence_below_threshold',
      threshold: 0.8,
      turn: 1,
      policyVersion: app.policy.live.version,
      target: { queueId: BILLING_QUEUE, skillIds: [BILLING_SKILL] }
    })
    t.equal(sim.state.conversation(id)?.participants.find(p => p.purpose === 'acd')?.queue?.id, BILLING_QUEUE)
    t.same(sim.state.conversation(id)?.routing?.skillIds, [BILLING_SKILL])
    // 0.78 meets the default threshold: any other intent stays with the bot.
    t.equal((await postEvent(app, event(newConversationId(), 'order_status', 0.78))).json().status, 'bot_continuing')
  })

  t.test(`${store}: anyone who types 'agent' goes at once, to the default queue`, async t => {
    const { app, sim } = await buildWithSimulator(t, { envOverrides: { POLICY_FILE: EXAMPLE, HANDOFF_QUEUE_POLL_INTERVAL_MS: 10, ...storeEnv(t) } })
    const id = newConversationId()
    const res = await postEvent(app, event(id, 'order_status', 0.99, { text: 'Can I talk to an Agent?' }))
    t.match(res.json(), { status: 'handoff_initiated', decision: { ruleId: 'human_request', reason: "the customer asked for a human ('agent')" } })
    t.equal(sim.state.conversation(id)?.participants.find(p => p.purpose === 'acd')?.queue?.id, QUEUE_ID)
    t.same(sim.state.conversation(id)?.routing?.skillIds, [SKILL_ID])
  })

  t.test(`${store}: three shaky turns in a row hand off; the audit trail shows every decision`, async t => {
    const log: string[] = []
    const logger = pino({ level: 'info' }, new Writable({ write (chunk, _enc, cb) { log.push(String(chunk)); cb() } }))
    const { app } = await buildWithSimulator(t, { loggerInstance: logger, envOverrides: { POLICY_FILE: EXAMPLE, HANDOFF_QUEUE_POLL_INTERVAL_MS: 10, ...storeEnv(t) } })
    const version = app.policy.live.version
    const id = newConversationId()
    t.equal((await postEvent(app, event(id, 'order_status', 0.82, { messageId: 'm1' }))).json().status, 'bot_continuing')
    t.equal((await postEvent(app, event(id, 'order_status', 0.8, { messageId: 'm2' }))).json().status, 'bot_continuing')
    const third = (await postEvent(app, event(id, 'order_status', 0.84, { messageId: 'm3' }))).json()
    t.match(third, { status: 'handoff_initiated', decision: { ruleId: 'low_confidence_streak', turn: 3 } })
    t.equal((await postEvent(app, event(id, 'order_status', 0.1, { messageId: 'm4' }))).json().status, 'handed_off', 'no decision after the handoff')

    const record = await conversation(app, id)
    t.equal(record.turns, 4)
    t.same(record.decisions.map((d: { turn: number }) => d.turn), [1, 2, 3])
    t.same(record.decisions.map((d: { outcome: string }) => d.outcome), ['bot_continuing', 'bot_continuing', 'handoff_initiated'])
    t.match(record.decisions[2], {
      turn: 3,
      messageId: 'm3',
      input: { event: 'message', intent: 'order_status', confidence: 0.84 },
      action: 'HANDOFF',
      ruleId: 'low_confidence_streak',
      reason: '3 events in a row below the soft threshold 0.85',
      threshold: 0.75,
      target: { queueId: QUEUE_ID, skillIds: [SKILL_ID], priority: null, languageId: null },
      policyVersion: version
    })
    t.match(record.decisions[0], { action: 'CONTINUE_BOT', ruleId: 'confidence_meets_threshold', target: null })
    t.notOk('duplicate' in record.decisions[0])

    const lines = log.join('').split('\n').filter(Boolean).map(l => JSON.parse(l) as Record<string, unknown>).filter(l => l.msg === 'decision')
    t.equal(lines.length, 3)
    t.match(lines[2], { conversationId: id, action: 'HANDOFF', ruleId: 'low_confidence_streak', policyVersion: version, turn: 3 })
  })

  t.test(`${store}: a redelivery after a failure decides from the same history and is audited as such`, async t => {
    const { app, sim } = await buildWithSimulator(t, { envOverrides: { POLICY_FILE: EXAMPLE, HANDOFF_QUEUE_POLL_INTERVAL_MS: 10, ...storeEnv(t) } })
    const id = newConversationId()
    await postEvent(app, event(id, 'order_status', 0.8, { messageId: 'a' }))
    await postEvent(app, event(id, 'order_status', 0.8, { messageId: 'b' }))
    sim.state.addFault({ method: 'GET', path: '/api/v2/conversations/', status: 403, times: 1 })
    t.equal((await postEvent(app, event(id, 'order_status', 0.8, { messageId: 'c' }))).statusCode, 502)
    const again = await postEvent(app, event(id, 'order_status', 0.8, { messageId: 'c' }))
    t.match(again.json(), { status: 'handoff_initiated', duplicate: true, decision: { ruleId: 'low_confidence_streak', turn: 3 } })
    t.equal(transferCalls(sim).length, 1)
    const record = await conversation(app, id)
    t.equal(record.turns, 3, 'the redelivery was recorded once')
    t.same(record.decisions.map((d: { outcome: string }) => d.outcome), ['bot_continuing', 'bot_continuing', 'GENESYS_REJECTED', 'handoff_initiated'])
    t.same(record.decisions.map((d: { turn: number }) => d.turn), [1, 2, 3, 3])
    t.equal(record.decisions[3].duplicate, true)
  })

  t.test(`${store}: bot turns are counted beyond the history kept, and the audit trail is bounded by its own limit`, async t => {
    const { app } = await buildWithSimulator(t, {
      envOverrides: { POLICY_FILE: EXAMPLE, HISTORY_MAX_EVENTS: 4, HISTORY_MAX_DECISIONS: 3, HANDOFF_QUEUE_POLL_INTERVAL_MS: 10, ...storeEnv(t) }
    })
    const id = newConversationId()
    for (let turn = 1; turn <= 12; turn++) {
      t.equal((await postEvent(app, event(id, 'order_status', 0.95, { text: `turn ${turn}` }))).json().status, 'bot_continuing', `turn ${turn}`)
    }
    const thirteenth = (await postEvent(app, event(id, 'order_status', 0.95, { text: 'turn 13' }))).json()
    t.match(thirteenth, { status: 'handoff_initiated', decision: { ruleId: 'max_bot_turns', turn: 13 } })
    const record = await conversation(app, id)
    t.equal(record.turns, 13)
    t.same(record.history.map((e: { text: string }) => e.text), ['turn 10', 'turn 11', 'turn 12', 'turn 13'])
    t.same(record.decisions.map((d: { turn: number }) => d.turn), [11, 12, 13])
  })

  t.test(`${store}: HISTORY_MAX_DECISIONS=0 keeps no audit trail, the decisions still act`, async t => {
    const { app } = await buildWithSimulator(t, { envOverrides: { HISTORY_MAX_DECISIONS: 0, ...storeEnv(t) } })
    const id = newConversationId()
    t.equal((await postEvent(app, messagingEvent(id, 0.9))).json().status, 'bot_continuing')
    t.equal((await postEvent(app, messagingEvent(id, 0.2))).json().status, 'handoff_initiated')
    const record = await conversation(app, id)
    t.equal(record.turns, 2)
    t.same(record.decisions, [])
  })
}

t.test('the webhook answer keeps its earlier fields without a policy file', async t => {
  const { app } = await buildWithSimulator(t)
  const body = (await postEvent(app, messagingEvent(newConversationId(), 0.9))).json()
  t.same(Object.keys(body.decision).sort(), ['action', 'confidence', 'intent', 'policyVersion', 'reason', 'rule', 'ruleId', 'target', 'threshold', 'turn'])
  t.match(body.decision, { action: 'CONTINUE_BOT', rule: 'confidence_meets_threshold', reason: "intent 'billing_question' confidence 0.9 meets threshold 0.75", target: null })
  t.equal(body.decision.policyVersion, app.policy.live.version)
  t.equal(app.policy.live.source, 'environment')
})
