import t from 'tap'
import { Writable } from 'node:stream'
import pino from 'pino'
import { REDACT_PATHS } from '../src/logger.js'
import { ADMIN_TOKEN, CLIENT_SECRET, SESSION_SECRET, buildWithSimulator, messagingEvent, newConversationId, postEvent, ROUTING_METADATA } from './helper.js'

function capture (): { lines: Array<Record<string, unknown>>, text: () => string, logger: pino.Logger } {
  const chunks: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } })
  const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, stream)
  return {
    logger,
    text: () => chunks.join(''),
    get lines () { return chunks.join('').split('\n').filter(Boolean).map(l => JSON.parse(l) as Record<string, unknown>) }
  }
}

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
