// Exactly-once handoff across two app instances sharing one Redis and one Genesys simulator.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls, ROUTING_METADATA } from './helper.js'
import { eventually, rawClient, redisEnv, SHARED_REDIS_URL, uniquePrefix } from './redis-helper.js'
import { RedisHistoryStore } from '../src/store/redis.js'

type Sim = Awaited<ReturnType<typeof buildWithSimulator>>['sim']

async function twoInstances (t: { teardown: (fn: () => unknown) => void }, prefix: string, env: Record<string, unknown> = {}): Promise<{ a: FastifyInstance, b: FastifyInstance, sim: Sim }> {
  const { app: a, sim } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, ...redisEnv(prefix), ...env } })
  const b = await build(t, { envOverrides: { ...ROUTING_METADATA, GENESYS_API_BASE_URL: sim.url, GENESYS_LOGIN_BASE_URL: sim.url, ...redisEnv(prefix), ...env } })
  return { a, b, sim }
}

function successfulRoutingCalls (sim: Sim): number {
  return sim.state.callsTo('PUT', '/api/v2/conversations/messaging/').filter(c => c.status === 200).length
}

async function burst (a: FastifyInstance, b: FastifyInstance, id: string, n = 20): Promise<Array<{ statusCode: number, body: Record<string, unknown>, retryAfter?: string }>> {
  const answers = await Promise.all(Array.from({ length: n }, async (_, i) => await postEvent(i % 2 === 0 ? a : b, messagingEvent(id, 0.2))))
  return answers.map(r => ({ statusCode: r.statusCode, body: r.json(), retryAfter: r.headers['retry-after'] as string | undefined }))
}

for (const latencyMs of [0, 300]) {
  t.test(`20 concurrent low-confidence webhooks over two instances: one routing update, 20 definite answers (Genesys latency ${latencyMs} ms)`, async t => {
    const prefix = uniquePrefix(t)
    const { a, b, sim } = await twoInstances(t, prefix)
    if (latencyMs > 0) sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations/messaging/', latencyMs })
    const id = newConversationId()
    const answers = await burst(a, b, id)
    t.same(answers.map(r => r.statusCode), Array(20).fill(200), JSON.stringify(answers.filter(r => r.statusCode !== 200)))
    const statuses = answers.map(r => r.body.status)
    t.equal(statuses.filter(s => s === 'handoff_initiated').length, 1)
    t.equal(statuses.filter(s => s === 'handed_off').length, 19)
    t.equal(routingCalls(sim).length, 1, 'exactly one routing update')
    for (const app of [a, b]) {
      const snapshot = await app.historyStore.get(id)
      t.equal(snapshot?.handoff.state, 'done')
      t.equal(snapshot?.history.length, 20, 'every event recorded')
    }
    // Later events on either instance see the finished handoff.
    const later = await postEvent(b, messagingEvent(id, 0.1))
    t.equal(later.json().status, 'handed_off')
    t.equal(routingCalls(sim).length, 1)
  })
}

t.test('a failed routing update releases the claim; the retry hands off', async t => {
  const prefix = uniquePrefix(t)
  const { a, b, sim } = await twoInstances(t, prefix)
  sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations/messaging/', status: 400 })
  const id = newConversationId()
  const failed = await postEvent(a, messagingEvent(id, 0.2))
  t.equal(failed.statusCode, 502, failed.body)
  t.equal(failed.json().code, 'GENESYS_REJECTED')
  const redis = rawClient(t)
  t.equal(await redis.exists(`${prefix}conv:{${id}}:handoff`), 0, 'claim released')
  const retried = await postEvent(b, messagingEvent(id, 0.2))
  t.equal(retried.statusCode, 200, retried.body)
  t.equal(retried.json().status, 'handoff_initiated')
  t.equal(routingCalls(sim).length, 2)
  t.equal(successfulRoutingCalls(sim), 1)
})

t.test('a failure during a burst over two instances: every answer definite, still exactly one successful update', async t => {
  const prefix = uniquePrefix(t)
  const { a, b, sim } = await twoInstances(t, prefix)
  sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations/messaging/', status: 400, latencyMs: 300 })
  const id = newConversationId()
  const answers = await burst(a, b, id)
  for (const r of answers) t.ok(r.statusCode === 200 || r.statusCode === 502, `definite answer ${r.statusCode}`)
  t.ok(answers.some(r => r.statusCode === 502), 'the failed attempt is reported')
  t.equal(answers.filter(r => r.body.status === 'handoff_initiated').length, 1, 'another event took over the released claim')
  t.equal(successfulRoutingCalls(sim), 1)
  t.equal((await a.historyStore.get(id))?.handoff.state, 'done')
})

t.test('a claim held by a crashed instance expires; until then callers get 503 with Retry-After', async t => {
  const prefix = uniquePrefix(t)
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, ...redisEnv(prefix), HANDOFF_DEADLINE_MS: 200 } })
  const id = newConversationId()
  // The crashed instance: took the claim, then vanished without completing or releasing it.
  const crashed = new RedisHistoryStore({
    target: { kind: 'single', url: SHARED_REDIS_URL }, keyPrefix: prefix, commandTimeoutMs: 1000, connectTimeoutMs: 1000, maxEvents: 10, ttlSeconds: 60, maxConversations: 10
  })
  t.equal(await crashed.connect(), true)
  const claim = await crashed.claimHandoff(id, 1500)
  t.equal(claim.acquired, true)
  await crashed.close()

  const redis = rawClient(t)
  const key = `${prefix}conv:{${id}}:handoff`
  const pttl = await redis.pttl(key)
  t.ok(pttl > 0 && pttl <= 1500, `claim expires (pttl ${pttl})`)

  const blocked = await postEvent(app, messagingEvent(id, 0.2))
  t.equal(blocked.statusCode, 503, blocked.body)
  t.equal(blocked.json().code, 'HANDOFF_IN_PROGRESS')
  t.ok(Number(blocked.headers['retry-after']) >= 1, 'Retry-After set')
  t.equal(routingCalls(sim).length, 0)

  await eventually(async () => await redis.exists(key) === 0, 5000, 'the claim to lapse')
  const retried = await postEvent(app, messagingEvent(id, 0.2))
  t.equal(retried.statusCode, 200, retried.body)
  t.equal(retried.json().status, 'handoff_initiated')
  t.equal(routingCalls(sim).length, 1)
})

t.test('a high-confidence event during another instance\'s handoff waits for it and reports it', async t => {
  const prefix = uniquePrefix(t)
  const { a, b, sim } = await twoInstances(t, prefix)
  sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations/messaging/', latencyMs: 300 })
  const id = newConversationId()
  const handoff = postEvent(a, messagingEvent(id, 0.2))
  await eventually(async () => (await b.historyStore.get(id))?.handoff.state === 'pending', 5000, 'the claim')
  const during = await postEvent(b, messagingEvent(id, 0.95))
  t.equal(during.statusCode, 200)
  t.equal(during.json().status, 'handed_off')
  t.equal((await handoff).json().status, 'handoff_initiated')
  t.equal(routingCalls(sim).length, 1)
})

t.test('a redelivered low-confidence message after a failed handoff hands off and is recorded once', async t => {
  const prefix = uniquePrefix(t)
  const { a, b, sim } = await twoInstances(t, prefix)
  sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations/messaging/', status: 400 })
  const id = newConversationId()
  const first = await postEvent(a, messagingEvent(id, 0.2, { messageId: 'm-1' }))
  t.equal(first.statusCode, 502)
  const redelivered = await postEvent(b, messagingEvent(id, 0.2, { messageId: 'm-1' }))
  t.equal(redelivered.statusCode, 200, redelivered.body)
  t.equal(redelivered.json().status, 'handoff_initiated')
  t.equal(redelivered.json().duplicate, true)
  t.equal((await a.historyStore.get(id))?.history.length, 1)
  t.equal(successfulRoutingCalls(sim), 1)
})
