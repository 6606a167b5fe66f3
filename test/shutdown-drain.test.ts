// Shutdown in steps: readiness fails first (SHUTDOWN_DRAIN_MS) while the listener still serves; a request that
// arrives once closing gets 503 with Retry-After; and when SHUTDOWN_GRACE_MS runs out, the handoff claims
// still held are released before the process exits, so another instance takes over at once.
import t from 'tap'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { build, messagingEvent, newConversationId, postEvent, ROUTING_METADATA } from './helper.js'
import { eventually, redisEnv, SHARED_REDIS_URL, uniquePrefix } from './redis-helper.js'
import { RedisHistoryStore } from '../src/store/redis.js'
import { VERIFY_WINDOW_MS } from '../src/strategies/platform-api.js'
import { env, postSigned, slowTransfer, startServer } from './process-helper.js'

t.test('SIGTERM: readiness answers 503 with Retry-After for SHUTDOWN_DRAIN_MS while other routes are still served; then the process exits 0', async t => {
  const server = await startServer(t, env('http://127.0.0.1:9', { GENESYS_STARTUP_CHECK: 'false', SHUTDOWN_DRAIN_MS: '3000' }))
  t.equal((await fetch(`${server.url}/health/ready`)).status, 200, 'ready before')
  const signalled = Date.now()
  server.child.kill('SIGTERM')
  await server.waitForLog('draining')
  const ready = await fetch(`${server.url}/health/ready`)
  t.equal(ready.status, 503, 'readiness fails at once')
  t.ok(Number(ready.headers.get('retry-after')) >= 1, `with Retry-After (${String(ready.headers.get('retry-after'))})`)
  t.match(await ready.json(), { status: 'unavailable', reason: 'shutting down' })
  t.equal((await fetch(`${server.url}/health/live`)).status, 200, 'the listener still accepts and serves during the drain')
  t.equal(await server.exited, 0, 'exit code 0')
  t.ok(Date.now() - signalled >= 2500, `the listener closed only after the drain (${Date.now() - signalled} ms)`)
  t.ok(server.lines.every(l => l.level as number < 50), 'no error logged')
})

t.test('a request arriving once the service is closing gets 503 SHUTTING_DOWN with Retry-After and its connection closed', async t => {
  const app = await build(t)
  const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }))
  // A connection whose request has begun (not idle, so close() waits for it) and completes once closing.
  const socket = connect(Number(url.port), url.hostname)
  let answer = ''
  socket.on('data', (chunk) => { answer += String(chunk) })
  socket.on('error', () => {})
  const ended = new Promise<void>(resolve => { socket.on('close', () => { resolve() }) })
  socket.write('GET /health/live HTTP/1.1\r\n')
  await sleep(100)
  const closed = app.close()
  await sleep(200)
  socket.write(`host: ${url.host}\r\n\r\n`)
  await ended
  await closed
  const [head = '', body = ''] = answer.split('\r\n\r\n')
  t.match(head, /^HTTP\/1\.1 503 /, head)
  t.match(head, /\r\nretry-after: \d+\r\n/i, 'carries Retry-After')
  t.match(head, /\r\nconnection: close\r\n/i, 'closes its connection')
  t.match(JSON.parse(body), { statusCode: 503, code: 'SHUTTING_DOWN' })
})

for (const storeName of ['embedded', 'redis'] as const) {
  t.test(`${storeName} store: releaseClaims() frees the claims of handoffs still running, so another claimant takes over`, async t => {
    const { sim, putArrived } = await slowTransfer(t, 3000)
    const app = await build(t, {
      envOverrides: { ...ROUTING_METADATA, GENESYS_API_BASE_URL: sim.url, GENESYS_LOGIN_BASE_URL: sim.url, ...(storeName === 'redis' ? redisEnv(uniquePrefix(t)) : {}) }
    })
    const id = newConversationId()
    const running = postEvent(app, messagingEvent(id, 0.1))
    await putArrived
    t.equal((await app.historyStore.claimHandoff(id, 1000)).acquired, false, 'the running handoff holds the claim')
    t.equal(await app.handoff.releaseClaims(), 1, 'one claim released')
    t.equal((await app.historyStore.claimHandoff(id, 1000)).acquired, true, 'another claimant takes the conversation at once')
    t.equal(await app.handoff.releaseClaims(), 0, 'nothing left to release')
    await running
  })
}

t.test('the grace period runs out with a handoff in flight: its claim in Redis is released before the process exits 1', async t => {
  const prefix = uniquePrefix(t)
  const { sim, putArrived } = await slowTransfer(t, 8000)
  const server = await startServer(t, env(sim.url, {
    ...redisEnv(prefix) as Record<string, string>, SHUTDOWN_GRACE_MS: '300', HANDOFF_DEADLINE_MS: '20000'
  }))
  const id = newConversationId()
  const answer = postSigned(server.url, messagingEvent(id, 0.1)).catch((err: Error) => err)
  await putArrived
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 1, 'exit code 1')
  const exitedAt = Date.now()
  t.type(await answer, Error, 'the cut-off webhook sees a dropped connection')
  t.match(server.lines.find(l => /grace period ran out/.test(String(l.msg))), { releasedClaims: 1 }, 'the release is logged', { lines: server.lines.slice(-6) })

  const other = new RedisHistoryStore({
    target: { kind: 'single', url: SHARED_REDIS_URL }, keyPrefix: prefix, commandTimeoutMs: 1000, connectTimeoutMs: 1000, maxEvents: 10, ttlSeconds: 60, maxConversations: 10
  })
  t.teardown(async () => { await other.close() })
  t.equal(await other.connect(), true)
  // Held for the transfer-check window only (the PUT may still be in Genesys' hands), not the claim's 25 s ttl.
  await eventually(async () => (await other.claimHandoff(id, 1000)).acquired, VERIFY_WINDOW_MS + 5000, 'another instance to take the claim')
  t.ok(Date.now() - exitedAt < VERIFY_WINDOW_MS + 5000, `taken over ${Date.now() - exitedAt} ms after the exit (the claim's ttl is 25 s)`)
})
