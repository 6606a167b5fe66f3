// Listing recent conversations (newest first, paged, filtered by handoff state) and keeping failed attempts:
// the same behaviour asserted on the embedded store and on the real Redis.
import t from 'tap'
import { MemoryHistoryStore } from '../src/store/memory.js'
import { RedisHistoryStore } from '../src/store/redis.js'
import { MAX_FAILURES, type HistoryEntry, type HistoryLimits, type HistoryStore } from '../src/store/types.js'
import { keysUnder, rawClient, SHARED_REDIS_URL, uniquePrefix } from './redis-helper.js'

interface Teardown { teardown: (fn: () => unknown) => void }
interface Clock { now: () => number, advance: (ms: number) => void }

function clock (): Clock {
  let now = Date.UTC(2026, 10, 25, 12)
  return { now: () => now, advance: (ms) => { now += ms } }
}

function entry (text: string, confidence = 0.9, intent = 'order_status'): HistoryEntry {
  return { event: 'message', intent: { intent, confidence }, text, timestamp: new Date(0).toISOString() }
}

type Kind = 'memory' | 'redis'
interface Made { store: HistoryStore, prefix?: string }

async function makeStore (t: Teardown, kind: Kind, c: Clock, limits: Partial<HistoryLimits> = {}): Promise<Made> {
  const all: HistoryLimits = { maxEvents: 10, ttlSeconds: 3600, maxConversations: 10_000, ...limits }
  if (kind === 'memory') return { store: new MemoryHistoryStore({ ...all, now: c.now }) }
  const prefix = uniquePrefix(t)
  const store = new RedisHistoryStore({ ...all, target: { kind: 'single', url: SHARED_REDIS_URL }, keyPrefix: prefix, commandTimeoutMs: 2000, connectTimeoutMs: 2000, now: c.now })
  t.teardown(async () => { await store.close() })
  if (!await store.connect()) throw new Error('Redis is not reachable on ' + SHARED_REDIS_URL)
  return { store, prefix }
}

const ids = async (store: HistoryStore, query: Parameters<HistoryStore['listRecent']>[0]): Promise<string[]> =>
  (await store.listRecent(query)).items.map(i => i.conversationId)

for (const kind of ['memory', 'redis'] as const) {
  t.test(`${kind}: newest activity first; an append moves a conversation to the top; reads do not`, async t => {
    const c = clock()
    const { store } = await makeStore(t, kind, c)
    for (const id of ['a', 'b', 'c']) {
      await store.append(id, entry(id))
      c.advance(1000)
    }
    t.same(await ids(store, { offset: 0, limit: 10 }), ['c', 'b', 'a'])
    await store.get('a')
    t.same(await ids(store, { offset: 0, limit: 10 }), ['c', 'b', 'a'], 'a read is not activity')
    await store.append('a', entry('again', 0.42, 'billing'))
    const page = await store.listRecent({ offset: 0, limit: 10 })
    t.same(page.items.map(i => i.conversationId), ['a', 'c', 'b'])
    t.equal(page.total, 3)
    const a = page.items[0]
    t.equal(a?.events, 2)
    t.same(a?.last?.intent, { intent: 'billing', confidence: 0.42 })
    t.equal(a?.last?.text, 'again')
    t.equal(a?.lastActivity, new Date(c.now()).toISOString())
    t.same(a?.handoff, { state: 'none' })
    t.equal(a?.failures, 0)
  })

  t.test(`${kind}: filtered by handoff state as it moves none → pending → done, and back to none on release`, async t => {
    const c = clock()
    const { store } = await makeStore(t, kind, c)
    for (const id of ['a', 'b', 'c']) {
      await store.append(id, entry(id))
      c.advance(10)
    }
    const claimA = await store.claimHandoff('a', 60_000)
    const claimB = await store.claimHandoff('b', 60_000)
    t.same(await ids(store, { state: 'pending', offset: 0, limit: 10 }), ['b', 'a'])
    t.same(await ids(store, { state: 'none', offset: 0, limit: 10 }), ['c'])
    c.advance(250)
    await store.completeHandoff('a', claimA.claimId ?? '', { strategy: 'platform-api', skillIds: [] })
    await store.releaseHandoff('b', claimB.claimId ?? '')
    const done = await store.listRecent({ state: 'done', offset: 0, limit: 10 })
    t.same(done.items.map(i => i.conversationId), ['a'])
    t.equal(done.total, 1)
    const handoff = done.items[0]?.handoff
    t.equal(handoff?.state, 'done')
    t.equal(Date.parse(handoff?.at ?? '') - Date.parse(handoff?.claimedAt ?? ''), 250, 'the claim start is kept: the handoff took 250 ms')
    t.same(handoff?.details, { strategy: 'platform-api', skillIds: [] }, 'details as given (empty arrays stay arrays)')
    t.same(await ids(store, { state: 'none', offset: 0, limit: 10 }), ['b', 'c'], 'released: back without a handoff, as recent activity')
    t.same(await ids(store, { state: 'pending', offset: 0, limit: 10 }), [])
    t.same(await ids(store, { offset: 0, limit: 10 }), ['b', 'a', 'c'])
  })

  t.test(`${kind}: failed attempts are kept, counted and bounded`, async t => {
    const c = clock()
    const { store } = await makeStore(t, kind, c)
    await store.append('a', entry('hi', 0.1))
    for (let i = 0; i < MAX_FAILURES + 3; i++) {
      await store.recordFailure('a', { at: new Date(c.now() + i).toISOString(), code: 'GENESYS_UNAVAILABLE', message: `attempt ${i}`, retries: i })
    }
    const snapshot = await store.get('a')
    t.equal(snapshot?.failures?.length, MAX_FAILURES)
    t.equal(snapshot?.failures?.[0]?.message, 'attempt 3', 'the oldest went')
    t.same(snapshot?.failures?.at(-1), { at: new Date(c.now() + MAX_FAILURES + 2).toISOString(), code: 'GENESYS_UNAVAILABLE', message: `attempt ${MAX_FAILURES + 2}`, retries: MAX_FAILURES + 2 })
    t.equal((await store.listRecent({ offset: 0, limit: 1 })).items[0]?.failures, MAX_FAILURES)
    await store.append('b', entry('fine'))
    t.equal((await store.get('b'))?.failures, undefined, 'none recorded, none shown')
  })

  t.test(`${kind}: bounded by the conversation cap and by the TTL`, async t => {
    const c = clock()
    const { store } = await makeStore(t, kind, c, { maxConversations: 3, ttlSeconds: 60 })
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      await store.append(id, entry(id))
      c.advance(1000)
    }
    const page = await store.listRecent({ offset: 0, limit: 10 })
    t.same(page.items.map(i => i.conversationId), ['e', 'd', 'c'])
    t.equal(page.total, 3)
    c.advance(58_500)
    await store.append('f', entry('f'))
    t.same(await ids(store, { offset: 0, limit: 10 }), ['f', 'e'], 'c and d idle for more than 60 s: gone from the list')
  })

  t.test(`${kind}: paging through 3000 conversations, every one exactly once, newest first`, async t => {
    const c = clock()
    const { store } = await makeStore(t, kind, c)
    const n = 3000
    const all = Array.from({ length: n }, (_, i) => `conv-${String(i).padStart(4, '0')}`)
    for (let i = 0; i < n; i += 200) {
      // Each batch a millisecond apart, so the expected order is known; within a batch, the same time.
      await Promise.all(all.slice(i, i + 200).map(async (id, j) => {
        await store.append(id, entry(id, j % 2 === 0 ? 0.9 : 0.3))
      }))
      c.advance(1)
    }
    for (const id of all.slice(0, 100)) {
      const claim = await store.claimHandoff(id, 60_000)
      await store.completeHandoff(id, claim.claimId ?? '', { strategy: 'platform-api' })
    }
    const seen: string[] = []
    let pages = 0
    for (let offset = 0; ; offset += 50) {
      const page = await store.listRecent({ offset, limit: 50 })
      t.equal(page.total, n)
      if (page.items.length === 0) break
      pages++
      seen.push(...page.items.map(i => i.conversationId))
    }
    t.equal(pages, n / 50)
    t.equal(new Set(seen).size, n, 'no conversation twice, none missing')
    t.same(seen.slice(0, 100).sort(), all.slice(0, 100), 'the 100 handed off most recently are on top')
    t.same(seen.slice(100, 300).sort(), all.slice(2800, 3000), 'then the newest batch')
    t.same(seen.slice(-100).sort(), all.slice(100, 200), 'the untouched rest of the oldest batch last')
    const done = await store.listRecent({ state: 'done', offset: 60, limit: 50 })
    t.equal(done.total, 100)
    t.equal(done.items.length, 40)
    t.ok(done.items.every(i => i.handoff.state === 'done'))
    const none = await store.listRecent({ state: 'none', offset: 2850, limit: 100 })
    t.equal(none.total, 2900)
    t.equal(none.items.length, 50)
  })
}

t.test('memory: a claim that lapsed is listed without a handoff', async t => {
  const c = clock()
  const { store } = await makeStore(t, 'memory', c)
  await store.append('a', entry('a'))
  await store.claimHandoff('a', 1000)
  t.same(await ids(store, { state: 'pending', offset: 0, limit: 10 }), ['a'])
  c.advance(1001)
  t.same(await ids(store, { state: 'pending', offset: 0, limit: 10 }), [])
  t.same(await ids(store, { state: 'none', offset: 0, limit: 10 }), ['a'])
})

t.test('redis: the index is a view; a listing re-files what has changed under it and forgets what expired', async t => {
  const c = clock()
  const { store, prefix } = await makeStore(t, 'redis', c)
  await store.append('a', entry('a'))
  await store.append('b', entry('b'))
  await store.claimHandoff('a', 60_000)
  const redis = rawClient(t)
  // The claim lapses (its key expires) and b's keys expire, without the store seeing either.
  await redis.del(`${prefix}conv:{a}:handoff`, `${prefix}conv:{b}:history`)
  const pending = await store.listRecent({ state: 'pending', offset: 0, limit: 10 })
  t.same(pending.items, [])
  t.equal(pending.total, 0)
  t.equal(await redis.zscore(`${prefix}{index}:state:none`, 'a') !== null, true, 'a re-filed without a handoff')
  t.same(await ids(store, { state: 'none', offset: 0, limit: 10 }), ['a'])
  t.equal(await redis.zscore(`${prefix}{index}:recent`, 'b'), null, 'b forgotten')
  t.same(await ids(store, { offset: 0, limit: 10 }), ['a'])
})

t.test('redis: index keys share one hash tag and expire; conversation keys keep theirs', async t => {
  const c = clock()
  const { store, prefix } = await makeStore(t, 'redis', c, { ttlSeconds: 600 })
  await store.append('a', entry('a'))
  const claim = await store.claimHandoff('a', 60_000)
  await store.recordFailure('a', { at: new Date(c.now()).toISOString(), code: 'GENESYS_UNAVAILABLE', message: 'x', retries: 1 })
  await store.releaseHandoff('a', claim.claimId ?? '')
  const redis = rawClient(t)
  const keys = await keysUnder(redis, prefix ?? '')
  t.same(keys, [`${prefix}conv:{a}:failures`, `${prefix}conv:{a}:history`, `${prefix}conv:{a}:turns`, `${prefix}{index}:recent`, `${prefix}{index}:state:none`])
  for (const key of keys) {
    const ttl = await redis.ttl(key)
    t.ok(ttl > 0 && ttl <= 600, `${key} expires (${ttl} s)`)
  }
})

t.test('redis: a failing index never fails the conversation operation', async t => {
  const c = clock()
  const { store, prefix } = await makeStore(t, 'redis', c)
  const redis = rawClient(t)
  // A key of the wrong type makes every index update fail with WRONGTYPE.
  await redis.set(`${prefix}{index}:recent`, 'not a sorted set')
  const appended = await store.append('a', entry('a'))
  t.equal(appended.events, 1)
  const claim = await store.claimHandoff('a', 60_000)
  t.equal(claim.acquired, true)
  await store.completeHandoff('a', claim.claimId ?? '', {})
  t.equal((await store.get('a'))?.handoff.state, 'done')
})
