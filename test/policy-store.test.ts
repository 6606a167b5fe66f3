// What the policy needs from both stores: the append answers with the newest entries and the turn count in
// the same step, and the audit trail keeps decisions exactly, bounded by its own limit and expiring with the history.
import t from 'tap'
import { MemoryHistoryStore } from '../src/store/memory.js'
import { RedisHistoryStore } from '../src/store/redis.js'
import type { HistoryEntry, HistoryStore } from '../src/store/types.js'
import type { DecisionRecord } from '../src/schemas/decision.js'
import { SHARED_REDIS_URL, uniquePrefix } from './redis-helper.js'

const LIMITS = { maxEvents: 3, maxDecisions: 4, ttlSeconds: 600, maxConversations: 100 }

function entry (text: string, confidence = 0.5, messageId?: string): HistoryEntry {
  return { event: 'message', intent: { intent: 'order_status', confidence }, text, timestamp: '2026-01-01T00:00:00.000Z', ...(messageId !== undefined ? { messageId } : {}) }
}

function decision (turn: number, extra: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    at: '2026-01-01T00:00:01.000Z',
    turn,
    input: { event: 'message', intent: 'order_status', confidence: 0.5 },
    action: 'HANDOFF',
    ruleId: 'confidence_below_threshold',
    reason: "intent 'order_status' confidence 0.5 is below threshold 0.75",
    threshold: 0.75,
    target: { queueId: 'q', skillIds: ['s1', 's2'], priority: 3, languageId: null },
    policyVersion: '0123456789ab',
    outcome: 'handoff_initiated',
    ...extra
  }
}

async function stores (t: Parameters<typeof uniquePrefix>[0]): Promise<Array<[string, HistoryStore, () => Promise<number>]>> {
  let now = 1_000_000
  const memory = new MemoryHistoryStore({ ...LIMITS, now: () => now })
  const redis = new RedisHistoryStore({ ...LIMITS, target: { kind: 'single', url: SHARED_REDIS_URL }, keyPrefix: uniquePrefix(t), commandTimeoutMs: 1000, connectTimeoutMs: 1000 })
  if (!await redis.connect()) throw new Error(`Redis not reachable at ${SHARED_REDIS_URL}`)
  t.teardown(async () => { await redis.close() })
  return [
    // How long the conversation's decisions have left, ms.
    ['memory', memory, async () => { now += 600_001; return (await memory.get('c')) === null ? 0 : 1 }],
    ['redis', redis, async () => await redis.client.pttl('conv:{c}:decisions')]
  ]
}

t.test('the append answers with the newest entries and the turns, in one step', async t => {
  for (const [name, store] of await stores(t)) {
    const first = await store.append('c', entry('one', 0.1, 'm1'), 2)
    t.match(first, { events: 1, turns: 1, duplicate: false }, name)
    t.same(first.recent.map(e => e.text), ['one'])
    for (const text of ['two', 'three', 'four']) await store.append('c', entry(text))
    const fifth = await store.append('c', entry('five', 0.9), 3)
    t.match(fifth, { events: 3, turns: 5 }, `${name}: turns go on past the history bound`)
    t.same(fifth.recent.map(e => e.text), ['three', 'four', 'five'])
    t.same(fifth.recent[2], entry('five', 0.9))
    t.same((await store.append('c', entry('one again', 0.1, 'm1'), 2)), { events: 3, handoff: { state: 'none' }, duplicate: true, turns: 5, recent: [entry('four'), entry('five', 0.9)] },
      `${name}: a duplicate records nothing and counts no turn`)
    t.same((await store.append('c', entry('six'))).recent, [], `${name}: no entries unless asked`)
    t.equal((await store.get('c'))?.turns, 6)
  }
})

t.test('decisions come back exactly, newest maxDecisions, expiring with the history', async t => {
  for (const [name, store, remaining] of await stores(t)) {
    await store.append('c', entry('one'))
    const full = decision(1, {
      input: { event: 'message', intent: 'order "status"\t— ünïcode', confidence: 0.5 },
      reason: "intent 'order \"status\"\t— ünïcode' never hands off",
      messageId: 'm-1',
      duplicate: true,
      target: null,
      action: 'CONTINUE_BOT',
      ruleId: 'intent_never',
      shadow: { action: 'HANDOFF', ruleId: 'human_request', policyVersion: 'ba9876543210', target: { queueId: 'b', skillIds: [], priority: null, languageId: 'l' } }
    })
    await store.recordDecision('c', full)
    t.same((await store.get('c'))?.decisions, [full], `${name}: every field`)
    // Every field changing in turn, past the bound and the embedded store's re-encoding of its trail.
    const varied = (turn: number): DecisionRecord => decision(turn, {
      at: new Date(Date.UTC(2026, 0, 1) + turn * 1234).toISOString(),
      input: { event: turn % 2 === 0 ? 'message' : 'custom\tevent', intent: `intent ${turn % 3}`, confidence: turn / 20 },
      ...(turn % 4 === 0
        ? { action: 'CONTINUE_BOT', ruleId: 'confidence_meets_threshold', target: null }
        : { action: 'HANDOFF', ruleId: 'low_confidence_streak', evidence: { run: 3, softThreshold: 0.85 }, target: { queueId: `q${turn % 2}`, skillIds: [], priority: null, languageId: null } }),
      threshold: turn % 3 === 0 ? 0.8 : 0.75,
      policyVersion: turn < 8 ? 'aaaaaaaaaaaa' : 'bbbbbbbbbbbb',
      outcome: ['bot_continuing', 'handoff_initiated', 'handed_off', 'GENESYS_UNAVAILABLE'][turn % 4] as string,
      ...(turn % 5 === 0 ? { messageId: `m${turn}`, duplicate: true } : {})
    })
    for (let turn = 2; turn <= 13; turn++) {
      const d = varied(turn)
      d.reason = turn % 4 === 0 ? `intent '${d.input.intent}' confidence ${d.input.confidence} meets threshold ${d.threshold}` : '3 events in a row below the soft threshold 0.85'
      await store.recordDecision('c', d)
      const kept = (await store.get('c'))?.decisions ?? []
      t.same(kept.at(-1), d, `${name}: decision ${turn} comes back as recorded`)
      t.equal(kept.length, Math.min(4, turn), `${name}: bounded by maxDecisions`)
    }
    const kept = (await store.get('c'))?.decisions ?? []
    t.same(kept.map(d => d.turn), [10, 11, 12, 13])
    const left = await remaining()
    t.ok(name === 'redis' ? left > 0 && left <= 600_000 : left === 0, `${name}: expires with the conversation (${left})`)
  }
})
