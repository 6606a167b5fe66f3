import t from 'tap'
import { buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls } from './helper.js'

t.test('schema rejections', async t => {
  const { app, sim } = await buildWithSimulator(t)
  const id = newConversationId()
  const cases: Array<[string, unknown, RegExp]> = [
    ['missing conversationId', { event: 'message', intent: { confidence: 0.9 } }, /conversationId/],
    ['path traversal id', messagingEvent('../../users/me', 0.1), /body\/conversationId must match pattern/],
    ['query trick id', messagingEvent('a/b?x=1', 0.1), /body\/conversationId/],
    ['urn uuid id', messagingEvent(`urn:uuid:${id}`, 0.1), /body\/conversationId/],
    ['numeric id', messagingEvent(id, 0.1, { conversationId: 42 }), /body\/conversationId must be string/],
    ['missing event', { conversationId: id, intent: { confidence: 0.1 } }, /event/],
    ['empty event', messagingEvent(id, 0.1, { event: '' }), /body\/event must NOT have fewer than 1 characters/],
    ['confidence above 1', messagingEvent(id, 1.5), /body\/intent\/confidence must be <= 1/],
    ['negative confidence', messagingEvent(id, -0.1), /body\/intent\/confidence must be >= 0/],
    ['confidence as string', messagingEvent(id, 0, { intent: { intent: 'x', confidence: '0.9' } }), /body\/intent\/confidence must be number/],
    ['intent name not a string', messagingEvent(id, 0, { intent: { intent: 7, confidence: 0.9 } }), /body\/intent\/intent must be string/],
    ['intent not an object', messagingEvent(id, 0, { intent: 'billing' }), /body\/intent must be object/],
    ['text not a string', messagingEvent(id, 0.9, { text: 12 }), /body\/text must be string/],
    ['text too long', messagingEvent(id, 0.9, { text: 'x'.repeat(4001) }), /body\/text must NOT have more than 4000 characters/],
    ['array body', [messagingEvent(id, 0.9)], /body must be object/]
  ]
  for (const [name, body, message] of cases) {
    const res = await postEvent(app, body)
    t.equal(res.statusCode, 400, `${name}: 400`)
    const json = res.json()
    t.equal(json.error, 'Bad Request', `${name}: error`)
    t.match(json.message, message, `${name}: message names the field`)
  }
  t.equal(routingCalls(sim).length, 0, 'nothing reached Genesys')
  t.equal(await app.historyStore.get(id), null, 'nothing was recorded')
})

t.test('unknown extra fields are accepted and not stored', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.9, { channel: 'web', nested: { a: 1 } }))
  t.equal(res.statusCode, 200)
  t.equal(res.json().status, 'bot_continuing')
  const snapshot = await app.historyStore.get(id)
  t.same(Object.keys(snapshot?.history[0] ?? {}).sort(), ['event', 'intent', 'text', 'timestamp'])
})

t.test('missing intent or confidence counts as confidence 0 and hands off', async t => {
  const { app, sim } = await buildWithSimulator(t)
  const noIntent = await postEvent(app, { conversationId: newConversationId(), event: 'message', text: 'hi' })
  t.equal(noIntent.json().status, 'handoff_initiated')
  t.equal(noIntent.json().decision.confidence, 0)
  const noConfidence = await postEvent(app, { conversationId: newConversationId(), event: 'message', intent: { intent: 'greeting' } })
  t.equal(noConfidence.json().status, 'handoff_initiated')
  t.equal(routingCalls(sim).length, 2)
})

t.test('non-JSON bodies get 415, bad JSON 400, oversized 413', async t => {
  const { app } = await buildWithSimulator(t, { envOverrides: { WEBHOOK_BODY_LIMIT: '2048' } })
  const id = newConversationId()
  const text = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: 'hello', headers: { 'content-type': 'text/plain' } })
  t.equal(text.statusCode, 415)
  t.match(text.json().message, /Unsupported Media Type/i)
  const form = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(form.statusCode, 415)
  const bad = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: '{"conversationId":', headers: { 'content-type': 'application/json' } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /JSON/)
  const empty = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: '', headers: { 'content-type': 'application/json' } })
  t.equal(empty.statusCode, 400)
  const big = await postEvent(app, messagingEvent(id, 0.9, { padding: 'x'.repeat(4000) }))
  t.equal(big.statusCode, 413)
  t.equal(await app.historyStore.get(id), null)
})

t.test('prototype-pollution keys are rejected, not merged', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  const res = await app.inject({
    method: 'POST',
    url: '/webhook/messaging',
    payload: `{"conversationId":"${id}","event":"message","intent":{"confidence":0.9},"__proto__":{"polluted":true}}`,
    headers: { 'content-type': 'application/json' }
  })
  t.equal(res.statusCode, 400)
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})
