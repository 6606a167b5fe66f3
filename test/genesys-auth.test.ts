import t from 'tap'
import { MockAgent } from 'undici'
import { GenesysTransport } from '../src/genesys/transport.js'
import { GenesysAuth } from '../src/genesys/auth.js'
import { GenesysRejectedError, GenesysUnavailableError } from '../src/genesys/errors.js'
import { GenesysClient } from '../src/genesys/client.js'
import { buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls, CLIENT_SECRET, ROUTING_METADATA } from './helper.js'

const LOGIN = 'http://login.genesys.test'

function setup (t: { teardown: (fn: () => unknown) => void }, clock?: { now: () => number }): { agent: MockAgent, auth: GenesysAuth } {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(async () => { await agent.close() })
  const http = new GenesysTransport({ dispatcher: agent, maxConnections: 4, requestTimeoutMs: 1000, maxRetries: 2, retryMinDelayMs: 1, retryMaxDelayMs: 50, now: clock?.now })
  const auth = new GenesysAuth({ transport: http, loginBaseUrl: LOGIN, clientId: 'id', clientSecret: 'secret', now: clock?.now })
  return { agent, auth }
}

const ctx = (): { deadline: number } => ({ deadline: Date.now() + 5000 })

t.test('the token request uses client credentials as Basic auth and a form body', async t => {
  const { agent, auth } = setup(t)
  agent.get(LOGIN).intercept({
    path: '/oauth/token',
    method: 'POST',
    body: 'grant_type=client_credentials',
    headers: {
      authorization: 'Basic ' + Buffer.from('id:secret').toString('base64'),
      'content-type': 'application/x-www-form-urlencoded'
    }
  }).reply(200, { access_token: 'tok-1', token_type: 'bearer', expires_in: 86400 })
  t.equal(await auth.getToken(ctx()), 'tok-1')
  agent.assertNoPendingInterceptors()
})

t.test('tokens are cached and refreshed 60 s before expiry', async t => {
  let now = 1_000_000
  const ctx = (): { deadline: number } => ({ deadline: now + 5000 })
  const { agent, auth } = setup(t, { now: () => now })
  const pool = agent.get(LOGIN)
  pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { access_token: 'tok-1', expires_in: 3600 })
  t.equal(await auth.getToken(ctx()), 'tok-1')
  now += 3540_000 - 1
  t.equal(await auth.getToken(ctx()), 'tok-1', 'cached until a minute before expiry')
  t.equal(auth.tokenRequests, 1)
  pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { access_token: 'tok-2', expires_in: 3600 })
  now += 1
  t.equal(await auth.getToken(ctx()), 'tok-2', 'refreshed early')
  t.equal(auth.tokenRequests, 2)
})

t.test('a failed early refresh keeps using the still-valid token', async t => {
  let now = 1_000_000
  const ctx = (): { deadline: number } => ({ deadline: now + 5000 })
  const { agent, auth } = setup(t, { now: () => now })
  const pool = agent.get(LOGIN)
  pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { access_token: 'tok-1', expires_in: 3600 })
  await auth.getToken(ctx())
  now += 3550_000
  pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(400, { error: 'invalid_request' })
  t.equal(await auth.getToken(ctx()), 'tok-1')
  now += 60_000
  pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(400, { error: 'invalid_request' })
  await t.rejects(auth.getToken(ctx()), GenesysRejectedError, 'expired token is not used')
})

t.test('single-flight: 1,000 concurrent cold callers make one token request', async t => {
  const { agent, auth } = setup(t)
  agent.get(LOGIN).intercept({ path: '/oauth/token', method: 'POST' })
    .reply(200, { access_token: 'tok-1', expires_in: 3600 }).delay(20)
  const tokens = await Promise.all(Array.from({ length: 1000 }, async () => await auth.getToken(ctx())))
  t.equal(new Set(tokens).size, 1)
  t.equal(auth.tokenRequests, 1)
})

t.test('token failures give status and Genesys message, never the secret', async t => {
  const { agent, auth } = setup(t)
  agent.get(LOGIN).intercept({ path: '/oauth/token', method: 'POST' })
    .reply(401, { error: 'invalid_client', description: 'client not found' }, { headers: { 'inin-correlation-id': 'corr-1' } })
  const err = await auth.getToken(ctx()).then(() => null, (e: unknown) => e as GenesysRejectedError)
  t.type(err, GenesysRejectedError)
  t.equal(err?.statusCode, 502)
  t.match(err?.message, /token request rejected by Genesys: status 401, code invalid_client, correlation id corr-1: client not found/)
  t.notMatch(err?.message, /secret/)
})

t.test('token endpoint 503 is retried (the token POST is safe to repeat)', async t => {
  const { agent, auth } = setup(t)
  const pool = agent.get(LOGIN)
  pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(503, 'busy')
  pool.intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { access_token: 'tok-1', expires_in: 3600 })
  t.equal(await auth.getToken(ctx()), 'tok-1')
})

t.test('1,000 concurrent cold handoffs through the service: one token request', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: ROUTING_METADATA })
  const answers = await Promise.all(Array.from({ length: 1000 }, async () =>
    await postEvent(app, messagingEvent(newConversationId(), 0.1))))
  t.equal(answers.filter(a => a.statusCode === 200 && a.json().status === 'handoff_initiated').length, 1000)
  t.equal(sim.state.tokenRequests, 1)
  t.equal(app.genesysAuth.tokenRequests, 1)
  t.equal(routingCalls(sim).length, 1000)
})

t.test('a 401 from the API drops the token and retries once with a fresh one', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: ROUTING_METADATA })
  t.equal((await postEvent(app, messagingEvent(newConversationId(), 0.1))).statusCode, 200)
  sim.state.expireTokens()
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().status, 'handoff_initiated')
  t.equal(sim.state.tokenRequests, 2)
  const statuses = routingCalls(sim).map(c => (c as { status: number }).status)
  t.same(statuses, [200, 401, 200])
})

t.test('wrong client secret: 502 naming the token failure, secret nowhere', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { GENESYS_CLIENT_SECRET: 'wrong-secret-value' } })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 502)
  t.match(res.json().message, /token request rejected by Genesys: status 401, code invalid_client/)
  t.notMatch(res.body, /wrong-secret-value|d29yb/)
  t.notMatch(res.body, CLIENT_SECRET)
  t.equal(routingCalls(sim).length, 0)
  t.equal((await app.historyStore.get(id))?.handoff.state, 'none', 'not marked handed off')
})

t.test('a conversation read without participants is not taken for an ended conversation', async t => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(async () => { await agent.close() })
  const http = new GenesysTransport({ dispatcher: agent, maxConnections: 1, requestTimeoutMs: 1000, maxRetries: 0, retryMaxDelayMs: 10 })
  const auth = new GenesysAuth({ transport: http, loginBaseUrl: LOGIN, clientId: 'id', clientSecret: 'secret' })
  const client = new GenesysClient({ transport: http, auth, apiBaseUrl: 'http://api.genesys.test' })
  agent.get(LOGIN).intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { access_token: 'tok', expires_in: 3600 })
  agent.get('http://api.genesys.test').intercept({ path: /^\/api\/v2\/conversations\/messages\//, method: 'GET' }).reply(200, { id: 'x' })
  await t.rejects(client.getMessageConversation('4ff43965-ec45-4f8c-8019-d83551de6d0a', ctx()), GenesysUnavailableError)
})
