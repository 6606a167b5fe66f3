// The embedded store is bounded by bytes (HISTORY_MAX_BYTES), not only by conversation count: a signed
// sender posting max-size events to many conversations must not grow the heap past the bound.
import t from 'tap'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { signature } from '../src/webhook-signature.js'
import { MemoryHistoryStore } from '../src/store/memory.js'
import { WEBHOOK_SECRET, build, newConversationId } from './helper.js'
import type { FastifyInstance } from 'fastify'
import type { HistoryEntry } from '../src/store/types.js'

// A forced collection makes heapUsed a measure of what is live (the flag can be set at run time).
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapUsed (): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const MiB = 1024 * 1024

/** The largest event the schema takes: every string at its maximum, each character escaped when stored. */
function maxEvent (conversationId: string, n: number): string {
  const messageId = `${String(n).padStart(6, '0')}-${'\u0001'.repeat(193)}`
  return JSON.stringify({
    conversationId,
    event: '\u0002'.repeat(100),
    intent: { intent: '\u0003'.repeat(200), confidence: 0.99 },
    text: '\u0004'.repeat(4000),
    messageId
  })
}

async function postSigned (app: FastifyInstance, payload: string): Promise<number> {
  const res = await app.inject({
    method: 'POST', url: '/webhook/messaging', payload, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(WEBHOOK_SECRET, payload) }
  })
  return res.statusCode
}

t.test('max-size events to many conversations: accounted bytes and heap stay within HISTORY_MAX_BYTES', async t => {
  const bound = 4 * MiB
  const app = await build(t, { envOverrides: { WEBHOOK_SECRET, HISTORY_MAX_BYTES: String(bound) } })
  const store = app.historyStore as unknown as MemoryHistoryStore
  const before = heapUsed()
  const conversations = Array.from({ length: 30 }, () => newConversationId())
  let n = 0
  const statuses = new Set<number>()
  // About 30 conversations × 50 events × 25 KB stored: ten times the bound.
  for (let round = 0; round < 50; round++) {
    for (const id of conversations) statuses.add(await postSigned(app, maxEvent(id, n++)))
  }
  t.same([...statuses], [200], 'every event accepted')
  const grown = heapUsed() - before
  t.comment(`heap grew ${(grown / MiB).toFixed(1)} MiB for a ${bound / MiB} MiB bound; accounted ${(store.bytes / MiB).toFixed(1)} MiB`)
  t.ok(store.bytes > 0 && store.bytes <= bound, `accounted bytes ${store.bytes} within the bound`)
  t.ok(grown < bound * 1.5 + 4 * MiB, `heap growth ${(grown / MiB).toFixed(1)} MiB stays near the bound`)
  const newest = await store.get(conversations.at(-1) as string)
  t.ok((newest?.history.length ?? 0) > 0, 'the most recent conversation is kept')
})

function bigEntry (i: number): HistoryEntry {
  return { event: '\u0002'.repeat(100), intent: { intent: '\u0003'.repeat(200), confidence: 0.5 }, text: `${i}${'\u0004'.repeat(3990)}`, timestamp: new Date(i).toISOString(), messageId: `${i}-${'m'.repeat(190)}` }
}

function smallEntry (i: number): HistoryEntry {
  return { event: 'message', intent: { intent: 'order_status', confidence: 0.9 }, text: `where is my order ${i}?`, timestamp: new Date(i).toISOString(), messageId: `msg-${i}` }
}

// The estimate is what the bound is enforced on: it must follow the heap, not merely be a number.
for (const [shape, make, conversations, events] of [['max-size', bigEntry, 40, 50], ['typical', smallEntry, 4000, 10]] as const) {
  t.test(`${shape} records: the accounted bytes follow the heap`, async t => {
    const store = new MemoryHistoryStore({ maxEvents: 50, ttlSeconds: 3600, maxConversations: 1_000_000, maxBytes: 1024 * MiB })
    const before = heapUsed()
    let i = 0
    for (let c = 0; c < conversations; c++) {
      const id = newConversationId()
      for (let e = 0; e < events; e++) await store.append(id, make(i++))
    }
    const grown = heapUsed() - before
    const ratio = grown / store.bytes
    t.comment(`${shape}: heap ${(grown / MiB).toFixed(1)} MiB, accounted ${(store.bytes / MiB).toFixed(1)} MiB, heap/accounted ${ratio.toFixed(2)}`)
    t.ok(ratio > 0.6 && ratio < 1.25, `heap/accounted ${ratio.toFixed(2)} close to 1`)
    await store.close()
  })
}

t.test('message-id markers are capped per conversation in count and bytes; recent redeliveries still caught', async t => {
  const store = new MemoryHistoryStore({ maxEvents: 5, ttlSeconds: 3600, maxConversations: 10, maxBytes: 64 * MiB })
  const at = async (n: number): Promise<number> => {
    for (let i = 0; i < n; i++) await store.append('a', { ...smallEntry(i), messageId: `${i}-${'m'.repeat(190)}` })
    return store.bytes
  }
  const early = await at(300)
  const late = await at(2000) // ids 0..1999 again: the newest ones are duplicates, the rest new
  t.ok(late <= early * 1.05, `bytes flat: ${early} after 300 ids, ${late} after 2,000 more`)
  t.ok(late < 64 * 1024, 'one conversation of 5 events and capped markers stays under 64 KiB')
  t.equal((await store.append('a', { ...smallEntry(1999), messageId: `1999-${'m'.repeat(190)}` })).duplicate, true, 'the newest id is remembered')
  t.equal((await store.append('a', { ...smallEntry(0), messageId: `0-${'m'.repeat(190)}` })).duplicate, false, 'the oldest was let go')
})

t.test('decisions and failures recorded without an append are accounted too', async t => {
  const store = new MemoryHistoryStore({ maxEvents: 5, ttlSeconds: 3600, maxConversations: 10, maxBytes: 64 * MiB })
  await store.append('a', smallEntry(1))
  const before = store.bytes
  for (let i = 0; i < 20; i++) await store.recordFailure('a', { at: new Date(i).toISOString(), code: 'GENESYS_UNAVAILABLE', message: `attempt ${i} ${'x'.repeat(500)}`, retries: i })
  const withFailures = store.bytes
  t.ok(withFailures > before + 20 * 500, `failures counted: ${before} → ${withFailures}`)
  const decision = { at: new Date(0).toISOString(), turn: 1, input: { event: 'message', intent: 'x'.repeat(200), confidence: 0.5 }, action: 'HANDOFF', ruleId: 'forced', reason: 'r'.repeat(1000), threshold: 0.75, target: null, policyVersion: 'v1', outcome: 'handoff_initiated' } as const
  for (let i = 0; i < 10; i++) await store.recordDecision('a', { ...decision, turn: i + 1, messageId: `${i}-${'d'.repeat(300)}` })
  t.ok(store.bytes > withFailures + 10 * 300, `decisions counted: ${withFailures} → ${store.bytes}`)
})
