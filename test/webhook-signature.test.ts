import t from 'tap'
import { createHmac } from 'node:crypto'
import { parseSignature, signature, signatureKey, signedContent, verifyDigest, verifySignature } from '../src/webhook-signature.js'
import { WEBHOOK_SECRET, buildWithSimulator, messagingEvent, newConversationId, routingCalls } from './helper.js'
import type { FastifyInstance } from 'fastify'

const URL = '/webhook/messaging'
const JSON_TYPE = { 'content-type': 'application/json' }

t.test('the digest is accepted in base64 (Genesys\' sample), base64url and hex', async t => {
  const body = Buffer.from('{"a":1}')
  const digest = createHmac('sha256', 'k').update(body).digest()
  t.same(parseSignature(`sha256=${digest.toString('base64')}`), digest)
  t.same(parseSignature(`sha256=${digest.toString('base64').replace(/=$/, '')}`), digest, 'padding optional')
  t.same(parseSignature(`sha256=${digest.toString('base64url')}`), digest)
  t.same(parseSignature(`sha256=${digest.toString('hex')}`), digest)
  t.same(parseSignature(`sha256=${digest.toString('hex').toUpperCase()}`), digest)
  for (const bad of [undefined, '', 'sha256=', digest.toString('hex'), `sha1=${digest.toString('hex')}`,
    `sha256=${digest.toString('hex').slice(2)}`, `sha256=${digest.toString('base64').slice(4)}`, ['a', 'b'], 42]) {
    t.equal(parseSignature(bad), null, `rejects ${String(bad)}`)
  }
  t.ok(verifySignature('k', body, signature('k', body)))
  t.ok(verifySignature('k', body, signature('k', body, 'hex')))
  t.notOk(verifySignature('other', body, signature('k', body)), 'wrong secret')
  t.notOk(verifySignature('k', Buffer.from('{"a":2}'), signature('k', body)), 'tampered body')
})

t.test('the key made once at startup verifies the same bytes as the secret itself, with and without a timestamp', async t => {
  const body = Buffer.from('{"a":1}')
  const key = signatureKey('k')
  for (const timestamp of [undefined, '1764201600']) {
    const header = signature('k', signedContent(body, timestamp))
    const claimed = parseSignature(header)
    if (claimed === null) throw new Error('unparsed')
    t.ok(verifyDigest(key, body, claimed, timestamp), `key, timestamp ${String(timestamp)}`)
    t.ok(verifySignature(key, body, header, timestamp), `verifySignature with the key, timestamp ${String(timestamp)}`)
    t.notOk(verifyDigest(signatureKey('other'), body, claimed, timestamp), 'another key')
    t.notOk(verifyDigest(key, body, claimed, timestamp === undefined ? '1764201600' : undefined), 'timestamp added or left out')
    t.notOk(verifyDigest(key, Buffer.from('{"a":2}'), claimed, timestamp), 'tampered body')
  }
})

async function signedApp (t: Parameters<typeof buildWithSimulator>[0]): Promise<Awaited<ReturnType<typeof buildWithSimulator>>> {
  return await buildWithSimulator(t, { envOverrides: { WEBHOOK_SECRET } })
}

async function post (app: FastifyInstance, payload: string, headers: Record<string, string | string[]>): Promise<Awaited<ReturnType<FastifyInstance['inject']>>> {
  return await app.inject({ method: 'POST', url: URL, payload, headers })
}

t.test('signed webhooks are handled; hex and base64 both work', async t => {
  const { app, sim } = await signedApp(t)
  for (const encoding of ['base64', 'hex'] as const) {
    const payload = JSON.stringify(messagingEvent(newConversationId(), 0.1))
    const res = await post(app, payload, { ...JSON_TYPE, 'x-hub-signature-256': signature(WEBHOOK_SECRET, payload, encoding) })
    t.equal(res.statusCode, 200, `${encoding}: ${res.body}`)
    t.equal(res.json().status, 'handoff_initiated')
  }
  t.equal(routingCalls(sim).length, 2)
})

t.test('missing, wrong or stale signatures get 401 before anything is recorded or sent', async t => {
  const { app, sim } = await signedApp(t)
  const id = newConversationId()
  const payload = JSON.stringify(messagingEvent(id, 0.1))
  const good = signature(WEBHOOK_SECRET, payload)
  const reformatted = JSON.stringify(messagingEvent(id, 0.1), null, 2)
  const cases: Array<[string, string, Record<string, string | string[]>]> = [
    ['no signature', payload, JSON_TYPE],
    ['empty signature', payload, { ...JSON_TYPE, 'x-hub-signature-256': '' }],
    ['digest without prefix', payload, { ...JSON_TYPE, 'x-hub-signature-256': good.slice(7) }],
    ['wrong secret', payload, { ...JSON_TYPE, 'x-hub-signature-256': signature('not-the-secret', payload) }],
    ['signature of another body', payload, { ...JSON_TYPE, 'x-hub-signature-256': signature(WEBHOOK_SECRET, '{}') }],
    ['same JSON, other bytes (verified over the raw body)', reformatted, { ...JSON_TYPE, 'x-hub-signature-256': good }],
    ['header sent twice', payload, { ...JSON_TYPE, 'x-hub-signature-256': [good, good] }],
    ['unsigned, not JSON', 'hello', { 'content-type': 'text/plain' }]
  ]
  for (const [name, body, headers] of cases) {
    const res = await post(app, body, headers)
    t.equal(res.statusCode, 401, `${name}: 401`)
    t.equal(res.json().code, 'INVALID_SIGNATURE', name)
    t.notMatch(res.body, good.slice(7), `${name}: the signature is not echoed`)
  }
  const noBody = await app.inject({ method: 'POST', url: URL, headers: { 'x-hub-signature-256': good } })
  t.equal(noBody.statusCode, 401, 'a signature with no body to check is refused too')
  t.equal(await app.historyStore.get(id), null, 'nothing recorded')
  t.equal(routingCalls(sim).length, 0, 'nothing sent to Genesys')
  t.equal(sim.state.tokenRequests, 0, 'not even a token fetched')
})

t.test('the signature covers the exact bytes sent, whitespace and all', async t => {
  const { app } = await signedApp(t)
  const payload = ` ${JSON.stringify(messagingEvent(newConversationId(), 0.9), null, 2)}\n`
  const res = await post(app, payload, { ...JSON_TYPE, 'x-hub-signature-256': signature(WEBHOOK_SECRET, payload) })
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().status, 'bot_continuing')
})

t.test('a correctly signed body is still validated: bad JSON 400, wrong type 415, too large 413', async t => {
  const { app } = await buildWithSimulator(t, { envOverrides: { WEBHOOK_SECRET, WEBHOOK_BODY_LIMIT: '2048' } })
  const sign = (body: string): Record<string, string> => ({ 'x-hub-signature-256': signature(WEBHOOK_SECRET, body) })
  t.equal((await post(app, '{"conversationId":', { ...JSON_TYPE, ...sign('{"conversationId":') })).statusCode, 400)
  t.equal((await post(app, '', { ...JSON_TYPE, ...sign('') })).statusCode, 400)
  t.equal((await post(app, '{}', { 'content-type': 'text/plain', ...sign('{}') })).statusCode, 415)
  const big = JSON.stringify(messagingEvent(newConversationId(), 0.9, { padding: 'x'.repeat(4000) }))
  t.equal((await post(app, big, { ...JSON_TYPE, ...sign(big) })).statusCode, 413)
  const invalid = JSON.stringify(messagingEvent('../../users/me', 0.1))
  t.equal((await post(app, invalid, { ...JSON_TYPE, ...sign(invalid) })).statusCode, 400)
})

t.test('prototype-pollution keys in signed bodies are refused or inert', async t => {
  const { app } = await signedApp(t)
  const id = newConversationId()
  const base = `"conversationId":"${id}","event":"message","intent":{"confidence":0.9}`
  const refused = [
    `{${base},"__proto__":{"polluted":true}}`,
    `{${base},"\\u005f\\u005fproto__":{"polluted":true}}`,
    `{"conversationId":"${id}","event":"message","intent":{"confidence":0.9,"__proto__":{"polluted":true}}}`,
    `{${base},"constructor":{"prototype":{"polluted":true}}}`
  ]
  for (const payload of refused) {
    const res = await post(app, payload, { ...JSON_TYPE, 'x-hub-signature-256': signature(WEBHOOK_SECRET, payload) })
    t.equal(res.statusCode, 400, payload)
  }
  // A plain "constructor" value cannot reach any prototype: it is an ignored extra field.
  const inert = `{${base},"constructor":"x","prototype":{"polluted":true}}`
  const res = await post(app, inert, { ...JSON_TYPE, 'x-hub-signature-256': signature(WEBHOOK_SECRET, inert) })
  t.equal(res.statusCode, 200, res.body)
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
  t.equal((Object.prototype as Record<string, unknown>).polluted, undefined)
  const snapshot = await app.historyStore.get(id)
  t.same(Object.keys(snapshot?.history[0] ?? {}).sort(), ['event', 'intent', 'text', 'timestamp'])
})

t.test('without WEBHOOK_SECRET (development) unsigned webhooks are accepted', async t => {
  const { app } = await buildWithSimulator(t)
  const res = await post(app, JSON.stringify(messagingEvent(newConversationId(), 0.9)), JSON_TYPE)
  t.equal(res.statusCode, 200)
})
