import t from 'tap'
import { MemoryHistoryStore } from '../src/store/memory.js'
import type { HistoryEntry } from '../src/store/types.js'

function store (maxEvents = 50): MemoryHistoryStore {
  return new MemoryHistoryStore({ maxEvents, ttlSeconds: 3600, maxConversations: 100 })
}

function entry (text: string, confidence = 0.5, at = 0): HistoryEntry {
  return { event: 'message', intent: { intent: 'billing_question', confidence }, text, timestamp: new Date(at).toISOString() }
}

t.test('history comes back exactly as appended, whatever the text holds', async t => {
  const s = store()
  const entries = [
    entry('plain'),
    entry('quotes " and \\ backslashes, commas, ] brackets [', 0.125, 1),
    entry('line\nbreaks\tand\u0000control', 1, 2),
    entry('unicode: é ñ 中文 🙂', 0, 3),
    entry('', 0.75, 4),
    { event: 'custom.event', intent: { intent: 'unknown', confidence: 0 }, text: 'x'.repeat(4000), timestamp: '2026-01-02T03:04:05.678Z' }
  ]
  for (const e of entries) await s.append('c1', e)
  const snapshot = await s.get('c1')
  t.same(snapshot, { conversationId: 'c1', history: entries, handoff: { state: 'none' }, turns: entries.length, decisions: [] })
})

t.test('only the newest maxEvents are kept, oldest first', async t => {
  const s = store(3)
  for (let i = 0; i < 5; i++) {
    const appended = await s.append('c1', entry(`m${i}`, 0.5, i))
    t.equal(appended.events, Math.min(i + 1, 3))
  }
  const snapshot = await s.get('c1')
  t.same(snapshot?.history.map(h => h.text), ['m2', 'm3', 'm4'])
})

t.test('handoff records handed out are copies', async t => {
  const s = store()
  const appended = await s.append('c1', entry('a'))
  appended.handoff.state = 'done'
  const snapshot = await s.get('c1')
  t.equal(snapshot?.handoff.state, 'none')
  t.notOk(Object.isFrozen(snapshot?.handoff), 'callers may change their copy')

  const claim = await s.claimHandoff('c1', 60_000)
  t.equal(claim.acquired, true)
  await s.releaseHandoff('c1', claim.claimId ?? '')
  const released = await s.get('c1')
  t.same(released?.handoff, { state: 'none' })
  released!.handoff.state = 'pending'
  t.same((await s.get('c1'))?.handoff, { state: 'none' }, 'a released record is not changed through a copy')
})

t.test('a conversation first seen by a claim has an empty history', async t => {
  const s = store()
  const claim = await s.claimHandoff('c2', 60_000)
  t.equal(claim.acquired, true)
  await s.completeHandoff('c2', claim.claimId ?? '', { strategy: 'x' })
  const snapshot = await s.get('c2')
  t.same(snapshot?.history, [])
  t.equal(snapshot?.handoff.state, 'done')
})
