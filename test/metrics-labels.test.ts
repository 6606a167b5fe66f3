// Label values stay bounded whatever senders put in an intent: values are cut to 64 characters, and past
// METRICS_MAX_INTENT_LABELS distinct values the rest count as "other". Read back from GET /metrics.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, messagingEvent, newConversationId, postEvent } from './helper.js'

const PREFIX = 'intent-' + 'x'.repeat(57)
const LONG_A = `${PREFIX}-refund-${'a'.repeat(100)}`
const LONG_B = `${PREFIX}-billing-${'b'.repeat(100)}`

async function decisions (app: FastifyInstance): Promise<Map<string, number>> {
  const res = await app.inject({ url: '/metrics' })
  if (res.statusCode !== 200) throw new Error(`GET /metrics answered ${res.statusCode}`)
  const counts = new Map<string, number>()
  for (const m of res.body.matchAll(/^handoff_decisions_total\{action="CONTINUE_BOT",intent="([^"]*)"\} (\d+)$/gm)) {
    counts.set(m[1] ?? '', Number(m[2]))
  }
  return counts
}

async function send (app: FastifyInstance, intents: string[]): Promise<void> {
  for (const intent of intents) {
    const res = await postEvent(app, messagingEvent(newConversationId(), 0.9, { intent: { intent, confidence: 0.9 } }))
    if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`)
  }
}

t.test('an intent longer than 64 characters is cut to its first 64 in the label', async t => {
  t.equal(PREFIX.length, 64)
  const app = await build(t)
  await send(app, [LONG_A, LONG_B, 'greeting'])
  const counts = await decisions(app)
  t.same([...counts.entries()].sort(), [['greeting', 1], [PREFIX, 2]], 'both long intents share the 64-character label')
  const text = (await app.inject({ url: '/metrics' })).body
  t.notOk(text.includes(`${PREFIX}-`), 'nothing past the 64th character appears')
})

t.test('cut labels count once toward METRICS_MAX_INTENT_LABELS; intents past it count as "other"', async t => {
  const app = await build(t, { envOverrides: { METRICS_MAX_INTENT_LABELS: 2 } })
  await send(app, [LONG_A, 'greeting', LONG_B, 'refund', 'cancel', 'greeting'])
  const counts = await decisions(app)
  t.same([...counts.entries()].sort(), [['greeting', 2], [PREFIX, 2], ['other', 2]])
})

t.test('METRICS_MAX_INTENT_LABELS=0 counts every intent as "other"', async t => {
  const app = await build(t, { envOverrides: { METRICS_MAX_INTENT_LABELS: 0 } })
  await send(app, ['greeting', LONG_A])
  t.same([...(await decisions(app)).entries()], [['other', 2]])
})
