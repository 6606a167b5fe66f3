import t from 'tap'
import { MockAgent } from 'undici'
import { GenesysTransport } from '../src/genesys/transport.js'
import { parseRetryAfter } from '../src/genesys/errors.js'
import { retryOptions } from '../src/genesys/retry-policy.js'
import { GenesysUnavailableError } from '../src/genesys/errors.js'
import { buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls, ROUTING_METADATA } from './helper.js'

interface Call { status: number, at: string }
const ROUTING = '/api/v2/conversations/messaging/'

t.test('parseRetryAfter reads seconds and HTTP dates', async t => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  t.equal(parseRetryAfter('2', now), 2000)
  t.equal(parseRetryAfter('0', now), 0)
  t.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now), 3000)
  t.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0, 'a past date means now')
  t.equal(parseRetryAfter('soon', now), null)
  t.equal(parseRetryAfter(undefined, now), null)
})

t.test('backoff has jitter within [half, full] of the exponential step and stops at the deadline', async t => {
  // undici's own retry decision runs underneath: these are the waits it takes with our jitter and deadline.
  const run = async (counter: number, random: number, deadline = Date.now() + 60_000, headers: Record<string, string> = {}, maxRetries = 10): Promise<number | null> => {
    let delay: number | null = null
    const { retry } = retryOptions({
      maxRetries,
      minDelayMs: 200,
      maxDelayMs: 2000,
      deadline,
      methods: ['PUT'],
      random: () => random,
      onRetry: (e) => { delay = e.delayMs }
    }) as { retry: (...args: unknown[]) => void }
    const err = Object.assign(new Error('x'), { statusCode: 503, headers })
    await new Promise<void>(resolve => {
      retry(err, { state: { counter }, opts: { method: 'PUT', retryOptions: { statusCodes: [503], errorCodes: [], maxRetries, minTimeout: 200, maxTimeout: 2000, timeoutFactor: 2 } } }, () => { resolve() })
    })
    return delay
  }
  const within = (value: number | null, low: number, high: number, what: string): void => {
    t.ok(value !== null && value >= low - 2 && value <= high + 90, `${what}: waited ${String(value)} ms, expected ${low}–${high}`)
  }
  within(await run(1, 0), 100, 100, 'half the first step')
  within(await run(1, 1), 200, 200, 'the whole first step')
  within(await run(3, 0.5), 600, 600, 'three quarters of the third step')
  within(await run(6, 0.5), 1500, 1500, 'capped at maxDelay, then jittered')
  t.equal(await run(12, 0.5, undefined, {}, 11), null, 'more than maxRetries')
  t.not(await run(11, 0.5, undefined, {}, 11), null, 'up to maxRetries')
  t.equal(await run(1, 0.5, Date.now() + 10, { 'retry-after': '1' }), null, 'no wait past the deadline')
  t.not(await run(1, 0.5, Date.now() + 1500, { 'retry-after': '1' }), null, 'a wait that ends before the deadline is taken')
})

t.test('429 twice with Retry-After, then success: the handoff waits as told and goes through', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: ROUTING_METADATA })
  sim.state.addFault({ method: 'PUT', path: ROUTING, status: 429, retryAfter: 1, times: 2 })
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().status, 'handoff_initiated')
  const calls = routingCalls(sim) as Call[]
  t.same(calls.map(c => c.status), [429, 429, 200])
  const gaps = calls.slice(1).map((c, i) => Date.parse(c.at) - Date.parse(calls[i]?.at ?? ''))
  for (const gap of gaps) t.ok(gap >= 950, `waited the Retry-After second (${gap} ms)`)
})

t.test('Retry-After as an HTTP date is honoured (MockAgent)', async t => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(async () => { await agent.close() })
  const http = new GenesysTransport({ dispatcher: agent, maxConnections: 1, requestTimeoutMs: 1000, maxRetries: 3, retryMaxDelayMs: 5000 })
  const pool = agent.get('http://api.genesys.test')
  const when = new Date(Date.now() + 1500).toUTCString()
  pool.intercept({ path: '/x', method: 'GET' }).reply(429, '', { headers: { 'retry-after': when } })
  pool.intercept({ path: '/x', method: 'GET' }).reply(200, 'ok')
  const started = Date.now()
  const res = await http.send({ operation: 'get x', method: 'GET', origin: 'http://api.genesys.test', path: '/x', endpoint: '/x', headers: {} }, { deadline: Date.now() + 10_000 })
  t.equal(res.status, 200)
  t.ok(Date.now() - started >= 400, 'waited for the date (second resolution)')
  agent.assertNoPendingInterceptors()
})

t.test('5xx until retries run out: 503 with Retry-After, and the claim is released', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, GENESYS_MAX_RETRIES: '2' } })
  sim.state.addFault({ method: 'PUT', path: ROUTING, status: 503, times: 3 })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 503)
  t.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After header')
  t.match(res.json().message, /routing update failed: Genesys kept answering 503/)
  t.equal(routingCalls(sim).length, 3, 'first try and two retries')
  t.equal((await app.historyStore.get(id))?.handoff.state, 'none', 'not marked handed off')

  const retry = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(retry.statusCode, 200)
  t.equal(retry.json().status, 'handoff_initiated', "the caller's retry hands off")
})

t.test('a long Retry-After beyond the deadline gives up at once with that Retry-After', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, HANDOFF_DEADLINE_MS: '2000' } })
  sim.state.addFault({ method: 'PUT', path: ROUTING, status: 429, retryAfter: 30, times: 1 })
  const started = Date.now()
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.1))
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '30')
  t.ok(Date.now() - started < 2000, 'did not sit out the wait')
  t.equal(routingCalls(sim).length, 1)
})

t.test('slow Genesys: per-request timeout retried, overall deadline respected', async t => {
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { ...ROUTING_METADATA, GENESYS_REQUEST_TIMEOUT_MS: '200', HANDOFF_DEADLINE_MS: '1200', GENESYS_MAX_RETRIES: '10' }
  })
  sim.state.addFault({ method: 'PUT', path: ROUTING, latencyMs: 3000, times: 50 })
  const started = Date.now()
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.1))
  const elapsed = Date.now() - started
  t.equal(res.statusCode, 503)
  t.ok(res.headers['retry-after'])
  t.match(res.json().message, /deadline exceeded|UND_ERR_HEADERS_TIMEOUT/)
  t.ok(elapsed < 1200 + 500, `answered within the deadline (${elapsed} ms)`)
})

t.test('slow once, then fast: the timeout is retried and succeeds', async t => {
  // undici's header timer ticks at about half a second, so the slow answer is made much slower than that.
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, GENESYS_REQUEST_TIMEOUT_MS: '300' } })
  sim.state.addFault({ method: 'PUT', path: ROUTING, latencyMs: 5000, times: 1 })
  const started = Date.now()
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().status, 'handoff_initiated')
  t.ok(Date.now() - started < 4000, 'the slow attempt was abandoned, not waited out')
})

t.test('Genesys 4xx: 502 with status, code and correlation id; a later retry succeeds', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: ROUTING_METADATA })
  for (const [status, code] of [[400, 'bad.request'], [403, 'missing.any.permissions'], [404, 'not.found']] as const) {
    sim.state.addFault({ method: 'PUT', path: ROUTING, status, times: 1 })
    const id = newConversationId()
    const res = await postEvent(app, messagingEvent(id, 0.1))
    t.equal(res.statusCode, 502, `${status} → 502`)
    const body = res.json()
    t.equal(body.error, 'Bad Gateway')
    t.match(body.message, new RegExp(`routing update rejected by Genesys: status ${status}, code ${code.replace('.', '\\.')}, correlation id [0-9a-f-]{36}`))
    t.notMatch(res.body, /Bearer|access_token/)
    const calls = routingCalls(sim) as Call[]
    t.equal(calls.filter(c => c.status === status).length, 1, 'a 4xx is not retried')
    const again = await postEvent(app, messagingEvent(id, 0.1))
    t.equal(again.json().status, 'handoff_initiated', 'not marked handed off: the retry goes through')
  }
})

t.test('unreachable Genesys: 503 with Retry-After', async t => {
  const { app } = await buildWithSimulator(t, {
    envOverrides: { ...ROUTING_METADATA, GENESYS_API_BASE_URL: 'http://127.0.0.1:9', GENESYS_LOGIN_BASE_URL: 'http://127.0.0.1:9', GENESYS_MAX_RETRIES: '1', HANDOFF_DEADLINE_MS: '2000' }
  })
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.1))
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.match(res.json().message, /token request failed: Genesys unreachable \(ECONNREFUSED\)/)
})

t.test('GenesysUnavailableError carries the answer the webhook gives', async t => {
  const err = new GenesysUnavailableError('x', { status: 429 }, 7, 'busy')
  t.equal(err.statusCode, 503)
  t.same(err.headers, { 'retry-after': '7' })
})
