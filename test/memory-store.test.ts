import t from 'tap'
import { MemoryHistoryStore } from '../src/store/memory.js'
import type { HistoryEntry } from '../src/store/types.js'

function entry (text: string): HistoryEntry {
  return { event: 'message', intent: { intent: 'x', confidence: 0.9 }, text, timestamp: new Date(0).toISOString() }
}

function clock (): { now: () => number, advance: (ms: number) => void } {
  let now = 1_000_000
  return { now: () => now, advance: (ms) => { now += ms } }
}

t.test('entries expire HISTORY_TTL_SECONDS after the last activity', async t => {
  const c = clock()
  const store = new MemoryHistoryStore({ maxEvents: 10, ttlSeconds: 60, maxConversations: 100, now: c.now })
  await store.append('a', entry('1'))
  c.advance(50_000)
  await store.append('a', entry('2'))
  c.advance(50_000)
  t.equal((await store.get('a'))?.history.length, 2, 'activity refreshed the TTL')
  c.advance(11_000)
  t.equal(await store.get('a'), null, 'gone after 60 s without activity')
})

t.test('the number of conversations is capped, least recently used dropped first', async t => {
  const store = new MemoryHistoryStore({ maxEvents: 10, ttlSeconds: 60, maxConversations: 3 })
  for (const id of ['a', 'b', 'c']) await store.append(id, entry(id))
  await store.append('a', entry('again'))
  await store.append('d', entry('d'))
  t.equal(store.size, 3)
  t.equal(await store.get('b'), null, 'the least recently used went')
  t.ok(await store.get('a'))
  t.ok(await store.get('d'))
})

t.test('handoff claims: once-only, released on failure, lapse when abandoned', async t => {
  const c = clock()
  const store = new MemoryHistoryStore({ maxEvents: 10, ttlSeconds: 600, maxConversations: 10, now: c.now })
  const first = await store.claimHandoff('a', 1000)
  t.equal(first.acquired, true)
  t.equal(first.handoff.state, 'pending')
  const second = await store.claimHandoff('a', 1000)
  t.equal(second.acquired, false)
  t.equal(second.handoff.state, 'pending')

  await store.releaseHandoff('a', 'not-the-owner')
  t.equal((await store.claimHandoff('a', 1000)).acquired, false, 'only the owner releases')
  await store.releaseHandoff('a', first.claimId ?? '')
  const third = await store.claimHandoff('a', 1000)
  t.equal(third.acquired, true, 'released claim can be taken again')

  c.advance(1001)
  const fourth = await store.claimHandoff('a', 1000)
  t.equal(fourth.acquired, true, 'an abandoned claim lapses')
  await store.completeHandoff('a', third.claimId ?? '', { late: true })
  t.equal((await store.get('a'))?.handoff.state, 'pending', 'a lapsed owner cannot complete')
  await store.completeHandoff('a', fourth.claimId ?? '', { queueId: 'q' })
  const done = await store.get('a')
  t.equal(done?.handoff.state, 'done')
  t.same(done?.handoff.details, { queueId: 'q' })
  t.equal((await store.claimHandoff('a', 1000)).acquired, false, 'done is final')
  t.equal((await store.append('a', entry('x'))).handoff.state, 'done', 'append reports the handoff state')
})

t.test('session store: express-session interface with expiry', async t => {
  const c = clock()
  const store = new MemoryHistoryStore({ maxEvents: 10, ttlSeconds: 600, maxConversations: 10, now: c.now })
  const session = { cookie: { originalMaxAge: 1000 }, operator: true } as never
  await new Promise<void>((resolve, reject) => { store.sessions.set('s1', session, (err) => { err === undefined || err === null ? resolve() : reject(err) }) })
  const got = await new Promise((resolve) => { store.sessions.get('s1', (_err, s) => { resolve(s) }) })
  t.same(got, session)
  await new Promise<void>((resolve) => { store.sessions.destroy('s1', () => { resolve() }) })
  const gone = await new Promise((resolve) => { store.sessions.get('s1', (_err, s) => { resolve(s) }) })
  t.equal(gone, null)
})

t.test('a claim released with a hold stays pending until the hold ends', async t => {
  const c = clock()
  const store = new MemoryHistoryStore({ maxEvents: 10, ttlSeconds: 600, maxConversations: 10, now: c.now })
  const claim = await store.claimHandoff('a', 60_000)
  await store.releaseHandoff('a', claim.claimId ?? '', 5000)
  c.advance(4999)
  t.equal((await store.claimHandoff('a', 1000)).acquired, false, 'held')
  t.equal((await store.get('a'))?.handoff.state, 'pending')
  c.advance(1)
  t.equal((await store.claimHandoff('a', 1000)).acquired, true, 'free once the hold ends, well before the claim ttl')
})
