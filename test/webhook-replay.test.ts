// Replay protection for signed webhooks: a sender that signs an X-Timestamp (the signed content is
// `${timestamp}.${rawBody}`) has old or far-future deliveries refused; WEBHOOK_REQUIRE_TIMESTAMP refuses
// deliveries without one; WEBHOOK_REQUIRE_MESSAGE_ID makes messageId required, so a replay inside the
// window is recorded once.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { signature, timestampProblem, signedContent } from '../src/webhook-signature.js'
import { WEBHOOK_SECRET, buildWithSimulator, messagingEvent, newConversationId, routingCalls } from './helper.js'

const JSON_TYPE = { 'content-type': 'application/json' }
const TOLERANCE = 300

async function post (app: FastifyInstance, payload: string, headers: Record<string, string>): Promise<Awaited<ReturnType<FastifyInstance['inject']>>> {
  return await app.inject({ method: 'POST', url: '/webhook/messaging', payload, headers: { ...JSON_TYPE, ...headers } })
}

/** Headers a sender signing timestamps puts on a body sent `ageSeconds` ago. */
function stamped (payload: string, ageSeconds = 0, secret = WEBHOOK_SECRET): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000) - ageSeconds)
  return { 'x-timestamp': timestamp, 'x-hub-signature-256': signature(secret, signedContent(Buffer.from(payload), timestamp)) }
}

async function app (t: Parameters<typeof buildWithSimulator>[0], env: Record<string, unknown> = {}): Promise<Awaited<ReturnType<typeof buildWithSimulator>>> {
  return await buildWithSimulator(t, { envOverrides: { WEBHOOK_SECRET, WEBHOOK_TOLERANCE_SECONDS: TOLERANCE, ...env } })
}

t.test('the signed content is the timestamp, a dot, then the raw body', async t => {
  t.equal(signedContent(Buffer.from('{"a":1}'), '1700000000').toString(), '1700000000.{"a":1}')
  t.equal(signedContent(Buffer.from('{"a":1}'), undefined).toString(), '{"a":1}', 'the raw body alone without a timestamp')
})

t.test('which timestamps are refused', async t => {
  const now = 1_700_000_000_000
  t.equal(timestampProblem('1700000000', now, 300, false), null)
  t.equal(timestampProblem('1699999700', now, 300, false), null, 'at the edge of the window')
  t.match(timestampProblem('1699999699', now, 300, false), /outside the accepted window of 300 s/)
  t.match(timestampProblem('1700000301', now, 300, false), /outside the accepted window/, 'too far in the future')
  t.equal(timestampProblem(undefined, now, 300, false), null, 'optional')
  t.match(timestampProblem(undefined, now, 300, true), /missing x-timestamp/)
  for (const bad of ['', 'abc', '1700000000000', '1.7e9', '-5', ' 1700000000x', ['1700000000', '1700000000']]) {
    t.match(timestampProblem(bad, now, 300, false), /malformed x-timestamp/, JSON.stringify(bad))
  }
})

t.test('a fresh signed timestamp is accepted; an old or future one is refused before anything is recorded', async t => {
  const { app: service, sim } = await app(t)
  const id = newConversationId()
  const payload = JSON.stringify(messagingEvent(id, 0.1))
  const fresh = await post(service, payload, stamped(payload))
  t.equal(fresh.statusCode, 200, fresh.body)
  t.equal(fresh.json().status, 'handoff_initiated')

  const other = newConversationId()
  const late = JSON.stringify(messagingEvent(other, 0.1))
  for (const [what, age] of [['replayed 10 minutes later', 600], ['from 10 minutes in the future', -600]] as const) {
    const res = await post(service, late, stamped(late, age))
    t.equal(res.statusCode, 401, what)
    t.equal(res.json().code, 'INVALID_TIMESTAMP', what)
    t.match(res.json().message, /outside the accepted window of 300 s/)
  }
  t.equal(await service.historyStore.get(other), null, 'nothing recorded')
  t.equal(routingCalls(sim).length, 1)
})

t.test('a timestamp changed after signing breaks the signature (it is inside the signed content)', async t => {
  const { app: service } = await app(t)
  const payload = JSON.stringify(messagingEvent(newConversationId(), 0.9))
  const old = stamped(payload, 600)
  const res = await post(service, payload, { ...old, 'x-timestamp': String(Math.floor(Date.now() / 1000)) })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'INVALID_SIGNATURE')
  const bodyOnly = await post(service, payload, { 'x-timestamp': String(Math.floor(Date.now() / 1000)), 'x-hub-signature-256': signature(WEBHOOK_SECRET, payload) })
  t.equal(bodyOnly.json().code, 'INVALID_SIGNATURE', 'with X-Timestamp the body alone is not what is signed')
})

t.test('without WEBHOOK_REQUIRE_TIMESTAMP a body-only signature (Genesys\' format) is still accepted; with it, refused', async t => {
  const payload = JSON.stringify(messagingEvent(newConversationId(), 0.9))
  const plain = { 'x-hub-signature-256': signature(WEBHOOK_SECRET, payload) }
  const { app: lenient } = await app(t)
  t.equal((await post(lenient, payload, plain)).statusCode, 200)
  const { app: strict } = await app(t, { WEBHOOK_REQUIRE_TIMESTAMP: true })
  const refused = await post(strict, payload, plain)
  t.equal(refused.statusCode, 401)
  t.equal(refused.json().code, 'INVALID_TIMESTAMP')
  t.match(refused.json().message, /missing x-timestamp/)
  t.equal((await post(strict, payload, stamped(payload))).statusCode, 200)
})

t.test('WEBHOOK_REQUIRE_MESSAGE_ID: without messageId 400; a replay inside the window is recorded once', async t => {
  const { app: service, sim } = await app(t, { WEBHOOK_REQUIRE_MESSAGE_ID: true })
  const id = newConversationId()
  const without = JSON.stringify(messagingEvent(id, 0.1))
  const missing = await post(service, without, stamped(without))
  t.equal(missing.statusCode, 400)
  t.match(missing.json().message, /messageId/)

  const payload = JSON.stringify(messagingEvent(id, 0.1, { messageId: 'm-1' }))
  const headers = stamped(payload)
  const answers = []
  for (let i = 0; i < 4; i++) answers.push(await post(service, payload, headers))
  t.same(answers.map(r => r.statusCode), [200, 200, 200, 200])
  t.same(answers.map(r => r.json().duplicate ?? false), [false, true, true, true])
  t.equal((await service.historyStore.get(id))?.history.length, 1, 'recorded once')
  t.equal(routingCalls(sim).length, 1)
})

t.test('without those settings a replayed body is recorded each time (the documented default)', async t => {
  const { app: service } = await app(t)
  const id = newConversationId()
  const payload = JSON.stringify(messagingEvent(id, 0.9))
  const headers = { 'x-hub-signature-256': signature(WEBHOOK_SECRET, payload) }
  for (let i = 0; i < 4; i++) t.equal((await post(service, payload, headers)).statusCode, 200)
  t.equal((await service.historyStore.get(id))?.history.length, 4)
})
