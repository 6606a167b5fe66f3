// Evicting a conversation's history (by count or by bytes) must never forget its handoff claim or its
// finished-handoff record: a later event would start a second transfer.
import t from 'tap'
import { MemoryHistoryStore } from '../src/store/memory.js'
import { StoreUnavailableError } from '../src/errors.js'
import { ROUTING_METADATA, buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls } from './helper.js'
import type { HistoryEntry } from '../src/store/types.js'

function entry (text: string): HistoryEntry {
  return { event: 'message', intent: { intent: 'x', confidence: 0.9 }, text, timestamp: new Date(0).toISOString() }
}

for (const [name, env, filler] of [
  ['the conversation cap', { HISTORY_MAX_CONVERSATIONS: '3' }, (id: string) => messagingEvent(id, 0.95)],
  ['the byte bound', { HISTORY_MAX_BYTES: String(1024 * 1024) }, (id: string) => messagingEvent(id, 0.95, { text: '\u0001'.repeat(4000) })]
] as const) {
  t.test(`a handed-off conversation evicted by ${name} is not handed off again`, async t => {
    const { app, sim } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, ...env } })
    const x = newConversationId()
    t.equal((await postEvent(app, messagingEvent(x, 0.1))).json().status, 'handoff_initiated')
    t.equal(routingCalls(sim).length, 1)
    // Other conversations push x's history out.
    const statuses = new Set<number>()
    for (let i = 0; i < 60; i++) statuses.add((await postEvent(app, filler(newConversationId()))).statusCode)
    t.same([...statuses], [200])
    t.same((await app.historyStore.get(x))?.history, [], "x's history is gone")
    const again = await postEvent(app, messagingEvent(x, 0.1))
    t.equal(again.statusCode, 200)
    t.equal(again.json().status, 'handed_off', 'answered from the finished-handoff record')
    t.equal(routingCalls(sim).length, 1, 'no second transfer')
  })
}

t.test('store: a pending claim and a done record outlive the eviction of their history', async t => {
  const store = new MemoryHistoryStore({ maxEvents: 10, ttlSeconds: 600, maxConversations: 2 })
  const pending = await store.claimHandoff('p', 60_000)
  const done = await store.claimHandoff('d', 60_000)
  await store.completeHandoff('d', done.claimId ?? '', { queueId: 'q' })
  for (const id of ['a', 'b', 'c', 'e']) await store.append(id, entry(id))
  t.equal(pending.acquired, true)
  t.equal((await store.claimHandoff('p', 60_000)).acquired, false, 'the pending claim still holds')
  const again = await store.claimHandoff('d', 60_000)
  t.equal(again.acquired, false, 'done is still final')
  t.equal(again.handoff.state, 'done')
  t.same(again.handoff.details, { queueId: 'q' })
  t.equal((await store.append('d', entry('later'))).handoff.state, 'done', 'an append sees it too')
  t.equal((await store.get('d'))?.handoff.state, 'done', 'and a read')
})

t.test('store: when the handoff table is full, a new claim is refused (503) rather than an old one evicted', async t => {
  const store = new MemoryHistoryStore({ maxEvents: 10, ttlSeconds: 600, maxConversations: 3 })
  for (const id of ['a', 'b', 'c']) await store.claimHandoff(id, 60_000)
  await t.rejects(store.claimHandoff('d', 60_000), StoreUnavailableError)
  for (const id of ['a', 'b', 'c']) t.equal((await store.claimHandoff(id, 60_000)).acquired, false, `${id} still claimed`)
})

t.test('store: lapsed claims and expired done records free their room', async t => {
  let now = 1_000_000
  const store = new MemoryHistoryStore({ maxEvents: 10, ttlSeconds: 60, maxConversations: 2, now: () => now })
  await store.claimHandoff('a', 1000)
  const b = await store.claimHandoff('b', 120_000)
  await store.completeHandoff('b', b.claimId ?? '', {})
  now += 1001
  t.equal((await store.claimHandoff('c', 1000)).acquired, true, "a's lapsed claim made room")
  now += 60_001
  t.equal((await store.claimHandoff('d', 1000)).acquired, true, "b's done record expired with the TTL")
})
