import t from 'tap'
import { Writable } from 'node:stream'
import pino from 'pino'
import { MockAgent } from 'undici'
import { REQUEST_ID_PATTERN, requestIdFrom } from '../src/request-id.js'
import { QUEUE_ID, build, messagingEvent, newConversationId, postEvent, ROUTING_METADATA } from './helper.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('a plain, short x-request-id is kept; anything else is replaced by a UUID', async t => {
  for (const id of ['req-abc', 'a', 'A1.b_2:c-3', 'x'.repeat(128), '0b5e1f0a-1111-4a4a-8b8b-123456789abc']) {
    t.equal(requestIdFrom(id), id, `kept: ${id.slice(0, 20)}`)
  }
  for (const bad of [undefined, '', ' ', 'x'.repeat(129), 'a b', 'a/b', '../etc', 'é', '<script>', '-leading', ['a', 'b'], 7]) {
    const generated = requestIdFrom(bad)
    t.match(generated, UUID, `replaced: ${String(bad).slice(0, 20)}`)
    t.ok(REQUEST_ID_PATTERN.test(generated))
  }
})

t.test('every answer carries x-request-id: the caller\'s or a generated one', async t => {
  const app = await build(t)
  const kept = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'trace-42' } })
  t.equal(kept.headers['x-request-id'], 'trace-42')
  const long = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'y'.repeat(500) } })
  t.match(long.headers['x-request-id'], UUID, 'oversized id replaced')
  const a = await app.inject({ url: '/health/live' })
  const b = await app.inject({ url: '/health/live' })
  t.match(a.headers['x-request-id'], UUID)
  t.not(a.headers['x-request-id'], b.headers['x-request-id'], 'fresh per request')
  for (const res of [
    await postEvent(app, { nope: true }, { 'x-request-id': 'err-1' }),
    await app.inject({ method: 'POST', url: '/webhook/messaging', payload: 'x', headers: { 'content-type': 'text/plain', 'x-request-id': 'err-1' } }),
    await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'err-1' } }),
    await app.inject({ url: `/conversations/${newConversationId()}`, headers: { 'x-request-id': 'err-1' } })
  ]) {
    t.ok(res.statusCode >= 400)
    t.equal(res.headers['x-request-id'], 'err-1', `on a ${res.statusCode} too`)
  }
})

t.test('the request id is in every log line of the request and goes to Genesys as ININ-Correlation-Id', async t => {
  const chunks: string[] = []
  const logger = pino({ level: 'debug' }, new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } }))
  const agent = new MockAgent()
  agent.disableNetConnect()
  const seen: Array<Record<string, string>> = []
  const genesys = agent.get('http://127.0.0.1:9')
  genesys.intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { access_token: 'tok', token_type: 'bearer', expires_in: 3600 })
  genesys.intercept({ path: /^\/api\/v2\/conversations\/messaging\//, method: 'PUT' }).reply(200, (opts) => {
    seen.push(opts.headers as Record<string, string>)
    return { ok: true }
  }).times(2)
  const app = await build(t, { loggerInstance: logger, dispatcher: agent, envOverrides: { ...ROUTING_METADATA, LOG_LEVEL: 'debug' } })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1), { 'x-request-id': 'handoff-trace-7' })
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.headers['x-request-id'], 'handoff-trace-7')
  t.equal(seen[0]?.['inin-correlation-id'], 'handoff-trace-7')
  t.equal(res.json().routingMetadata.queue.id, QUEUE_ID)

  const lines = chunks.join('').split('\n').filter(Boolean).map(l => JSON.parse(l) as Record<string, unknown>)
  const ofRequest = lines.filter(l => l.conversationId === id)
  t.ok(ofRequest.length >= 2, `decision and handoff lines (${ofRequest.map(l => String(l.msg)).join(', ')})`)
  for (const line of ofRequest) t.equal(line.reqId, 'handoff-trace-7', `"${String(line.msg)}" carries the request id`)

  const unsafe = await postEvent(app, messagingEvent(newConversationId(), 0.1), { 'x-request-id': 'evil id\twith spaces' })
  t.equal(unsafe.statusCode, 200)
  t.match(unsafe.headers['x-request-id'], UUID)
  t.equal(seen[1]?.['inin-correlation-id'], unsafe.headers['x-request-id'], 'the generated id goes to Genesys, not the unsafe one')
})
