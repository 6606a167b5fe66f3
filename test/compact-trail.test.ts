// The embedded store counts its audit trail's bytes a line at a time (measuring the whole trail again only after
// a trim): the count must stay what measuring the whole trail gives, through growth and trims.
import t from 'tap'
import { appendToTrail } from '../src/store/compact.js'
import { trailBytes } from '../src/store/memory-size.js'
import { MemoryHistoryStore } from '../src/store/memory.js'
import { RULES, type DecisionRecord } from '../src/schemas/decision.js'

/** A small seeded generator, so a failure can be replayed. */
function random (seed: number): () => number {
  return () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
}

// Values that stress reading JSON text: quotes, backslashes, commas, brackets, non-Latin-1, number-like strings.
const TEXTS = ['billing', 'billing', 'a "quoted", one', 'back\\slash\\', '\\"', 'ünïcode — 😀', '{"x":1}', '[1,2]', '0.75', 'null', '', ',']
const TARGETS = [
  null,
  { queueId: 'q', skillIds: [], priority: null, languageId: null },
  { queueId: 'q', skillIds: ['s1', 's"2'], priority: 3, languageId: 'l,1' },
  { queueId: 'q,"}', skillIds: [], priority: null, languageId: null }
]

function decisions (seed: number, count: number, variety: number): DecisionRecord[] {
  const next = random(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * Math.min(list.length, variety))] as T
  return Array.from({ length: count }, (_, i): DecisionRecord => {
    const ruleId = next() < 0.15 ? pick(['bot_unavailable', 'forced,"x"', 'intent_never']) : pick([...RULES].reverse())
    const d: DecisionRecord = {
      at: new Date(Date.UTC(2026, 0, 1) + i * 1234 + Math.floor(next() * 1000)).toISOString(),
      turn: i + 1,
      input: { event: pick(['message', 'custom,event', ...TEXTS]), intent: pick(TEXTS), confidence: Math.round(next() * 100) / 100 },
      action: pick(['CONTINUE_BOT', 'HANDOFF']),
      ruleId,
      reason: pick(['forced by the way in', 'reason, "quoted"', '']),
      threshold: pick([0.75, 0.8, 0, 1, 0.7500001]),
      target: pick(TARGETS),
      policyVersion: pick(['0123456789ab', 'v"2', 'ba9876543210']),
      outcome: pick(['bot_continuing', 'handoff_initiated', 'handed_off', 'GENESYS_UNAVAILABLE', 'x,"y"'])
    }
    if (next() < 0.5) d.messageId = `m-${i}-${pick(TEXTS)}`
    if (next() < 0.1) d.duplicate = true
    if (next() < 0.2) d.evidence = { run: 3, softThreshold: 0.85 }
    if (next() < 0.1) d.shadow = { action: 'HANDOFF', ruleId: 'human_request', policyVersion: 'p', target: pick(TARGETS) }
    return d
  })
}

t.test('a trail that grows a line at a time, and is trimmed, is counted as if measured whole', async t => {
  const max = 4
  const store = new MemoryHistoryStore({ maxEvents: 5, maxDecisions: max, ttlSeconds: 3600, maxConversations: 10, maxBytes: 64 * 1024 * 1024 })
  await store.append('a', { event: 'message', intent: { intent: 'x', confidence: 0.5 }, text: 'hello', timestamp: new Date(0).toISOString() })
  const before = store.bytes
  let plain: string[] = []
  let trims = 0
  for (const d of decisions(9, 30, 12)) {
    await store.recordDecision('a', d)
    const length = plain.length
    plain = appendToTrail(plain, d, max)
    if (plain.length < length) trims++
    t.equal(store.bytes, before + trailBytes(plain), `turn ${d.turn}: ${plain.length} lines`)
  }
  t.ok(trims >= 3, `${trims} trims`)
})
