// messageId dedupe on the embedded store (the Redis store has the same tests in redis-store.test.ts).
import t from 'tap'
import { build, buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls, ROUTING_METADATA } from './helper.js'
import { MemoryHistoryStore } from '../src/store/memory.js'

t.test('the same messageId twice is recorded once and answered both times', async t => {
  const app = await build(t)
  const id = newConversationId()
  const first = await postEvent(app, messagingEvent(id, 0.9, { messageId: 'm-1' }))
  const again = await postEvent(app, messagingEvent(id, 0.9, { messageId: 'm-1' }))
  await postEvent(app, messagingEvent(id, 0.9, { messageId: 'm-2' }))
  await postEvent(app, messagingEvent(id, 0.9))
  t.equal(first.statusCode, 200)
  t.notOk(first.json().duplicate)
  t.equal(again.statusCode, 200)
  t.equal(again.json().status, 'bot_continuing')
  t.equal(again.json().duplicate, true)
  t.same((await app.historyStore.get(id))?.history.map(e => e.messageId), ['m-1', 'm-2', undefined])
})

t.test('a redelivery after a failed handoff hands off, still recorded once', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: ROUTING_METADATA })
  sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations/messaging/', status: 400 })
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.2, { messageId: 'm-1' }))).statusCode, 502)
  const again = await postEvent(app, messagingEvent(id, 0.2, { messageId: 'm-1' }))
  t.equal(again.statusCode, 200, again.body)
  t.equal(again.json().status, 'handoff_initiated')
  t.equal(again.json().duplicate, true)
  t.equal((await app.historyStore.get(id))?.history.length, 1)
  t.equal(routingCalls(sim).length, 2)
})

t.test('a messageId is forgotten after the dedupe window', async t => {
  let now = 1_000_000
  const store = new MemoryHistoryStore({ maxEvents: 10, ttlSeconds: 3600, maxConversations: 10, dedupeTtlSeconds: 60, now: () => now })
  const entry = { event: 'message', intent: { intent: 'x', confidence: 1 }, text: '', timestamp: '', messageId: 'm' }
  t.equal((await store.append('c', entry)).duplicate, false)
  now += 59_000
  t.equal((await store.append('c', entry)).duplicate, true)
  now += 2_000
  t.equal((await store.append('c', entry)).duplicate, false)
  t.equal((await store.get('c'))?.history.length, 2)
})
