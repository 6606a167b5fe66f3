import t from 'tap'
import { request } from 'undici'
import { simulator, CLIENT_ID, CLIENT_SECRET } from './helper.js'

const basic = (id: string, secret: string): string => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64')

async function token (url: string, auth: string): Promise<{ status: number, body: Record<string, unknown> }> {
  const res = await request(`${url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
}

async function put (url: string, id: string, bearer: string, body: unknown): Promise<{ status: number, headers: Record<string, unknown>, body: Record<string, unknown> }> {
  const res = await request(`${url}/api/v2/conversations/messaging/${id}`, {
    method: 'PUT', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() as Record<string, unknown> }
}

const metadata = { routingMetadata: { queue: { id: 'q' }, skills: [] } }

t.test('token endpoint checks client credentials and issues expiring tokens', async t => {
  // The simulator's clock, moved by hand: expiry without waiting for it.
  let clock = Date.parse('2026-01-01T00:00:00Z')
  const sim = await simulator(t, { tokenTtlSeconds: 1, now: () => clock })
  const bad = await token(sim.url, basic(CLIENT_ID, 'nope'))
  t.equal(bad.status, 401)
  t.same(bad.body, { error: 'invalid_client', description: 'authentication failed', error_description: 'authentication failed' }, "the login service's OAuth error body")
  const good = await token(sim.url, basic(CLIENT_ID, CLIENT_SECRET))
  t.equal(good.status, 200)
  t.equal(good.body.expires_in, 1)
  const accessToken = String(good.body.access_token)
  t.equal((await put(sim.url, 'c1', accessToken, metadata)).status, 200)
  clock += 1100
  const expired = await put(sim.url, 'c1', accessToken, metadata)
  t.equal(expired.status, 401, 'expired token refused')
  t.equal(expired.body.code, 'authentication.required')
})

t.test('routing endpoint checks the bearer token, validates and records the body', async t => {
  const sim = await simulator(t)
  const noAuth = await put(sim.url, 'c1', 'made-up', metadata)
  t.equal(noAuth.status, 401)
  t.match(noAuth.headers['inin-correlation-id'], /^[0-9a-f-]{36}$/)
  t.equal(noAuth.body.contextId, noAuth.headers['inin-correlation-id'], 'Genesys-shaped error body')
  const accessToken = String((await token(sim.url, basic(CLIENT_ID, CLIENT_SECRET))).body.access_token)
  const invalid = await put(sim.url, 'c1', accessToken, { routingMetadata: { queue: {} } })
  t.equal(invalid.status, 400)
  t.equal(invalid.body.code, 'bad.request')
  const ok = await put(sim.url, 'c1', accessToken, metadata)
  t.equal(ok.status, 200)
  t.same(ok.body.routingMetadata, metadata.routingMetadata)
  t.same(sim.state.calls.map(c => c.status), [401, 400, 200])
  t.same(sim.state.calls[2]?.body, metadata)
  t.notMatch(JSON.stringify(sim.state.calls), accessToken, 'tokens are not recorded')
})

t.test('fault injection over HTTP: status with Retry-After, consumed after N calls', async t => {
  const sim = await simulator(t)
  const accessToken = String((await token(sim.url, basic(CLIENT_ID, CLIENT_SECRET))).body.access_token)
  const inject = await request(`${sim.url}/__sim/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'PUT', status: 429, retryAfter: 3, times: 2 })
  })
  t.equal(inject.statusCode, 204)
  const first = await put(sim.url, 'c1', accessToken, metadata)
  t.equal(first.status, 429)
  t.equal(first.headers['retry-after'], '3')
  t.equal(first.body.code, 'too.many.requests.retry.after')
  t.equal(first.body.message, 'Rate limit exceeded the maximum. Retry the request in [3] seconds')
  t.equal((await put(sim.url, 'c1', accessToken, metadata)).status, 429)
  t.equal((await put(sim.url, 'c1', accessToken, metadata)).status, 200)
  const calls = await request(`${sim.url}/__sim/calls`)
  t.equal((await calls.body.json() as unknown[]).length, 3)
  await request(`${sim.url}/__sim/reset`, { method: 'POST' })
  t.equal(sim.state.calls.length, 0)
})

t.test('routing queues: known ids answer the queue, others 404 not.found, like Genesys; a token is required', async t => {
  const sim = await simulator(t, { queues: { 'c0ffee00-0000-4000-8000-0000000000aa': 'Billing' } })
  const accessToken = String((await token(sim.url, basic(CLIENT_ID, CLIENT_SECRET))).body.access_token)
  const get = async (id: string, bearer = accessToken): Promise<{ status: number, body: Record<string, unknown> }> => {
    const res = await request(`${sim.url}/api/v2/routing/queues/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${bearer}` } })
    return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
  }
  const found = await get('c0ffee00-0000-4000-8000-0000000000aa')
  t.equal(found.status, 200)
  t.match(found.body, { id: 'c0ffee00-0000-4000-8000-0000000000aa', name: 'Billing', division: { name: 'Home' } })
  for (const id of ['Billing queue', 'c0ffee00-0000-4000-8000-000000000001']) {
    const missing = await get(id)
    t.equal(missing.status, 404, id)
    t.match(missing.body, { status: 404, code: 'not.found', message: /Queue .* not found/, contextId: String })
  }
  t.equal((await get('c0ffee00-0000-4000-8000-0000000000aa', 'no-token')).status, 401)
  t.equal(sim.state.callsTo('GET', '/api/v2/routing/queues/').length, 4, 'recorded like the other calls')
})
