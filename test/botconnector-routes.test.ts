// Bot Connector routes: the integration's secret (403), the bot list, input validation, and the mode switch.
import t from 'tap'
import { Writable } from 'node:stream'
import pino from 'pino'
import {
  BOT_CONNECTOR_HEADER, BOT_CONNECTOR_SECRET, botTurn, build, buildWithBot, newConversationId, postTurn, sampleBot
} from './helper.js'
import { freePort } from './redis-helper.js'

const AUTH = { [BOT_CONNECTOR_HEADER]: BOT_CONNECTOR_SECRET }

t.test('every Bot Connector route answers 403 to a missing or wrong secret, before anything reaches the bot', async t => {
  const { app, bot } = await buildWithBot(t)
  const id = newConversationId()
  const requests = [
    { method: 'GET' as const, url: '/botconnector/bots' },
    { method: 'GET' as const, url: '/botconnector/bots/support-bot' },
    { method: 'POST' as const, url: '/botconnector/messages', payload: botTurn(id, 'refund now') }
  ]
  const wrong = [{}, { [BOT_CONNECTOR_HEADER]: 'wrong' }, { [BOT_CONNECTOR_HEADER]: `${BOT_CONNECTOR_SECRET}x` }, { [BOT_CONNECTOR_HEADER]: '' }, { 'x-other': BOT_CONNECTOR_SECRET }]
  for (const request of requests) {
    for (const headers of wrong) {
      const res = await app.inject({ ...request, headers })
      t.equal(res.statusCode, 403, `${request.url} ${JSON.stringify(headers)}`)
      t.same(res.json(), { statusCode: 403, error: 'Forbidden', code: 'BOT_CONNECTOR_FORBIDDEN', message: 'missing or invalid x-bot-connector-secret header' })
    }
    t.equal((await app.inject({ ...request, headers: AUTH })).statusCode, 200, `${request.url} with the secret`)
  }
  t.equal(bot.state.turns.length, 1, 'only the authenticated turn reached the bot')
  t.equal(bot.state.listCalls, 1)
  const snapshot = await app.historyStore.get(id)
  t.equal(snapshot?.history.length, 1, 'nothing recorded for refused calls')
  t.match((await app.inject({ url: '/metrics' })).body, /handoff_botconnector_turns_total\{outcome="handoff_initiated"\} 1/)
})

t.test('the secret header name is configurable; the webhook does not accept the Bot Connector secret', async t => {
  const { app } = await buildWithBot(t, { envOverrides: { BOT_CONNECTOR_SECRET_HEADER: 'Authorization', WEBHOOK_SECRET: 'test-webhook-secret-7c6b5a4f3e2d1c0b' } })
  t.equal((await postTurn(app, botTurn(newConversationId(), 'hi'), { authorization: BOT_CONNECTOR_SECRET })).statusCode, 200)
  const denied = await postTurn(app, botTurn(newConversationId(), 'hi'), AUTH)
  t.equal(denied.statusCode, 403)
  t.equal(denied.json().message, 'missing or invalid authorization header')
  const webhook = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: { conversationId: newConversationId(), event: 'message' }, headers: { authorization: BOT_CONNECTOR_SECRET } })
  t.equal(webhook.statusCode, 401)
})

t.test('without BOT_CONNECTOR_SECRET (development) calls are accepted and a warning is logged', async t => {
  const bot = await sampleBot(t)
  const lines: string[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  const app = await build(t, { envOverrides: { BOT_URL: bot.url, LOG_LEVEL: 'warn' }, loggerInstance: pino({ level: 'warn' }, sink) })
  t.equal((await postTurn(app, botTurn(newConversationId(), 'hi'), {})).statusCode, 200)
  t.ok(lines.some(l => l.includes('BOT_CONNECTOR_SECRET is empty')))
})

t.test('the bot list: the bot\'s own, with the handoff intent in every version, fetched once per 30 s', async t => {
  let clock = Date.parse('2026-11-25T12:00:00Z')
  const { app, bot } = await buildWithBot(t, { now: () => clock })
  const res = await app.inject({ url: '/botconnector/bots', headers: AUTH })
  t.equal(res.statusCode, 200)
  const [entity] = res.json().entities
  t.equal(entity.id, 'support-bot')
  t.equal(entity.name, 'Sample support bot')
  t.same(entity.versions[0].supportedLanguages, ['en-us'])
  const intents = entity.versions[0].intents.map((i: { name: string }) => i.name)
  t.same(intents.filter((n: string) => n === 'handoff'), ['handoff'], 'listed once (the sample bot lists it already)')
  t.ok(intents.includes('order_status') && intents.includes('billing_dispute'))

  const one = await app.inject({ url: '/botconnector/bots/support-bot', headers: AUTH })
  t.same(one.json(), entity)
  const missing = await app.inject({ url: '/botconnector/bots/other-bot', headers: AUTH })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { statusCode: 404, error: 'Not Found', code: 'BOT_NOT_FOUND', message: "bot 'other-bot' is not in the bot list" })
  t.equal(bot.state.listCalls, 1, 'served from the cache')

  clock += 31_000
  await app.inject({ url: '/botconnector/bots', headers: AUTH })
  t.equal(bot.state.listCalls, 2, 'asked again after 30 s')

  // The bot goes away: the last list keeps being served.
  await bot.app.close()
  clock += 31_000
  const stale = await app.inject({ url: '/botconnector/bots', headers: AUTH })
  t.equal(stale.statusCode, 200)
  t.same(stale.json().entities[0], entity)
})

t.test('a bot list the bot lacks the handoff intent in gets it added', async t => {
  const bot = await sampleBot(t, { script: [{ match: /./, intent: 'faq', confidence: 0.9, reply: 'ok' }] })
  const app = await build(t, { envOverrides: { BOT_URL: bot.url, BOT_CONNECTOR_SECRET } })
  const intents = (await app.inject({ url: '/botconnector/bots', headers: AUTH })).json().entities[0].versions[0].intents
  t.same(intents, [{ name: 'faq', entities: [] }, { name: 'unknown', entities: [] }, { name: 'handoff', entities: [] }])
})

t.test('no bot list ever received: 503 with Retry-After', async t => {
  const port = await freePort()
  const app = await build(t, { envOverrides: { BOT_URL: `http://127.0.0.1:${port}/botconnector`, BOT_CONNECTOR_SECRET } })
  const res = await app.inject({ url: '/botconnector/bots', headers: AUTH })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.equal(res.json().code, 'BOT_UNAVAILABLE')
  t.match(res.json().message, /^bot list unavailable \(bot unreachable \(ECONNREFUSED\)\); retry later$/)
})

t.test('bad turns are 4xx naming the problem; JSON only', async t => {
  const { app, bot } = await buildWithBot(t)
  const noConversation = botTurn(newConversationId(), 'hi')
  delete noConversation.genesysConversationId
  const cases: Array<[unknown, RegExp]> = [
    [noConversation, /must have required property 'genesysConversationId'/],
    [botTurn('not-a-uuid', 'hi'), /genesysConversationId must match pattern/],
    [botTurn(newConversationId(), 'hi', { inputMessage: { type: 'Audio', text: 'hi' } }), /inputMessage\/type/],
    [botTurn(newConversationId(), 'hi', { parameters: { count: 3 } }), /parameters\/count must be string/],
    [botTurn(newConversationId(), 'hi', { messageId: '' }), /messageId must NOT have fewer than 1 characters/]
  ]
  for (const [body, message] of cases) {
    const res = await postTurn(app, body)
    t.equal(res.statusCode, 400)
    t.match(res.json().message, message)
  }
  const text = await app.inject({ method: 'POST', url: '/botconnector/messages', payload: 'hi', headers: { ...AUTH, 'content-type': 'text/plain' } })
  t.equal(text.statusCode, 415)
  const broken = await app.inject({ method: 'POST', url: '/botconnector/messages', payload: '{"botId":', headers: { ...AUTH, 'content-type': 'application/json' } })
  t.equal(broken.statusCode, 400)
  t.equal(bot.state.turns.length, 0)
})

t.test('without BOT_URL the Bot Connector routes do not exist', async t => {
  const app = await build(t)
  t.equal(app.botConnector, null)
  t.equal((await postTurn(app, botTurn(newConversationId(), 'hi'))).statusCode, 404)
  t.equal((await app.inject({ url: '/botconnector/bots', headers: AUTH })).statusCode, 404)
})
