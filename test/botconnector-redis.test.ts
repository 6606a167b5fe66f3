// Bot Connector mode over two instances sharing the real Redis: one handoff per conversation, whichever
// instance each turn lands on, and the Bot Connector and the webhook share the once-only record.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { BOT_CONNECTOR_SECRET, botTurn, build, messagingEvent, newConversationId, postEvent, postTurn, sampleBot } from './helper.js'
import { redisEnv, uniquePrefix } from './redis-helper.js'

async function twoInstances (t: Parameters<typeof sampleBot>[0]): Promise<{ a: FastifyInstance, b: FastifyInstance, bot: Awaited<ReturnType<typeof sampleBot>> }> {
  const bot = await sampleBot(t)
  const env = { ...redisEnv(uniquePrefix(t)), BOT_URL: bot.url, BOT_CONNECTOR_SECRET, HANDOFF_STRATEGY: 'flow', GENESYS_CLIENT_ID: undefined, GENESYS_CLIENT_SECRET: undefined }
  const a = await build(t, { envOverrides: env })
  const b = await build(t, { envOverrides: env })
  return { a, b, bot }
}

function metric (text: string, name: string): number {
  const line = text.split('\n').find(l => l.startsWith(`${name} `))
  return line === undefined ? 0 : Number(line.slice(name.length + 1))
}

async function sumMetric (apps: FastifyInstance[], name: string): Promise<number> {
  let total = 0
  for (const app of apps) total += metric((await app.inject({ url: '/metrics' })).body, name)
  return total
}

t.test('20 concurrent low-confidence turns over two instances: one handoff, 20 Complete/handoff answers, all recorded', async t => {
  const { a, b } = await twoInstances(t)
  const id = newConversationId()
  const answers = await Promise.all(Array.from({ length: 20 }, async (_, i) =>
    await postTurn(i % 2 === 0 ? a : b, botTurn(i % 3 === 0 ? id.toUpperCase() : id, `please refund order ${i}`))))
  t.same(answers.map(r => r.statusCode), Array(20).fill(200))
  const bodies = answers.map(r => r.json())
  t.ok(bodies.every(body => body.botState === 'Complete' && body.intent === 'handoff'), 'every turn answered Complete/handoff')
  const routing = bodies.map(body => JSON.stringify({ ...body.parameters, sampleBotTurn: undefined }))
  t.equal(new Set(routing).size, 1, 'the same routing parameters on every answer')

  t.equal(await sumMetric([a, b], 'handoff_botconnector_turns_total{outcome="handoff_initiated"}'), 1, 'exactly one turn handed off')
  t.equal(await sumMetric([a, b], 'handoff_botconnector_turns_total{outcome="handed_off"}'), 19)
  t.equal(await sumMetric([a, b], 'handoff_duration_seconds_count{outcome="success"}'), 1, 'one handoff recorded')
  for (const app of [a, b]) {
    const snapshot = await app.historyStore.get(id)
    t.equal(snapshot?.handoff.state, 'done')
    t.equal(snapshot?.history.length, 20, 'every turn recorded under one key')
  }
})

t.test('after a handoff on one instance, the other answers Complete/handoff without asking the bot', async t => {
  const { a, b, bot } = await twoInstances(t)
  const id = newConversationId()
  t.equal((await postTurn(a, botTurn(id, 'hello'))).json().botState, 'MoreData')
  const handoff = (await postTurn(a, botTurn(id, 'I dispute this bill'))).json()
  t.equal(handoff.parameters.handoffReason, 'confidence_below_threshold')
  const turns = bot.state.turns.length
  const later = (await postTurn(b, botTurn(id, 'Where is my parcel?'))).json()
  t.equal(later.intent, 'handoff')
  t.equal(later.parameters.handoffSummary, handoff.parameters.handoffSummary, 'the summary recorded with the handoff')
  t.equal(bot.state.turns.length, turns, 'the bot was not asked')
})

t.test('the webhook (Data Action) and the Bot Connector share the once-only record', async t => {
  const { a, b, bot } = await twoInstances(t)
  const id = newConversationId()
  const decided = await postEvent(a, messagingEvent(id, 0.2, { decisionOnly: true }))
  t.equal(decided.json().status, 'handoff_initiated')
  const turn = (await postTurn(b, botTurn(id, 'Where is my parcel?'))).json()
  t.equal(turn.intent, 'handoff')
  t.equal(turn.parameters.handoffQueueId, decided.json().queueId)
  t.equal(bot.state.turns.length, 0)
  const again = await postEvent(b, messagingEvent(id, 0.1))
  t.equal(again.json().status, 'handed_off')
})
