import t from 'tap'
import { Writable } from 'node:stream'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pino from 'pino'
import { LOG_MAX_WRITE, REDACT_PATHS, createLogger } from '../src/logger.js'
import { signature } from '../src/webhook-signature.js'
import {
  ADMIN_TOKEN, BOT_CONNECTOR_HEADER, BOT_CONNECTOR_SECRET, CLIENT_SECRET, SESSION_SECRET, WEBHOOK_SECRET, botTurn, buildWithBot, buildWithSimulator,
  messagingEvent, newConversationId, postEvent, postTurn, ROUTING_METADATA
} from './helper.js'

function capture (): { lines: Array<Record<string, unknown>>, text: () => string, logger: pino.Logger } {
  const chunks: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } })
  const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, stream)
  return {
    logger,
    text: () => chunks.join(''),
    get lines () { return chunks.join('').split('\n').filter(Boolean).map(l => JSON.parse(l) as Record<string, unknown>) }
  }
}

t.test('the service logger writes every line whole, in order, lines longer than one write included', async t => {
  const file = join(t.testdir(), 'service.log')
  const logger = createLogger('info', file)
  const long = 'x'.repeat(LOG_MAX_WRITE * 3)
  // A burst: most lines queue behind a write in flight and go out in chunks of at most LOG_MAX_WRITE bytes.
  for (let i = 0; i < 500; i++) logger.info({ i, text: i === 250 ? long : `line ${i}` }, 'burst')
  // Written asynchronously: read until the last line is there (bounded), then check every line.
  let text = ''
  for (let tries = 0; tries < 100 && !text.includes('"i":499,'); tries++) {
    await new Promise(resolve => setTimeout(resolve, 50))
    text = await readFile(file, 'utf8')
  }
  const lines = text.split('\n').filter(Boolean).map(l => JSON.parse(l) as { i: number, text: string })
  t.same(lines.map(l => l.i), Array.from({ length: 500 }, (_, i) => i))
  t.equal(lines[250]?.text, long)
})

t.test('one structured decision line per webhook, with the request id', async t => {
  const log = capture()
  const { app } = await buildWithSimulator(t, { loggerInstance: log.logger, envOverrides: ROUTING_METADATA })
  const id = newConversationId()
  await postEvent(app, messagingEvent(id, 0.9), { 'x-request-id': 'req-abc' })
  const decisions = log.lines.filter(l => l.msg === 'decision')
  t.equal(decisions.length, 1)
  t.match(decisions[0], {
    conversationId: id, intent: 'billing_question', confidence: 0.9, threshold: 0.75, action: 'CONTINUE_BOT', reqId: 'req-abc'
  })
  t.match(decisions[0]?.reason, /confidence 0.9 meets threshold 0.75/)
})

t.test('no secret, token or credential appears in the logs through handoffs and failures', async t => {
  const log = capture()
  const { app, sim } = await buildWithSimulator(t, { loggerInstance: log.logger, envOverrides: ROUTING_METADATA })
  const issued: string[] = []
  const issue = sim.state.issueToken.bind(sim.state)
  sim.state.issueToken = () => { const r = issue(); issued.push(r.token); return r }
  await postEvent(app, messagingEvent(newConversationId(), 0.1))
  sim.state.addFault({ method: 'PUT', status: 403, times: 1 })
  await postEvent(app, messagingEvent(newConversationId(), 0.1))
  sim.state.expireTokens()
  await postEvent(app, messagingEvent(newConversationId(), 0.1))
  await app.inject({ url: `/conversations/${newConversationId()}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  app.log.info({ headers: { authorization: 'Bearer leaked' }, token: 'leaked', clientSecret: CLIENT_SECRET }, 'redaction check')

  const text = log.text()
  t.match(text, /handoff initiated/)
  t.match(text, /handoff failed/)
  t.match(text, /\[REDACTED\]/)
  t.equal(issued.length, 2, 'two tokens were issued')
  for (const secret of [CLIENT_SECRET, SESSION_SECRET, ADMIN_TOKEN, 'leaked', Buffer.from(`${app.config.genesys.clientId}:${CLIENT_SECRET}`).toString('base64'), ...issued]) {
    t.notMatch(text, secret, 'secret absent from logs')
  }
})

t.test('webhook signatures and the webhook secret never reach the logs, signed or not, handed off or failed', async t => {
  const log = capture()
  const metricsToken = 'test-metrics-token-1a2b3c4d5e'
  const { app, sim } = await buildWithSimulator(t, { loggerInstance: log.logger, envOverrides: { ...ROUTING_METADATA, WEBHOOK_SECRET, METRICS_TOKEN: metricsToken, LOG_LEVEL: 'trace' } })
  const signatures: string[] = []
  const send = async (body: unknown, sign: (payload: string) => string | undefined): Promise<number> => {
    const payload = JSON.stringify(body)
    const header = sign(payload)
    if (header !== undefined) signatures.push(header, header.slice('sha256='.length))
    const res = await app.inject({
      method: 'POST',
      url: '/webhook/messaging',
      payload,
      headers: { 'content-type': 'application/json', ...(header === undefined ? {} : { 'x-hub-signature-256': header }) }
    })
    t.notMatch(res.body, WEBHOOK_SECRET, 'not in the answer either')
    return res.statusCode
  }
  t.equal(await send(messagingEvent(newConversationId(), 0.1), p => signature(WEBHOOK_SECRET, p)), 200)
  t.equal(await send(messagingEvent(newConversationId(), 0.9), p => signature(WEBHOOK_SECRET, p, 'hex')), 200)
  sim.state.addFault({ method: 'PUT', status: 404, times: 1 })
  t.equal(await send(messagingEvent(newConversationId(), 0.1), p => signature(WEBHOOK_SECRET, p)), 502)
  sim.state.addFault({ method: 'PUT', status: 503, times: 10 })
  t.equal(await send(messagingEvent(newConversationId(), 0.1), p => signature(WEBHOOK_SECRET, p)), 503)
  t.equal(await send(messagingEvent(newConversationId(), 0.1), p => signature('a-guessed-secret', p)), 401)
  t.equal(await send(messagingEvent('not-a-uuid', 0.1), p => signature(WEBHOOK_SECRET, p)), 400)
  t.equal(await send(messagingEvent(newConversationId(), 0.1), () => undefined), 401)
  await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${metricsToken}` } })
  await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-metrics-token' } })
  // Objects a developer might log by mistake are censored too.
  app.log.info({ headers: { 'x-hub-signature-256': signatures[0] }, config: app.config }, 'redaction check')
  app.log.info({ req: { headers: { 'x-hub-signature-256': signatures[0] } }, signature: signatures[1] }, 'redaction check')

  const text = log.text()
  t.match(text, /handoff initiated/)
  t.match(text, /handoff failed/)
  t.equal(signatures.length, 12)
  for (const secret of [WEBHOOK_SECRET, metricsToken, 'wrong-metrics-token', CLIENT_SECRET, SESSION_SECRET, ADMIN_TOKEN, ...signatures]) {
    t.notOk(text.includes(secret), `secret or signature absent from logs: ${secret.slice(0, 12)}`)
  }
})

t.test('Bot Connector and shared secrets never reach the logs, through turns, handoffs, failures and refusals', async t => {
  const log = capture()
  const shared = 'test-shared-secret-8e7d6c5b4a39'
  const botSecret = 'test-bot-side-secret-2b3c4d5e6f'
  const { app, bot } = await buildWithBot(t, {
    loggerInstance: log.logger,
    envOverrides: { LOG_LEVEL: 'trace', WEBHOOK_SHARED_SECRET: shared, BOT_SECRET: botSecret, BOT_SECRET_HEADER: 'x-bot-side' }
  })
  const id = newConversationId()
  await postTurn(app, botTurn(id, 'hello'))
  bot.state.addFault({ status: 500 })
  await postTurn(app, botTurn(newConversationId(), 'hello'))
  await postTurn(app, botTurn(id, 'refund please'))
  await postTurn(app, botTurn(id, 'hello'), { [BOT_CONNECTOR_HEADER]: 'wrong-guess' })
  await postEvent(app, messagingEvent(newConversationId(), 0.1, { decisionOnly: true }), { 'x-handoff-secret': shared })
  await postEvent(app, messagingEvent(newConversationId(), 0.1), { 'x-handoff-secret': 'wrong-guess' })
  app.log.info({ headers: { 'x-bot-connector-secret': BOT_CONNECTOR_SECRET, 'x-handoff-secret': shared }, config: app.config }, 'redaction check')
  app.log.info(app.config, 'config redaction check')

  const text = log.text()
  t.match(text, /bot connector turn/)
  t.match(text, /bot call failed/)
  t.equal(bot.state.turns.length, 3, 'the bot got the secret-bearing calls')
  for (const secret of [BOT_CONNECTOR_SECRET, shared, botSecret, 'wrong-guess']) t.notMatch(text, secret, 'secret absent from logs')
})
