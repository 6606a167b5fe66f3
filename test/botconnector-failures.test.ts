// Bot Connector mode when the bot or the store fails: a real loopback bot that is slow, failing, garbled or
// gone, and a private Redis that is stopped. Genesys never gets a 5xx.
import t from 'tap'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { QUEUE_ID, botTurn, buildWithBot, build, newConversationId, postTurn } from './helper.js'
import { freePort, privateRedis, redisEnv, uniquePrefix } from './redis-helper.js'
import type { BotFault } from '../tools/simulator/bot.js'

const FAST = { BOT_TIMEOUT_MS: 300 }

const faults: Array<[string, BotFault]> = [
  ['slow (beyond BOT_TIMEOUT_MS)', { latencyMs: 3000 }],
  ['5xx', { status: 503 }],
  ['4xx', { status: 401 }],
  ['garbage', { garbage: true }],
  ['hang-up', { hangUp: true }]
]

for (const [name, fault] of faults) {
  t.test(`bot ${name}: the customer is handed off with reason bot_unavailable, recorded once-only`, async t => {
    const { app, bot, sim } = await buildWithBot(t, { envOverrides: FAST })
    const id = newConversationId()
    bot.state.addFault(fault)
    const started = Date.now()
    const res = await postTurn(app, botTurn(id, 'Where is my parcel?'))
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.equal(body.botState, 'Complete')
    t.equal(body.intent, 'handoff')
    t.equal(body.parameters.handoffReason, 'bot_unavailable')
    t.equal(body.parameters.handoffQueueId, QUEUE_ID)
    t.notOk(body.replyMessages)
    // A guard against waiting for the slow bot, loose enough for a loaded machine.
    t.ok(Date.now() - started < 2500, 'answered without waiting for the bot')
    const snapshot = await app.historyStore.get(id)
    t.equal(snapshot?.handoff.state, 'done')
    t.match(snapshot?.handoff.details, { strategy: 'flow', reason: 'bot_unavailable' })
    t.match(snapshot?.history[0], { text: 'Where is my parcel?', intent: { intent: 'unknown', confidence: 0 } })
    // The bot is back: the conversation stays handed off and the bot is not asked.
    const turnsBefore = bot.state.turns.length
    t.equal((await postTurn(app, botTurn(id, 'hello'))).json().intent, 'handoff')
    t.equal(bot.state.turns.length, turnsBefore)
    t.equal(sim.state.calls.length, 0)
  })
}

t.test('answers that break the v2 contract count as garbage', async t => {
  const answers: unknown[] = [
    { botState: 'Complete', confidence: 0.9 },
    { botState: 'Done', intent: 'x' },
    { botState: 'MoreData', intent: 'x', confidence: 91 },
    { botState: 'MoreData', parameters: { retries: 3 } },
    'just text'
  ]
  for (const answer of answers) {
    const server = (await import('fastify')).default()
    server.post('/bc/messages', async () => answer)
    const url = await server.listen({ port: 0, host: '127.0.0.1' })
    t.teardown(async () => { await server.close() })
    const app = await build(t, { envOverrides: { BOT_URL: `${url}/bc`, HANDOFF_STRATEGY: 'flow', GENESYS_CLIENT_ID: undefined, GENESYS_CLIENT_SECRET: undefined } })
    const body = (await postTurn(app, botTurn(newConversationId(), 'hi'), {})).json()
    t.equal(body.parameters?.handoffReason, 'bot_unavailable', JSON.stringify(answer))
  }
})

t.test('a bot nobody listens for: handed off', async t => {
  const port = await freePort()
  const app = await build(t, { envOverrides: { BOT_URL: `http://127.0.0.1:${port}/botconnector` } })
  const res = await postTurn(app, botTurn(newConversationId(), 'hi'), {})
  t.equal(res.statusCode, 200)
  t.equal(res.json().parameters.handoffReason, 'bot_unavailable')
  const text = (await app.inject({ url: '/metrics' })).body
  t.match(text, /bot_request_duration_seconds_count\{operation="messages",outcome="error"\} 1/)
  t.match(text, /handoff_botconnector_turns_total\{outcome="bot_unavailable"\} 1/)
})

t.test('a bot that accepts the connection and never answers is cut off at BOT_TIMEOUT_MS', async t => {
  const silent = createServer(() => {})
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  t.teardown(() => { silent.close() })
  const address = silent.address() as { port: number }
  const app = await build(t, { envOverrides: { ...FAST, BOT_URL: `http://127.0.0.1:${address.port}/botconnector` } })
  const res = await postTurn(app, botTurn(newConversationId(), 'hi'), {})
  t.equal(res.json().parameters.handoffReason, 'bot_unavailable')
  t.match((await app.inject({ url: '/metrics' })).body, /bot_request_duration_seconds_count\{operation="messages",outcome="timeout"\} 1/)
})

t.test('BOT_UNAVAILABLE_HANDOFF=false: Failed with errorInfo, the turn recorded, no handoff', async t => {
  const { app, bot } = await buildWithBot(t, { envOverrides: { ...FAST, BOT_UNAVAILABLE_HANDOFF: 'false' } })
  const id = newConversationId()
  bot.state.addFault({ status: 500 })
  const res = await postTurn(app, botTurn(id, 'Where is my parcel?'))
  t.equal(res.statusCode, 200, 'Failed is an answer, not an HTTP error')
  t.same(res.json(), { botState: 'Failed', errorInfo: { errorCode: 'bot_unavailable', errorMessage: 'bot answered 500' } })
  const snapshot = await app.historyStore.get(id)
  t.equal(snapshot?.history.length, 1)
  t.equal(snapshot?.handoff.state, 'none')
  // The bot recovers: the conversation goes on with it.
  t.equal((await postTurn(app, botTurn(id, 'Where is my parcel?'))).json().botState, 'MoreData')
  t.match((await app.inject({ url: '/metrics' })).body, /handoff_botconnector_turns_total\{outcome="failed"\} 1/)
})

t.test('BOT_UNAVAILABLE_HANDOFF=false on a handed-off conversation still answers Complete/handoff', async t => {
  const { app, bot } = await buildWithBot(t, { envOverrides: { ...FAST, BOT_UNAVAILABLE_HANDOFF: 'false' } })
  const id = newConversationId()
  t.equal((await postTurn(app, botTurn(id, 'refund'))).json().intent, 'handoff')
  bot.state.addFault({ status: 500, times: 5 })
  t.equal((await postTurn(app, botTurn(id, 'hello'))).json().intent, 'handoff')
})

t.test('the store unreachable: handed off to the configured target (or Failed when turned off), never a 5xx', async t => {
  const redis = await privateRedis(t)
  const prefix = uniquePrefix(t)
  const { app, bot } = await buildWithBot(t, { envOverrides: { ...redisEnv(prefix, redis.url), REDIS_COMMAND_TIMEOUT_MS: 200, HANDOFF_PRIORITY: '4' } })
  const id = newConversationId()
  t.equal((await postTurn(app, botTurn(id, 'hello'))).json().botState, 'MoreData')
  await redis.stop()
  const res = await postTurn(app, botTurn(id, 'Where is my parcel?'))
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.intent, 'handoff')
  t.same(body.parameters, {
    handoffQueueId: QUEUE_ID,
    handoffSkillIds: 'b7e2d3c4-0000-4000-8000-00000000000s',
    handoffPriority: '4',
    handoffReason: 'store_unavailable',
    handoffSummary: ''
  })
  t.equal(bot.state.turns.length, 1, 'the bot is not asked while the store cannot say whether the conversation was handed off')

  const off = await buildWithBot(t, { envOverrides: { ...redisEnv(prefix, redis.url), REDIS_COMMAND_TIMEOUT_MS: 200, BOT_UNAVAILABLE_HANDOFF: 'false' } })
  const failed = await postTurn(off.app, botTurn(id, 'Where is my parcel?'))
  t.equal(failed.statusCode, 200)
  t.equal(failed.json().botState, 'Failed')
  t.equal(failed.json().errorInfo.errorCode, 'store_unavailable')
})
