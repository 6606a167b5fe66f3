// Bodies are read as UTF-8: a request declaring another charset is answered 415 UNSUPPORTED_CHARSET instead
// of being decoded wrongly (issue 12, item 9). UTF-8 in any spelling, or no charset, is accepted.
import t from 'tap'
import { BOT_CONNECTOR_HEADER, BOT_CONNECTOR_SECRET, botTurn, build, buildWithBot, messagingEvent, newConversationId } from './helper.js'

const ACCEPTED = ['application/json', 'application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json;charset=utf8',
  'application/json; charset="utf-8"', 'Application/JSON; Charset=UTF-8']
const REFUSED = ['application/json; charset=latin1', 'application/json; charset=iso-8859-1', 'application/json; charset=utf-16',
  'application/json; charset="windows-1252"', 'application/json; charset=']

t.test('/webhook/messaging: other charsets are 415 with a clear error; UTF-8 and no charset pass', async t => {
  const app = await build(t)
  for (const type of ACCEPTED) {
    const res = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: JSON.stringify(messagingEvent(newConversationId(), 0.9)), headers: { 'content-type': type } })
    t.equal(res.statusCode, 200, type)
  }
  for (const type of REFUSED) {
    const res = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: JSON.stringify(messagingEvent(newConversationId(), 0.9, { text: 'caf\u00e9' })), headers: { 'content-type': type } })
    t.equal(res.statusCode, 415, type)
    t.match(res.json(), { statusCode: 415, error: 'Unsupported Media Type', code: 'UNSUPPORTED_CHARSET', message: /UTF-8/ }, type)
  }
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, new RegExp(`handoff_webhooks_total\\{outcome="unsupported_media_type"\\} ${REFUSED.length}`))
})

t.test('a webhook with a wrong secret is refused 401 whatever its charset (authentication first)', async t => {
  const app = await build(t, { envOverrides: { WEBHOOK_SHARED_SECRET: 'shared-secret-0123456789abcdef' } })
  const res = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: JSON.stringify(messagingEvent(newConversationId(), 0.9)), headers: { 'content-type': 'application/json; charset=latin1' } })
  t.equal(res.statusCode, 401)
})

t.test('Bot Connector routes: other charsets are 415, UTF-8 passes', async t => {
  const { app } = await buildWithBot(t)
  const post = async (type: string): Promise<Awaited<ReturnType<typeof app.inject>>> => await app.inject({
    method: 'POST', url: '/botconnector/messages', payload: JSON.stringify(botTurn(newConversationId(), 'hi')), headers: { 'content-type': type, [BOT_CONNECTOR_HEADER]: BOT_CONNECTOR_SECRET }
  })
  for (const type of ACCEPTED) t.equal((await post(type)).statusCode, 200, type)
  for (const type of REFUSED) {
    const res = await post(type)
    t.equal(res.statusCode, 415, type)
    t.match(res.json(), { code: 'UNSUPPORTED_CHARSET' }, type)
  }
  const forbidden = await app.inject({ method: 'POST', url: '/botconnector/messages', payload: '{}', headers: { 'content-type': 'application/json; charset=latin1' } })
  t.equal(forbidden.statusCode, 403, 'the secret is checked first')
})
