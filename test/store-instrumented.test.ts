// The instrumented store publishes every failed operation by name and hands the caller the store's own answer
// or error; methods replaced on it, or added to the store after it was made, are counted too.
import t from 'tap'
import { instrumentStore } from '../src/store/instrumented.js'
import { MemoryHistoryStore } from '../src/store/memory.js'
import { Telemetry } from '../src/telemetry.js'
import type { HistoryStore } from '../src/store/types.js'

function instrumented (): { raw: MemoryHistoryStore, store: HistoryStore, failed: string[] } {
  const telemetry = new Telemetry()
  const failed: string[] = []
  telemetry.subscribe('storeError', ({ operation }) => { failed.push(operation) })
  const raw = new MemoryHistoryStore({ maxEvents: 5, ttlSeconds: 600, maxConversations: 10 })
  return { raw, store: instrumentStore(raw, telemetry), failed }
}

const entry = { event: 'message', intent: { intent: 'x', confidence: 0.9 }, text: 'hi', timestamp: new Date(0).toISOString() }

t.test('answers pass through and count nothing', async t => {
  const { store, failed } = instrumented()
  t.equal((await store.append('c', entry)).events, 1)
  t.equal((await store.get('c'))?.history.length, 1)
  t.equal(store.constructor.name, 'MemoryHistoryStore')
  t.same(failed, [])
})

t.test('a rejected operation is published by name and its error reaches the caller', async t => {
  const { raw, store, failed } = instrumented()
  const error = new Error('store down')
  raw.append = async () => { throw error }
  await t.rejects(store.append('c', entry), error)
  t.same(failed, ['append'])
})

t.test('a method that throws before it returns a promise: published, and the caller still gets a rejection', async t => {
  const { raw, store, failed } = instrumented()
  const error = new Error('thrown at once')
  raw.get = () => { throw error }
  const answer = store.get('c')
  t.type(answer, Promise)
  await t.rejects(answer, error)
  t.same(failed, ['get'])
})

t.test('methods replaced on the instrumented store, or added to the store later, are counted', async t => {
  const { raw, store, failed } = instrumented()
  store.ping = async () => { throw new Error('down') }
  await t.rejects(store.ping())
  const added = raw as unknown as { flush: () => Promise<void> }
  added.flush = async () => { throw new Error('no') }
  await t.rejects((store as unknown as typeof added).flush())
  t.same(failed, ['ping', 'flush'])
})

t.test('every call is counted, not only the first', async t => {
  const { raw, store, failed } = instrumented()
  raw.recordDecision = async () => { throw new Error('full') }
  for (let i = 0; i < 3; i++) await t.rejects(store.recordDecision('c', {} as never))
  t.same(failed, ['recordDecision', 'recordDecision', 'recordDecision'])
})
