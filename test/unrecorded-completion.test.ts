// A handoff that took effect in Genesys while the store could not record it: remembered by the instance,
// answered from that memory, recorded again with backoff until Redis takes it, and never handed off twice,
// also when Redis restarts empty (no persistence). Real redis-servers of the tests' own.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { build, buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls, ROUTING_METADATA } from './helper.js'
import { eventually, privateRedis, type PrivateRedis } from './redis-helper.js'
import { PendingCompletions, retryDelay } from '../src/store/pending-completions.js'
import { RedisHistoryStore } from '../src/store/redis.js'

const ROUTING = '/api/v2/conversations/messaging/'

type Sim = Awaited<ReturnType<typeof buildWithSimulator>>['sim']

/** A Redis store whose private Redis is not started yet (it fails until the test starts it). */
async function storeWithRedisDown (t: Parameters<typeof build>[0], keyPrefix: string): Promise<{ redis: PrivateRedis, store: RedisHistoryStore }> {
  const redis = await privateRedis(t, { start: false })
  const store = new RedisHistoryStore({ target: { kind: 'single', url: redis.url }, keyPrefix, commandTimeoutMs: 300, connectTimeoutMs: 300, maxEvents: 10, ttlSeconds: 600, maxConversations: 10 })
  t.teardown(async () => { await store.close() })
  await store.connect()
  return { redis, store }
}

async function ready (app: FastifyInstance): Promise<boolean> {
  return (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200
}

/** Two instances on one private Redis and one simulator, with the tutorial's PUT (it cannot read Genesys first). */
async function twoInstances (t: Parameters<typeof build>[0], redis: PrivateRedis, prefix: string, extra: Record<string, unknown> = {}): Promise<{ a: FastifyInstance, b: FastifyInstance, sim: Sim }> {
  const env = { ...ROUTING_METADATA, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, REDIS_COMMAND_TIMEOUT_MS: 300, ...extra }
  const { app: a, sim } = await buildWithSimulator(t, { envOverrides: env })
  const b = await build(t, { envOverrides: { ...env, GENESYS_API_BASE_URL: sim.url, GENESYS_LOGIN_BASE_URL: sim.url } })
  return { a, b, sim }
}

/** Starts a handoff on `app` whose Genesys call is slow; resolves once its claim is in the store, with its answer to come. */
async function slowHandoff (app: FastifyInstance, other: FastifyInstance, sim: Sim, id: string): Promise<{ answer: ReturnType<typeof postEvent> }> {
  sim.state.addFault({ method: 'PUT', path: ROUTING, latencyMs: 1200 })
  const started = Date.now()
  const answer = postEvent(app, messagingEvent(id, 0.1))
  await eventually(async () => (await other.historyStore.get(id))?.handoff.state === 'pending', 5000, 'the claim')
  if (Date.now() - started > 800) throw new Error('the claim took too long to see: the machine is too busy for this test')
  return { answer }
}

t.test('Redis restarts empty while a handoff finishes: answered from memory, recorded again, no second transfer', async t => {
  const redis = await privateRedis(t)
  const { a, b, sim } = await twoInstances(t, redis, 'restart:')
  const id = newConversationId()
  const { answer } = await slowHandoff(a, b, sim, id)
  await redis.stop()
  const first = await answer
  t.equal(first.statusCode, 200, first.body)
  t.equal(first.json().status, 'handoff_initiated', 'the routing update happened: said so')
  t.match(await a.metrics.text(), /^handoff_completions_unrecorded 1$/m)

  await redis.start()
  await eventually(async () => await ready(a) && await ready(b), 15_000, 'both instances ready again')
  const again = await postEvent(a, messagingEvent(id, 0.1))
  t.equal(again.statusCode, 200, again.body)
  t.equal(again.json().status, 'handed_off')
  t.equal(routingCalls(sim).length, 1, 'no second routing update')

  await eventually(async () => (await b.historyStore.get(id))?.handoff.state === 'done', 15_000, 'the completion to land in the restarted Redis')
  const onB = await postEvent(b, messagingEvent(id, 0.1))
  t.equal(onB.json().status, 'handed_off', 'the other instance sees it once recorded')
  t.equal(routingCalls(sim).length, 1)
  t.match(await a.metrics.text(), /^handoff_completions_unrecorded 0$/m)
})

t.test('Redis restarts (with persistence) while a handoff finishes: the record lands after the restart, no second transfer after the claim would have lapsed', async t => {
  const redis = await privateRedis(t, { persistent: true })
  const { a, b, sim } = await twoInstances(t, redis, 'durable:', { HANDOFF_DEADLINE_MS: 2500 })
  const id = newConversationId()
  const claimedAt = Date.now()
  const { answer } = await slowHandoff(a, b, sim, id)
  await redis.stop()
  const first = await answer
  t.equal(first.json().status, 'handoff_initiated', first.body)
  await redis.start()
  t.equal((await b.historyStore.get(id).catch(() => null))?.handoff.state ?? 'pending', 'pending', 'the claim survived the restart')
  await eventually(async () => (await b.historyStore.get(id).catch(() => null))?.handoff.state === 'done', 10_000, 'the completion to be recorded')

  // Past the moment the claim (HANDOFF_DEADLINE_MS + 5 s) would have lapsed.
  await sleep(Math.max(0, claimedAt + 2500 + 5000 + 200 - Date.now()))
  const onB = await postEvent(b, messagingEvent(id, 0.1))
  t.equal(onB.json().status, 'handed_off', onB.body)
  t.equal(routingCalls(sim).length, 1)
})

t.test('unrecorded completions are bounded, answered from memory, recorded once the store is back, stopped on close', async t => {
  const { redis, store } = await storeWithRedisDown(t, 'pending:')
  const errors: string[] = []
  const log = { error: (o: unknown, m?: string) => { errors.push(m ?? String(o)) }, warn: () => {}, info: () => {}, debug: () => {} }
  const pending = new PendingCompletions({ store, maxEntries: 3, minDelayMs: 50, maxDelayMs: 200, maxAgeMs: 60_000, log })
  for (const id of ['c1', 'c2', 'c3', 'c4']) {
    await store.completeHandoff(id, 'claim', { queueId: 'q' }).catch((err: unknown) => { pending.add(id, 'claim', { queueId: 'q', err: String(err) }) })
  }
  t.equal(pending.size, 3, 'bounded')
  t.equal(pending.get('c1'), undefined, 'the oldest dropped')
  t.match(errors, [/dropped \(too many pending\)/])
  t.match(pending.get('c4'), { state: 'done', details: { queueId: 'q' } })

  await redis.start()
  await eventually(async () => pending.size === 0, 10_000, 'every completion recorded')
  for (const id of ['c2', 'c3', 'c4']) t.equal((await store.get(id))?.handoff.state, 'done', `${id} recorded`)
  t.equal(await store.get('c1'), null)

  await redis.stop()
  pending.add('c5', 'claim', {})
  await pending.close()
  t.equal(pending.size, 0, 'nothing left behind after close')
  t.match(errors.at(-1), /still unrecorded at shutdown/)
  pending.add('c6', 'claim', {})
  t.equal(pending.size, 0, 'nothing taken after close')
})

t.test('backoff doubles from the first step up to the cap, with jitter in [half, full]', async t => {
  t.equal(retryDelay(1, 250, 30_000, () => 1), 250)
  t.equal(retryDelay(2, 250, 30_000, () => 1), 500)
  t.equal(retryDelay(5, 250, 30_000, () => 1), 4000)
  t.equal(retryDelay(20, 250, 30_000, () => 1), 30_000, 'capped')
  t.equal(retryDelay(3, 250, 30_000, () => 0), 500, 'half the step at the least')
})

t.test('a completion kept past its retention is dropped with an error', async t => {
  let now = 1_000_000
  const { store } = await storeWithRedisDown(t, 'aged:')
  const errors: string[] = []
  const log = { error: (_o: unknown, m?: string) => { errors.push(m ?? '') }, warn: () => {}, info: () => {}, debug: () => {} }
  const pending = new PendingCompletions({ store, maxAgeMs: 10_000, log, now: () => now })
  t.teardown(async () => { await pending.close() })
  pending.add('old', 'claim', {})
  now += 5000
  await pending.flush(true)
  t.equal(pending.size, 1, 'kept while young')
  now += 5000
  await pending.flush(true)
  t.equal(pending.size, 0)
  t.match(errors, [/could not be recorded in time and is dropped/])
})

t.test('the store back after a long outage: an unrecorded completion lands at once (readiness or the next event), not after its backed-off retry', async t => {
  let now = 1_000_000
  const { redis, store } = await storeWithRedisDown(t, 'nudge:')
  const pending = new PendingCompletions({ store, minDelayMs: 250, maxDelayMs: 30_000, maxAgeMs: 600_000, now: () => now, random: () => 1 })
  t.teardown(async () => { await pending.close() })
  pending.add('c1', 'claim', { queueId: 'q' })
  // A long outage: every due retry fails and the next one is pushed out to the 30 s cap.
  for (let i = 0; i < 10; i++) {
    now += 30_000
    await pending.flush()
  }
  t.equal(pending.size, 1, 'still unrecorded while the store is away')
  await redis.start()
  await eventually(async () => await store.ping().then(() => true, () => false), 10_000, 'the store answering')
  // Nothing is due for up to 30 s: a plain flush leaves it, a nudge from a successful store call records it.
  await pending.flush()
  t.equal(pending.size, 1, 'the backed-off retry is not due yet')
  pending.nudge()
  await eventually(async () => pending.size === 0, 5000, 'recorded once nudged')
  t.equal((await store.get('c1'))?.handoff.state, 'done')
})
