import t from 'tap'
import { buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls, ADMIN_TOKEN } from './helper.js'

t.test('history accumulates across cookieless webhooks for one conversation', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  for (let i = 0; i < 20; i++) {
    const res = await postEvent(app, messagingEvent(id, 0.9, { text: `turn ${i}` }))
    t.equal(res.statusCode, 200)
    t.equal(res.headers['set-cookie'], undefined, 'webhooks get no cookie')
  }
  const snapshot = await app.historyStore.get(id)
  t.equal(snapshot?.history.length, 20)
  t.same(snapshot?.history.map(e => e.text), Array.from({ length: 20 }, (_, i) => `turn ${i}`), 'in order')
  t.same(snapshot?.history[0]?.intent, { intent: 'billing_question', confidence: 0.9 })
  t.match(snapshot?.history[0]?.timestamp, /^\d{4}-\d\d-\d\dT/)
  t.equal((await app.historyStore.get(newConversationId())), null, 'other conversations are separate')
})

t.test('50 parallel low-confidence events: 50 entries, exactly one routing update', async t => {
  const { app, sim } = await buildWithSimulator(t)
  const id = newConversationId()
  const answers = await Promise.all(Array.from({ length: 50 }, async (_, i) =>
    await postEvent(app, messagingEvent(id, 0.1, { text: `m${i}` }))))
  t.same(answers.map(a => a.statusCode), Array(50).fill(200))
  const statuses = answers.map(a => a.json().status as string)
  t.equal(statuses.filter(s => s === 'handoff_initiated').length, 1, 'one handoff answer')
  t.equal(statuses.filter(s => s === 'handed_off').length, 49, 'the rest learn it was handed off')
  t.equal(routingCalls(sim).length, 1, 'one routing update')
  const snapshot = await app.historyStore.get(id)
  t.equal(snapshot?.history.length, 50, 'no append lost')
  t.same(new Set(snapshot?.history.map(e => e.text)).size, 50)
  t.equal(snapshot?.handoff.state, 'done')
})

t.test('after handoff, events are recorded but trigger no second update', async t => {
  const { app, sim } = await buildWithSimulator(t)
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.9))).json().status, 'bot_continuing')
  t.equal((await postEvent(app, messagingEvent(id, 0.2))).json().status, 'handoff_initiated')
  const later = await postEvent(app, messagingEvent(id, 0.1, { text: 'still there?' }))
  t.equal(later.statusCode, 200)
  t.equal(later.json().status, 'handed_off')
  t.equal(later.json().handoff.state, 'done')
  const confident = await postEvent(app, messagingEvent(id, 0.99))
  t.equal(confident.json().status, 'handed_off', 'the bot stays silent after handoff')
  t.equal(routingCalls(sim).length, 1)
  t.equal((await app.historyStore.get(id))?.history.length, 4)
})

t.test('HISTORY_MAX_EVENTS keeps the newest events', async t => {
  const { app } = await buildWithSimulator(t, { envOverrides: { HISTORY_MAX_EVENTS: '5' } })
  const id = newConversationId()
  for (let i = 0; i < 12; i++) await postEvent(app, messagingEvent(id, 0.9, { text: `t${i}` }))
  const res = await app.inject({ url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  t.same(res.json().history.map((e: { text: string }) => e.text), ['t7', 't8', 't9', 't10', 't11'])
})

t.test('a conversation id in upper case is the same conversation', async t => {
  const { app, sim } = await buildWithSimulator(t)
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id.toUpperCase(), 0.2))).json().status, 'handoff_initiated')
  const again = await postEvent(app, messagingEvent(id, 0.2))
  t.equal(again.json().status, 'handed_off', 'no second handoff for the lower-case spelling')
  t.equal(routingCalls(sim).length, 1)
  t.equal((await app.historyStore.get(id))?.history.length, 2)
  const res = await app.inject({ url: `/conversations/${id.toUpperCase()}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  t.equal(res.json().history.length, 2)
})
