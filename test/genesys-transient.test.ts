// Genesys failures that may pass (500, 408) are retried on calls that are safe to repeat, and when they
// persist the webhook answers 503 with Retry-After so the caller retries; only refusals (4xx) answer 502.
import t from 'tap'
import { MockAgent } from 'undici'
import { GenesysTransport } from '../src/genesys/transport.js'
import { GenesysAuth } from '../src/genesys/auth.js'
import { GenesysRejectedError, GenesysUnavailableError, answerError } from '../src/genesys/errors.js'
import { buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls, ROUTING_METADATA } from './helper.js'

const ORIGIN = 'http://api.genesys.test'

function transport (t: { teardown: (fn: () => unknown) => void }): { agent: MockAgent, http: GenesysTransport } {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(async () => { await agent.close() })
  const http = new GenesysTransport({ dispatcher: agent, maxConnections: 4, requestTimeoutMs: 1000, maxRetries: 2, retryMinDelayMs: 1, retryMaxDelayMs: 20 })
  return { agent, http }
}

for (const status of [500, 408]) {
  for (const method of ['GET', 'PUT', 'PATCH'] as const) {
    t.test(`${method} answered ${status} once is retried`, async t => {
      const { agent, http } = transport(t)
      const pool = agent.get(ORIGIN)
      pool.intercept({ path: '/x', method }).reply(status, { code: 'internal.server.error' })
      pool.intercept({ path: '/x', method }).reply(200, { ok: true })
      const res = await http.send({ operation: 'x', method, origin: ORIGIN, path: '/x', endpoint: '/x', headers: {}, body: method === 'GET' ? undefined : '{}' }, { deadline: Date.now() + 5000 })
      t.equal(res.status, 200)
      agent.assertNoPendingInterceptors()
    })
  }

  t.test(`the token POST answered ${status} once is retried`, async t => {
    const { agent, http } = transport(t)
    const auth = new GenesysAuth({ transport: http, loginBaseUrl: ORIGIN, clientId: 'id', clientSecret: 'secret' })
    const pool = agent.get(ORIGIN)
    pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(status, { code: 'internal.server.error' })
    pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { access_token: 'tok-1', expires_in: 3600 })
    t.equal(await auth.getToken({ deadline: Date.now() + 5000 }), 'tok-1')
    agent.assertNoPendingInterceptors()
  })
}

t.test('a token request that keeps answering 500 is a retry-later failure, not a refusal', async t => {
  const { agent, http } = transport(t)
  const auth = new GenesysAuth({ transport: http, loginBaseUrl: ORIGIN, clientId: 'id', clientSecret: 'secret' })
  agent.get(ORIGIN).intercept({ path: '/oauth/token', method: 'POST' }).reply(500, { code: 'internal.server.error' }).times(3)
  const err = await auth.getToken({ deadline: Date.now() + 5000 }).catch((e: unknown) => e)
  t.type(err, GenesysUnavailableError)
  t.equal((err as GenesysUnavailableError).statusCode, 503)
  t.ok((err as GenesysUnavailableError).headers['retry-after'])
})

t.test('which answers are refusals (502) and which may pass (503 + Retry-After)', async t => {
  for (const status of [408, 429, 500, 502, 503, 504]) {
    const err = answerError('x', status, {}, '', Date.now())
    t.type(err, GenesysUnavailableError, `${status} may pass`)
    t.equal(err.statusCode, 503)
    t.ok(err.headers['retry-after'], `${status} carries Retry-After`)
  }
  for (const status of [400, 401, 403, 404, 409, 422]) {
    const err = answerError('x', status, {}, '', Date.now())
    t.type(err, GenesysRejectedError, `${status} is a refusal`)
    t.equal(err.statusCode, 502)
  }
})

t.test('one 500 on the shared token fetch does not fail the concurrent handoffs waiting on it', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: ROUTING_METADATA })
  sim.state.addFault({ method: 'POST', path: '/oauth/token', status: 500, latencyMs: 100 })
  const answers = await Promise.all(Array.from({ length: 60 }, async () => await postEvent(app, messagingEvent(newConversationId(), 0.1))))
  const statuses = answers.map(r => r.statusCode)
  t.same(statuses, Array(60).fill(200), JSON.stringify(answers.find(r => r.statusCode !== 200)?.json()))
  t.equal(routingCalls(sim).length, 60)
  t.equal(sim.state.tokenRequests, 1, 'one token issued after the retried 500')
})

t.test('a token endpoint answering 500 throughout: 503 with Retry-After, and the retry hands off', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, GENESYS_MAX_RETRIES: 1 } })
  sim.state.addFault({ method: 'POST', path: '/oauth/token', status: 500, times: 2 })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 503, res.body)
  t.equal(res.json().code, 'GENESYS_UNAVAILABLE')
  t.ok(Number(res.headers['retry-after']) >= 1)
  const retry = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(retry.json().status, 'handoff_initiated', retry.body)
})

t.test('a GET of the conversation answered 500 once is retried (platform-api)', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { HANDOFF_SKILL_ID: '' } })
  sim.state.addFault({ method: 'GET', path: '/api/v2/conversations/messages/', status: 500 })
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().status, 'handoff_initiated')
})
