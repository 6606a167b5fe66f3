// Redis going away and coming back, on a redis-server of the test's own: no crash, clear 503s with
// Retry-After, readiness follows Redis, and the service recovers without a restart.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { ADMIN_TOKEN, build, buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls } from './helper.js'
import { eventually, privateRedis } from './redis-helper.js'

async function ready (app: FastifyInstance): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode
}

/** The parts of a store-unavailable answer that matter, for t.match against UNAVAILABLE. */
function answer (res: Awaited<ReturnType<typeof postEvent>>): Record<string, unknown> {
  return { statusCode: res.statusCode, ...res.json(), retryAfter: res.headers['retry-after'] }
}

const UNAVAILABLE = { statusCode: 503, code: 'STORE_UNAVAILABLE', message: /conversation store unavailable .*retry later/, retryAfter: /^[1-9][0-9]*$/ }

t.test('Redis stops and comes back: 503s meanwhile, then the same process serves again', async t => {
  const redis = await privateRedis(t)
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'outage:', REDIS_COMMAND_TIMEOUT_MS: 500 }
  })
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.9))).statusCode, 200)
  t.equal(await ready(app), 200)

  await redis.stop()
  t.match(answer(await postEvent(app, messagingEvent(id, 0.9))), UNAVAILABLE)
  t.match(answer(await postEvent(app, messagingEvent(id, 0.1))), UNAVAILABLE)
  t.equal(routingCalls(sim).length, 0, 'no handoff without the claim')
  const readiness = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(readiness.statusCode, 503)
  t.equal(readiness.json().status, 'unavailable')
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'process alive')
  const view = await app.inject({ method: 'GET', url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  t.equal(view.statusCode, 503, 'operator reads fail clearly too')
  t.equal(view.json().code, 'STORE_UNAVAILABLE')

  await redis.start()
  await eventually(async () => await ready(app) === 200, 15_000, 'readiness after Redis restarted')
  const after = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(after.statusCode, 200, after.body)
  t.equal(after.json().status, 'handoff_initiated')
  t.equal(routingCalls(sim).length, 1)
})

t.test('an instance started while Redis is down starts unready and recovers when Redis appears', async t => {
  const redis = await privateRedis(t, { start: false })
  const app = await build(t, {
    envOverrides: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'late:', REDIS_CONNECT_TIMEOUT_MS: 300 }
  })
  t.equal(await ready(app), 503)
  t.match(answer(await postEvent(app, messagingEvent(newConversationId(), 0.9))), UNAVAILABLE)
  await redis.start()
  await eventually(async () => await ready(app) === 200, 15_000, 'readiness once Redis is up')
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.9))
  t.equal(res.statusCode, 200, res.body)
})

t.test('a Redis that accepts connections but never answers: commands time out into 503s', async t => {
  const redis = await privateRedis(t)
  const app = await build(t, {
    envOverrides: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'hung:', REDIS_COMMAND_TIMEOUT_MS: 200 }
  })
  t.equal(await ready(app), 200)
  // A stopped (SIGSTOP) server keeps its connections open but answers nothing, like a hung Redis.
  redis.freeze()
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.9))
  t.match(answer(res), { ...UNAVAILABLE, message: /did not answer in time/ })
  t.equal(await ready(app), 503)
  redis.thaw()
  await eventually(async () => (await postEvent(app, messagingEvent(newConversationId(), 0.9))).statusCode === 200, 10_000, 'answers after the stall')
})
