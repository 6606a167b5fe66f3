// Writes a synthetic transcript for measuring the backtest: `npm run backtest:generate -- out.jsonl [events]`.
// Events are in time order with a few thousand conversations open at once, as a day of real traffic
// would be; the content is deterministic (seeded), so two runs write the same file.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'

const INTENTS = ['order_status', 'billing_question', 'billing_dispute', 'greeting', 'refund', 'product_info', 'complaint', 'speak_to_agent', 'opening_hours', 'thanks']
const TEXTS = ['where is my order', 'I was charged twice', 'hello', 'can I get a refund', 'does it come in blue',
  'I want to speak to an agent', 'this is not good enough', 'when do you open', 'thanks a lot', 'let me talk to a human']

/** mulberry32: a small seeded generator, enough for test data. */
function random (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function main (): Promise<void> {
  const [file, count = '1000000', openArg = '2000'] = process.argv.slice(2)
  if (file === undefined) throw new Error('usage: generate <out.jsonl> [events] [open conversations]')
  const total = Number(count)
  const openTarget = Number(openArg)
  const next = random(42)
  const out = createWriteStream(file)
  const open: Array<{ id: string, left: number }> = []
  let conversations = 0
  let at = Date.parse('2026-11-23T00:00:00.000Z')
  for (let i = 0; i < total; i++) {
    while (open.length < openTarget) {
      conversations++
      open.push({ id: `0c0ffee0-0000-4000-8000-${conversations.toString(16).padStart(12, '0')}`, left: 1 + Math.floor(next() * 20) })
    }
    const slot = Math.floor(next() * open.length)
    const conversation = open[slot] as { id: string, left: number }
    const pick = Math.floor(next() * INTENTS.length)
    at += Math.floor(next() * 200)
    const line = JSON.stringify({
      conversationId: conversation.id,
      event: 'message',
      intent: INTENTS[pick],
      confidence: Math.round((0.3 + next() * 0.7) * 100) / 100,
      text: TEXTS[Math.floor(next() * TEXTS.length)],
      timestamp: new Date(at).toISOString()
    }) + '\n'
    if (!out.write(line)) await once(out, 'drain')
    if (--conversation.left === 0) open.splice(slot, 1)
  }
  out.end()
  await once(out, 'finish')
  process.stderr.write(`wrote ${total} events of ${conversations} conversations to ${file}\n`)
}

main().catch((err: unknown) => { process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1 })
