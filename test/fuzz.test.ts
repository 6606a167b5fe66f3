// Property-based fuzzing of the webhook: random and mutated bodies, content types, signatures and request
// ids. Every answer must be the normal 200 or a 4xx (never a 5xx), a bad or missing signature is never
// accepted, and the process keeps serving afterwards. Genesys is an undici MockAgent that answers at once,
// which keeps 5,000 requests quick.
import t from 'tap'
import fc from 'fast-check'
import { randomUUID } from 'node:crypto'
import { MockAgent } from 'undici'
import { signature } from '../src/webhook-signature.js'
import { WEBHOOK_SECRET, build, messagingEvent, newConversationId, ROUTING_METADATA } from './helper.js'

const RUNS = 5000

const pathTricks = fc.constantFrom(
  '../../users/me', '..%2F..%2Fusers%2Fme', '%2e%2e/%2e%2e', 'a/b?x=1#frag', '/api/v2/conversations', '\u0000',
  '🙂', 'ｃｏｎｖ', `${randomUUID()}/../x`, ` ${randomUUID()}`, `${randomUUID()}\n`, `urn:uuid:${randomUUID()}`,
  randomUUID().toUpperCase(), randomUUID().replace(/-/g, ''), '__proto__', 'constructor', '', '\ud800'
)
const hugeString = fc.integer({ min: 1000, max: 80_000 }).map(n => 'x'.repeat(n))
const deep = fc.integer({ min: 1, max: 20_000 }).chain(depth => fc.constantFrom(
  '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  '['.repeat(depth) + ']'.repeat(depth),
  '['.repeat(depth)
))
const anyValue = fc.oneof(
  fc.string(), fc.string({ unit: 'binary', maxLength: 50 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.anything({ maxDepth: 2, maxKeys: 4 }), hugeString
)
const field = fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 50 }) }, { weight: 2, arbitrary: anyValue })
const confidence = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double(), fc.integer(), fc.string(),
  fc.constantFrom(-0, 1e308, -1e-308, Number.MAX_SAFE_INTEGER))
const intent = fc.oneof(
  { weight: 4, arbitrary: fc.record({ intent: field, confidence }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: anyValue }
)
const event = fc.record({
  conversationId: fc.oneof({ weight: 4, arbitrary: fc.uuid() }, { weight: 2, arbitrary: pathTricks }, { weight: 1, arbitrary: anyValue }),
  event: field,
  intent,
  text: field,
  __proto__: fc.anything({ maxDepth: 1, maxKeys: 3 }),
  constructor: fc.oneof(fc.anything({ maxDepth: 1, maxKeys: 3 }), fc.record({ prototype: fc.object({ maxDepth: 1, maxKeys: 3 }) })),
  extra: anyValue
}, { requiredKeys: [] })
// Well-formed events (unicode text, any confidence in range) so that a good share reaches the handoff.
const validEvent = fc.record({
  conversationId: fc.uuid(),
  event: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 }),
  intent: fc.record({ intent: fc.string({ unit: 'grapheme', maxLength: 50 }), confidence: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: [] }),
  text: fc.string({ unit: 'grapheme', maxLength: 500 })
}, { requiredKeys: ['conversationId', 'event'] }).map(e => JSON.stringify(e))
// JSON.stringify drops a literal __proto__ key, so it is written into the text instead.
const eventJson = fc.tuple(event, fc.boolean()).map(([e, proto]) => {
  const json = JSON.stringify(e)
  return proto && json.startsWith('{"') ? '{"__proto__":{"polluted":true},' + json.slice(1) : json
})
const mutated = fc.tuple(eventJson, fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 3 })).map(([json, at, op, chars]) => {
  const i = at % (json.length + 1)
  if (op === 0) return json.slice(0, i)
  if (op === 1) return json.slice(0, i) + chars + json.slice(i)
  if (op === 2) return json.slice(0, i) + json.slice(i + 1)
  return json.replace(/"/g, "'")
})
const payload = fc.oneof(
  { weight: 4, arbitrary: validEvent },
  { weight: 6, arbitrary: eventJson },
  { weight: 2, arbitrary: mutated },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map(bytes => Buffer.from(bytes)) },
  { weight: 1, arbitrary: hugeString.map(s => JSON.stringify(messagingEvent(randomUUID(), 0.1, { text: s }))) }
)
const headerText = fc.string({ unit: 'grapheme-ascii', maxLength: 300 })
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=latin1',
      'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml',
      'application/vnd.api+json', 'application/json-patch+json', '*/*', 'application/jsonx', 'json')
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: headerText }
)
type SignMode = 'base64' | 'hex' | 'missing' | 'wrong-secret' | 'garbage'
const signMode = fc.oneof(
  { weight: 4, arbitrary: fc.constant<SignMode>('base64') },
  { weight: 2, arbitrary: fc.constant<SignMode>('hex') },
  { weight: 1, arbitrary: fc.constantFrom<SignMode>('missing', 'wrong-secret', 'garbage') }
)

function signatureHeader (mode: SignMode, body: string | Buffer, garbage: string): string | undefined {
  if (mode === 'base64' || mode === 'hex') return signature(WEBHOOK_SECRET, body, mode)
  if (mode === 'wrong-secret') return signature('guessed-secret', body)
  if (mode === 'garbage') return garbage
  return undefined
}

t.test(`${RUNS} random and mutated webhooks: always 200 or 4xx, never a 5xx; bad signatures never pass`, async t => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  const genesys = agent.get('http://127.0.0.1:9')
  genesys.intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { access_token: 'tok', token_type: 'bearer', expires_in: 86400 }).persist()
  let routingUpdates = 0
  genesys.intercept({ path: /^\/api\/v2\/conversations\/messaging\/[0-9a-f-]{36}$/i, method: 'PUT' })
    .reply(200, () => { routingUpdates++; return {} }).persist()
  const app = await build(t, { dispatcher: agent, envOverrides: { ...ROUTING_METADATA, WEBHOOK_SECRET } })
  const statuses = new Map<number, number>()
  await fc.assert(fc.asyncProperty(
    payload, contentType, signMode, headerText, fc.option(headerText), fc.constantFrom('', '?x=1', '?conversationId=../x', '/'),
    async (body, type, mode, garbage, requestId, suffix) => {
      const headers: Record<string, string> = {}
      if (type !== undefined) headers['content-type'] = type
      const sig = signatureHeader(mode, body, garbage)
      if (sig !== undefined) headers['x-hub-signature-256'] = sig
      if (requestId !== null) headers['x-request-id'] = requestId
      const res = await app.inject({ method: 'POST', url: `/webhook/messaging${suffix}`, payload: body, headers })
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      if (res.statusCode >= 500) throw new Error(`${res.statusCode}: ${res.body}`)
      if (res.statusCode !== 200 && (res.statusCode < 400 || res.statusCode > 499)) throw new Error(`unexpected ${res.statusCode}`)
      if (res.statusCode === 200 && (mode === 'missing' || mode === 'wrong-secret' || mode === 'garbage')) {
        throw new Error(`accepted with signature mode ${mode}`)
      }
      if (typeof res.headers['x-request-id'] !== 'string') throw new Error('no x-request-id on the answer')
    }
  ), { numRuns: RUNS })

  t.comment(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`)
  t.equal([...statuses.values()].reduce((a, b) => a + b, 0), RUNS, `${RUNS} requests answered`)
  t.ok((statuses.get(200) ?? 0) > 0, 'some were valid and handled')
  t.ok(routingUpdates > 0, `some handed off (${routingUpdates})`)
  for (const status of [400, 401, 413, 415]) t.ok((statuses.get(status) ?? 0) > 0, `some got ${status}`)
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')

  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200, 'still alive')
  const payloadAfter = JSON.stringify(messagingEvent(newConversationId(), 0.1))
  const after = await app.inject({
    method: 'POST',
    url: '/webhook/messaging',
    payload: payloadAfter,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(WEBHOOK_SECRET, payloadAfter) }
  })
  t.equal(after.statusCode, 200, 'and still handing off')
  t.equal(after.json().status, 'handoff_initiated')
})
