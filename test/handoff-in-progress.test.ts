// While another live instance holds a conversation's handoff claim past this event's deadline, the event
// answers 503 HANDOFF_IN_PROGRESS with a Retry-After that does not outlast the claim; the retry then sees
// the finished handoff.
import t from 'tap'
import { build, buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls, ROUTING_METADATA } from './helper.js'
import { eventually, rawClient, redisEnv, uniquePrefix } from './redis-helper.js'

t.test('another instance holds the claim: 503 HANDOFF_IN_PROGRESS with Retry-After, then handed_off', async t => {
  const prefix = uniquePrefix(t)
  // a runs the handoff against a slow Genesys; b gives up waiting for it well before a is done.
  const { app: a, sim } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, ...redisEnv(prefix) } })
  const b = await build(t, {
    envOverrides: { ...ROUTING_METADATA, ...redisEnv(prefix), GENESYS_API_BASE_URL: sim.url, GENESYS_LOGIN_BASE_URL: sim.url, HANDOFF_DEADLINE_MS: 300 }
  })
  sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations/messaging/', latencyMs: 1500 })
  const id = newConversationId()

  const running = postEvent(a, messagingEvent(id, 0.2))
  await eventually(async () => (await b.historyStore.get(id))?.handoff.state === 'pending', 5000, 'a to take the claim')

  const blocked = await postEvent(b, messagingEvent(id, 0.2))
  t.equal(blocked.statusCode, 503, blocked.body)
  t.match(blocked.json(), { statusCode: 503, error: 'Service Unavailable', code: 'HANDOFF_IN_PROGRESS', message: /another instance/ })
  const retryAfter = blocked.headers['retry-after']
  t.match(retryAfter, /^[1-9][0-9]*$/, 'Retry-After in whole seconds')
  const claimMs = await rawClient(t).pttl(`${prefix}conv:{${id}}:handoff`)
  t.ok(claimMs > 0, `the claim is still held (pttl ${claimMs})`)
  t.ok(Number(retryAfter) * 1000 <= claimMs + 1000, `Retry-After ${String(retryAfter)} s does not outlast the claim (${claimMs} ms)`)

  const done = await running
  t.equal(done.statusCode, 200, done.body)
  t.equal(done.json().status, 'handoff_initiated')
  const retried = await postEvent(b, messagingEvent(id, 0.2))
  t.equal(retried.statusCode, 200, retried.body)
  t.equal(retried.json().status, 'handed_off')
  t.equal(routingCalls(sim).length, 1, 'one routing update in all: b never called Genesys')
  t.equal((await b.historyStore.get(id))?.history.length, 3, 'every event recorded, the 503 one included')

  const metrics = (await b.inject({ url: '/metrics' })).body
  t.match(metrics, /^handoff_webhooks_total\{outcome="handoff_in_progress"\} 1$/m)
})
