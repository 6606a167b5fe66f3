import t from 'tap'
import { MockAgent } from 'undici'
import { GenesysTransport } from '../src/genesys/transport.js'
import { GenesysAuth } from '../src/genesys/auth.js'
import { GenesysClient } from '../src/genesys/client.js'
import { PathTemplate, baseUrl } from '../src/genesys/endpoint.js'
import { endpointTemplate } from '../src/metrics.js'
import { Telemetry, type TelemetryEvents } from '../src/telemetry.js'

const API = 'http://api.genesys.test'
const LOGIN = 'http://login.genesys.test'
const CONVERSATION = '4ff43965-ec45-4f8c-8019-d83551de6d0a'
const PARTICIPANT = '1a2b3c4d-1111-4a4a-8b8b-123456789abc'
const QUEUE = 'a3f1c2d4-0000-4000-8000-0000000000aa'

t.test('a path template fills its ids in order, URL-encoded, and takes exactly as many as it has', async t => {
  const template = new PathTemplate('/api/v2/conversations/{id}/participants/{id}/replace/queue')
  t.equal(template.fill('c 1', 'p/2'), '/api/v2/conversations/c%201/participants/p%2F2/replace/queue')
  t.throws(() => template.fill('c1'), /takes 2 ids, not 1/)
  t.equal(new PathTemplate('/oauth/token').fill(), '/oauth/token')
})

t.test('a base URL is split once into its origin, its path and that path templated', async t => {
  t.same(baseUrl('https://api.mypurecloud.com'), { origin: 'https://api.mypurecloud.com', path: '', template: '' })
  t.same(baseUrl('http://127.0.0.1:8080/proxy/org-1234/'), { origin: 'http://127.0.0.1:8080', path: '/proxy/org-1234', template: '/proxy/{id}' })
})

t.test('every Genesys call goes to its path under the base URL and is labelled with that path templated', async t => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  const telemetry = new Telemetry()
  const calls: Array<TelemetryEvents['genesysCall']> = []
  telemetry.subscribe('genesysCall', (call) => { calls.push(call) })
  const http = new GenesysTransport({ dispatcher: agent, maxConnections: 1, requestTimeoutMs: 1000, maxRetries: 0, retryMaxDelayMs: 10, telemetry })
  t.teardown(async () => { await http.close() })
  const auth = new GenesysAuth({ transport: http, loginBaseUrl: `${LOGIN}/sso`, clientId: 'id', clientSecret: 'secret', telemetry })
  // A base URL with a path of its own (a proxy): calls go under it, and the label keeps it, templated.
  const client = new GenesysClient({ transport: http, auth, apiBaseUrl: `${API}/proxy/org-1234` })
  const sent: string[] = []
  const expect = (origin: string, method: string, path: string, answer: object): void => {
    sent.push(origin + path)
    agent.get(origin).intercept({ method, path }).reply(200, answer)
  }
  expect(LOGIN, 'POST', '/sso/oauth/token', { access_token: 'tok', expires_in: 3600 })
  const base = '/proxy/org-1234/api/v2'
  expect(API, 'PUT', `${base}/conversations/messaging/${CONVERSATION}`, {})
  expect(API, 'GET', `${base}/conversations/messages/${CONVERSATION}`, { id: CONVERSATION, participants: [] })
  expect(API, 'PATCH', `${base}/conversations/messages/${CONVERSATION}/participants/${PARTICIPANT}/attributes`, { attributes: { 'handoff.reason': 'x' } })
  expect(API, 'POST', `${base}/conversations/${CONVERSATION}/participants/${PARTICIPANT}/replace/queue`, {})
  expect(API, 'GET', `${base}/routing/queues/${QUEUE}`, { id: QUEUE, name: 'Support' })
  expect(API, 'PATCH', `${base}/routing/conversations/${CONVERSATION}`, {})

  const ctx = { deadline: Date.now() + 5000 }
  const writes = [await client.updateRoutingMetadata(CONVERSATION, { queue: { id: QUEUE }, skills: [] }, ctx)]
  t.same((await client.getMessageConversation(CONVERSATION, ctx)).body, { id: CONVERSATION, participants: [] }, 'a read answers the body, parsed')
  writes.push(await client.updateParticipantAttributes(CONVERSATION, PARTICIPANT, { 'handoff.reason': 'x' }, ctx))
  writes.push(await client.replaceParticipantWithQueue(CONVERSATION, PARTICIPANT, QUEUE, ctx))
  t.same((await client.getQueue(QUEUE, ctx)).queue, { id: QUEUE, name: 'Support' })
  writes.push(await client.updateRoutingConversation(CONVERSATION, { priority: 1 }, ctx))
  // Nothing reads what a write echoes (e.g. the attributes after the update): it is not parsed.
  t.same(writes.map(w => Object.keys(w).sort()), Array(4).fill(['correlationId', 'status']), 'a write answers its status, not its body')

  t.same(agent.pendingInterceptors(), [], 'each call went to its path')
  t.same(calls.map(c => c.endpoint), sent.map(endpointTemplate), 'labelled as the URL it went to, templated')
  t.same(calls.map(c => c.endpoint), [
    '/sso/oauth/token',
    '/proxy/{id}/api/v2/conversations/messaging/{id}',
    '/proxy/{id}/api/v2/conversations/messages/{id}',
    '/proxy/{id}/api/v2/conversations/messages/{id}/participants/{id}/attributes',
    '/proxy/{id}/api/v2/conversations/{id}/participants/{id}/replace/queue',
    '/proxy/{id}/api/v2/routing/queues/{id}',
    '/proxy/{id}/api/v2/routing/conversations/{id}'
  ])
  t.same(calls.map(c => `${c.method} ${c.status}`), ['POST 200', 'PUT 200', 'GET 200', 'PATCH 200', 'POST 200', 'GET 200', 'PATCH 200'])
})
