import t from 'tap'
import { buildWithSimulator, messagingEvent, newConversationId, postEvent } from './helper.js'

t.test('every string in the webhook schema is bounded', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  const cases: Array<[string, Record<string, unknown>, number]> = [
    ['event at 100', messagingEvent(id, 0.9, { event: 'e'.repeat(100) }), 200],
    ['event at 101', messagingEvent(id, 0.9, { event: 'e'.repeat(101) }), 400],
    ['intent at 200', messagingEvent(id, 0.9, { intent: { intent: 'i'.repeat(200), confidence: 0.9 } }), 200],
    ['intent at 201', messagingEvent(id, 0.9, { intent: { intent: 'i'.repeat(201), confidence: 0.9 } }), 400],
    ['text at 4000', messagingEvent(id, 0.9, { text: 't'.repeat(4000) }), 200],
    ['text at 4001', messagingEvent(id, 0.9, { text: 't'.repeat(4001) }), 400],
    ['conversationId longer than a UUID', messagingEvent(`${id}0`, 0.9), 400]
  ]
  for (const [name, body, status] of cases) {
    t.equal((await postEvent(app, body)).statusCode, status, name)
  }
  t.equal((await app.historyStore.get(id))?.history.length, 3, 'only the accepted ones were recorded')
})

t.test('WEBHOOK_BODY_LIMIT is the byte limit, counted in bytes not characters', async t => {
  const { app } = await buildWithSimulator(t, { envOverrides: { WEBHOOK_BODY_LIMIT: '4096' } })
  const fits = JSON.stringify(messagingEvent(newConversationId(), 0.9, { pad: 'p'.repeat(3800) }))
  t.ok(Buffer.byteLength(fits) <= 4096)
  const res = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: fits, headers: { 'content-type': 'application/json' } })
  t.equal(res.statusCode, 200)
  const multibyte = JSON.stringify(messagingEvent(newConversationId(), 0.9, { pad: '€'.repeat(1500) }))
  t.ok(multibyte.length < 4096 && Buffer.byteLength(multibyte) > 4096, '1,500 characters, 4,500+ bytes')
  const big = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: multibyte, headers: { 'content-type': 'application/json' } })
  t.equal(big.statusCode, 413)
})
