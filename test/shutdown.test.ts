// Graceful shutdown of the real process: spawn the server against a slow simulator, SIGTERM it while a
// handoff is in flight, and check the webhook still gets its answer and the process exits 0.
import t from 'tap'
import { WEBHOOK_SECRET, messagingEvent, newConversationId, ROUTING_METADATA, buildWithSimulator } from './helper.js'
import { MemoryHistoryStore } from '../src/store/memory.js'
import { env, postSigned, slowTransfer, startServer } from './process-helper.js'

t.test('SIGTERM with a handoff in flight: the webhook gets its 200, then the process exits 0', async t => {
  const { sim, putArrived } = await slowTransfer(t, 1500)
  const server = await startServer(t, env(sim.url, { SHUTDOWN_GRACE_MS: '20000' }))
  const id = newConversationId()
  const answer = postSigned(server.url, messagingEvent(id, 0.1))
  await putArrived
  server.child.kill('SIGTERM')
  await server.waitForLog('closing')

  // No new work is taken once closing has begun.
  const late = await fetch(`${server.url}/health/live`).then(res => res.status, (err: Error) => err.name)
  t.not(late, 200, `a new request after SIGTERM is refused (${String(late)})`)

  const res = await answer
  t.equal(res.status, 200, 'the in-flight webhook was answered')
  t.equal((await res.json() as { status: string }).status, 'handoff_initiated')
  t.equal(sim.state.callsTo('PUT', '/api/v2/conversations/messaging/').length, 1, 'Genesys got the routing update')
  t.equal(await server.exited, 0, 'exit code 0')
  t.ok(server.lines.some(l => l.msg === 'closed'), 'closed after the store and Genesys pool')
  t.ok(server.lines.every(l => l.level as number < 50), 'no error logged')
})

t.test('a handoff outlasting SHUTDOWN_GRACE_MS: the process exits 1 when the grace period runs out', async t => {
  const { sim, putArrived } = await slowTransfer(t, 5000)
  const server = await startServer(t, env(sim.url, { SHUTDOWN_GRACE_MS: '300' }))
  const answer = postSigned(server.url, messagingEvent(newConversationId(), 0.1)).catch((err: Error) => err)
  await putArrived
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 1, 'exit code 1')
  t.ok(server.lines.some(l => /grace period ran out/.test(String(l.msg))), 'the timeout is logged')
  t.ok(server.lines.every(l => l.msg !== 'closed'), 'it did not pretend to close cleanly')
  t.type(await answer, Error, 'the cut-off webhook sees a dropped connection, not a fake answer')
})

t.test('close() lets the in-flight handoff finish with the store before the store is closed', async t => {
  const events: string[] = []
  const store = new MemoryHistoryStore({ maxEvents: 50, ttlSeconds: 60, maxConversations: 100 })
  const complete = store.completeHandoff.bind(store)
  store.completeHandoff = async (...args) => { events.push('handoff recorded'); await complete(...args) }
  const close = store.close.bind(store)
  store.close = async () => { events.push('store closed'); await close() }
  const { app, sim } = await buildWithSimulator(t, { store, envOverrides: { ...ROUTING_METADATA, WEBHOOK_SECRET } })
  let arrived: () => void = () => {}
  const putArrived = new Promise<void>(resolve => { arrived = resolve })
  const take = sim.state.takeFault.bind(sim.state)
  sim.state.takeFault = (method, path) => { const f = take(method, path); if (f !== undefined) arrived(); return f }
  sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations', latencyMs: 500 })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const answer = postSigned(url, messagingEvent(newConversationId(), 0.1))
  await putArrived
  const closed = app.close()
  const res = await answer
  t.equal(res.status, 200)
  t.equal(res.headers.get('connection'), 'close', 'its keep-alive connection is closed with the answer')
  t.equal((await res.json() as { status: string }).status, 'handoff_initiated')
  await closed
  t.same(events, ['handoff recorded', 'store closed'], 'the store closes only after the in-flight handoff used it')
})
