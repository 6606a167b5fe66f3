// The Redis store behind two app instances: shared, ordered, bounded history; expiry on every key;
// messageId dedupe; browser sessions.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { ADMIN_TOKEN, build, buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls, captureLog } from './helper.js'
import { SHARED_REDIS_URL, eventually, keysUnder, rawClient, redisEnv, uniquePrefix } from './redis-helper.js'
import { RedisHistoryStore } from '../src/store/redis.js'
import { StoreUnavailableError } from '../src/errors.js'

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }

async function history (app: FastifyInstance, id: string): Promise<Array<{ text: string, messageId?: string }>> {
  const res = await app.inject({ method: 'GET', url: `/conversations/${id}`, headers: auth })
  if (res.statusCode !== 200) throw new Error(`history ${res.statusCode}: ${res.body}`)
  return res.json().history
}

t.test('selected by REDIS_URL: appends from two instances land in one ordered history, visible from either', async t => {
  const prefix = uniquePrefix(t)
  const a = await build(t, { envOverrides: redisEnv(prefix) })
  const b = await build(t, { envOverrides: redisEnv(prefix) })
  t.equal(a.historyStore.constructor.name, 'RedisHistoryStore')
  const id = newConversationId()
  for (let i = 0; i < 10; i++) {
    const res = await postEvent(i % 2 === 0 ? a : b, messagingEvent(id, 0.9, { text: `m${i}` }))
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.json().status, 'bot_continuing')
  }
  const expected = Array.from({ length: 10 }, (_, i) => `m${i}`)
  t.same((await history(a, id)).map(e => e.text), expected)
  t.same((await history(b, id)).map(e => e.text), expected)
})

t.test('concurrent appends across instances are all kept; each instance\'s own appends stay in order', async t => {
  const prefix = uniquePrefix(t)
  const a = await build(t, { envOverrides: redisEnv(prefix) })
  const b = await build(t, { envOverrides: redisEnv(prefix) })
  const id = newConversationId()
  // Each instance sends its events one after the other, both instances at once.
  const send = async (app: FastifyInstance, name: string): Promise<void> => {
    for (let i = 0; i < 20; i++) {
      const res = await postEvent(app, messagingEvent(id, 0.9, { text: `${name}${i}` }))
      if (res.statusCode !== 200) throw new Error(res.body)
    }
  }
  await Promise.all([send(a, 'a'), send(b, 'b'), Promise.all(Array.from({ length: 10 }, async (_, i) =>
    await postEvent(i % 2 === 0 ? a : b, messagingEvent(id, 0.9, { text: `c${i}` }))))])
  const texts = (await history(b, id)).map(e => e.text)
  t.equal(texts.length, 50)
  t.equal(new Set(texts).size, 50, 'no append lost or doubled')
  t.same(texts.filter(x => x.startsWith('a')), Array.from({ length: 20 }, (_, i) => `a${i}`))
  t.same(texts.filter(x => x.startsWith('b')), Array.from({ length: 20 }, (_, i) => `b${i}`))
})

t.test('history is bounded by HISTORY_MAX_EVENTS, keeping the latest', async t => {
  const prefix = uniquePrefix(t)
  const app = await build(t, { envOverrides: { ...redisEnv(prefix), HISTORY_MAX_EVENTS: 5 } })
  const id = newConversationId()
  for (let i = 0; i < 8; i++) {
    const res = await postEvent(app, messagingEvent(id, 0.9, { text: `m${i}` }))
    t.equal(res.statusCode, 200)
  }
  t.same((await history(app, id)).map(e => e.text), ['m3', 'm4', 'm5', 'm6', 'm7'])
  const redis = rawClient(t)
  t.equal(await redis.llen(`${prefix}conv:{${id}}:history`), 5)
})

t.test('every key carries an expiry: history, turns, decisions, finished handoff, message marker, index, session', async t => {
  const prefix = uniquePrefix(t)
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { ...redisEnv(prefix), HISTORY_TTL_SECONDS: 600, MESSAGE_DEDUPE_TTL_SECONDS: 120 }
  })
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.9, { messageId: 'msg-1' }))).statusCode, 200)
  const handoff = await postEvent(app, messagingEvent(id, 0.1, { messageId: 'msg-2' }))
  t.equal(handoff.json().status, 'handoff_initiated', handoff.body)
  t.equal(routingCalls(sim).length, 1)
  const login = await app.inject({ method: 'POST', url: '/operator/session', payload: { token: ADMIN_TOKEN } })
  t.equal(login.statusCode, 204, login.body)

  const redis = rawClient(t)
  const keys = await keysUnder(redis, prefix)
  const base = `${prefix}conv:{${id}}`
  t.same(keys.filter(k => !k.startsWith(`${prefix}session:`)),
    [`${base}:decisions`, `${base}:handoff`, `${base}:history`, `${base}:msg:msg-1`, `${base}:msg:msg-2`, `${base}:turns`,
      `${prefix}{index}:recent`, `${prefix}{index}:state:done`])
  t.equal(keys.filter(k => k.startsWith(`${prefix}session:`)).length, 1, 'one session key')
  for (const key of keys) {
    const pttl = await redis.pttl(key)
    t.ok(pttl > 0, `${key} expires (pttl ${pttl})`)
  }
  t.ok(await redis.pttl(`${base}:history`) <= 600_000)
  t.ok(await redis.pttl(`${base}:handoff`) <= 600_000)
  t.ok(await redis.pttl(`${base}:decisions`) <= 600_000)
  t.ok(await redis.pttl(`${base}:turns`) <= 600_000)
  t.ok(await redis.pttl(`${base}:msg:msg-1`) <= 120_000)
  t.ok(await redis.pttl(`${prefix}{index}:recent`) <= 600_000, 'the index expires like the conversations')
  const session = keys.find(k => k.startsWith(`${prefix}session:`)) ?? ''
  t.ok(await redis.pttl(session) <= 8 * 3600_000, 'session lives as long as its cookie')
})

t.test('history expires after HISTORY_TTL_SECONDS of inactivity', async t => {
  const prefix = uniquePrefix(t)
  const app = await build(t, { envOverrides: { ...redisEnv(prefix), HISTORY_TTL_SECONDS: 1 } })
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.9))).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: `/conversations/${id}`, headers: auth })).statusCode, 200)
  await new Promise(resolve => setTimeout(resolve, 1300))
  t.equal((await app.inject({ method: 'GET', url: `/conversations/${id}`, headers: auth })).statusCode, 404)
})

t.test('the same messageId delivered twice, to either instance, is recorded once and answered both times', async t => {
  const prefix = uniquePrefix(t)
  const a = await build(t, { envOverrides: redisEnv(prefix) })
  const b = await build(t, { envOverrides: redisEnv(prefix) })
  const id = newConversationId()
  const first = await postEvent(a, messagingEvent(id, 0.9, { messageId: 'm-1', text: 'first' }))
  const again = await postEvent(b, messagingEvent(id, 0.9, { messageId: 'm-1', text: 'first' }))
  const other = await postEvent(b, messagingEvent(id, 0.9, { messageId: 'm-2', text: 'second' }))
  t.equal(first.statusCode, 200)
  t.equal(first.json().status, 'bot_continuing')
  t.notOk(first.json().duplicate)
  t.equal(again.statusCode, 200)
  t.equal(again.json().status, 'bot_continuing')
  t.equal(again.json().duplicate, true)
  t.notOk(other.json().duplicate)
  t.same((await history(a, id)).map(e => [e.text, e.messageId]), [['first', 'm-1'], ['second', 'm-2']])
})

t.test('concurrent redeliveries of one messageId record it exactly once', async t => {
  const prefix = uniquePrefix(t)
  const a = await build(t, { envOverrides: redisEnv(prefix) })
  const b = await build(t, { envOverrides: redisEnv(prefix) })
  const id = newConversationId()
  const answers = await Promise.all(Array.from({ length: 10 }, async (_, i) =>
    await postEvent(i % 2 === 0 ? a : b, messagingEvent(id, 0.9, { messageId: 'same' }))))
  t.same(answers.map(r => r.statusCode), Array(10).fill(200))
  t.equal(answers.filter(r => r.json().duplicate === true).length, 9)
  t.equal((await history(a, id)).length, 1)
})

t.test('bad messageId is a 400', async t => {
  const prefix = uniquePrefix(t)
  const app = await build(t, { envOverrides: redisEnv(prefix) })
  for (const messageId of ['', 42, 'x'.repeat(201)]) {
    const res = await postEvent(app, messagingEvent(newConversationId(), 0.9, { messageId }))
    t.equal(res.statusCode, 400, `messageId ${JSON.stringify(messageId).slice(0, 20)}`)
  }
})

t.test('operator sessions live on Redis and work from either instance', async t => {
  const prefix = uniquePrefix(t)
  const a = await build(t, { envOverrides: redisEnv(prefix) })
  const b = await build(t, { envOverrides: redisEnv(prefix) })
  const id = newConversationId()
  await postEvent(a, messagingEvent(id, 0.9))
  const login = await a.inject({ method: 'POST', url: '/operator/session', payload: { token: ADMIN_TOKEN } })
  t.equal(login.statusCode, 204)
  const cookie = login.cookies.find(c => c.name === 'handoff.sid')
  t.ok(cookie, 'session cookie set')
  const headers = { cookie: `handoff.sid=${cookie?.value ?? ''}` }
  t.equal((await b.inject({ method: 'GET', url: `/conversations/${id}`, headers })).statusCode, 200, 'session opened on a, used on b')
  t.equal((await b.inject({ method: 'DELETE', url: '/operator/session', headers })).statusCode, 204)
  t.equal((await a.inject({ method: 'GET', url: `/conversations/${id}`, headers })).statusCode, 401, 'destroyed everywhere')
})

t.test('session store get/set/destroy', async t => {
  const prefix = uniquePrefix(t)
  const store = new RedisHistoryStore({
    target: { kind: 'single', url: SHARED_REDIS_URL }, keyPrefix: prefix, commandTimeoutMs: 1000, connectTimeoutMs: 1000, maxEvents: 10, ttlSeconds: 60, maxConversations: 10
  })
  t.teardown(async () => { await store.close() })
  t.equal(await store.connect(), true)
  const call = async <T>(fn: (cb: (err: unknown, value?: T) => void) => void): Promise<T | undefined> =>
    await new Promise((resolve, reject) => { fn((err, value) => { if (err != null) reject(err); else resolve(value) }) })
  const session = { operator: true, cookie: { originalMaxAge: 5000, expires: new Date(Date.now() + 5000) } }
  await call(cb => { store.sessions.set('s1', session as never, cb) })
  const loaded = await call<{ operator: boolean, cookie: { expires: string } }>(cb => { store.sessions.get('s1', cb as never) })
  t.equal(loaded?.operator, true)
  t.equal(new Date(loaded?.cookie.expires ?? 0).getTime(), session.cookie.expires.getTime())
  const pttl = await store.client.pttl('session:s1')
  t.ok(pttl > 0 && pttl <= 5000, `ttl follows the cookie (${pttl})`)
  await call(cb => { store.sessions.destroy('s1', cb) })
  t.equal(await call(cb => { store.sessions.get('s1', cb as never) }), null)
  // A cookie already past its expiry is not stored.
  await call(cb => { store.sessions.set('s2', { cookie: { expires: new Date(Date.now() - 1000) } } as never, cb) })
  t.equal(await store.client.exists('session:s2'), 0)
})

t.test('REDIS_URL must be a redis:// URL; the error does not echo a password', async t => {
  await t.rejects(build(t, { envOverrides: { REDIS_URL: 'http://user:hunter2@127.0.0.1:6379' } }), /REDIS_URL must use redis:\/\//)
  await build(t, { envOverrides: { REDIS_URL: 'not a url :hunter2' } }).then(
    () => t.fail('should reject'),
    (err: Error) => { t.match(err.message, /REDIS_URL is not a valid URL/); t.notMatch(err.message, /hunter2/) })
})

t.test('waitReplicas on a Redis without replicas: no append is acknowledged (503), with one warning', async t => {
  const log = captureLog('info')
  const store = new RedisHistoryStore({
    target: { kind: 'single', url: SHARED_REDIS_URL }, keyPrefix: uniquePrefix(t), commandTimeoutMs: 1000, connectTimeoutMs: 1000, maxEvents: 10, ttlSeconds: 60, maxConversations: 10, waitReplicas: 1, log: log.logger
  })
  t.teardown(async () => { await store.close() })
  t.equal(await store.connect(), true)
  for (const text of ['one', 'one']) {
    const err = await store.append('w', { event: 'message', intent: { intent: 'x', confidence: 0.9 }, text, timestamp: new Date().toISOString(), messageId: 'w-1' }).catch((e: unknown) => e)
    t.ok(err instanceof StoreUnavailableError, 'refused as unavailable (503 + Retry-After)')
    t.match((err as Error).message, /replicas did not confirm the write in time \(0 of 1\)/)
  }
  t.equal(log.lines.filter(l => /replicas did not confirm/.test(String(l.msg))).length, 1, 'warned once, not per event')
})

t.test('a claim released with a hold stays pending until the hold ends', async t => {
  const prefix = uniquePrefix(t)
  const store = new RedisHistoryStore({ target: { kind: 'single', url: SHARED_REDIS_URL }, keyPrefix: prefix, commandTimeoutMs: 1000, connectTimeoutMs: 1000, maxEvents: 10, ttlSeconds: 60, maxConversations: 10 })
  t.teardown(async () => { await store.close() })
  t.equal(await store.connect(), true)
  const claim = await store.claimHandoff('a', 60_000)
  await store.releaseHandoff('a', 'not-the-owner', 300)
  const redis = rawClient(t)
  t.ok(await redis.pttl(`${prefix}conv:{a}:handoff`) > 1000, 'only the owner sets a hold')
  await store.releaseHandoff('a', claim.claimId ?? '', 300)
  const pttl = await redis.pttl(`${prefix}conv:{a}:handoff`)
  t.ok(pttl > 0 && pttl <= 300, `held for the hold only (pttl ${pttl})`)
  t.equal((await store.claimHandoff('a', 1000)).acquired, false, 'held')
  await eventually(async () => (await store.claimHandoff('a', 1000)).acquired, 5000, 'the hold to end')
})
