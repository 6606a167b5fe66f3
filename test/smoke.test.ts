import t from 'tap'
import { buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls } from './helper.js'

t.test('a low-confidence event hands off', async t => {
  const { app, sim } = await buildWithSimulator(t)
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.2))
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().status, 'handoff_initiated')
  t.equal(routingCalls(sim).length, 1)
})
