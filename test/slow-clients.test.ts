// Slow and numerous clients: a signed webhook whose body trickles in gets 408 and its socket closed at
// REQUEST_TIMEOUT_MS; more connections than file descriptors are shed instead of crashing the process; and a
// body still trickling at SIGTERM does not hold the shutdown.
import t from 'tap'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { WEBHOOK_SECRET, ROUTING_METADATA, build, buildWithSimulator, messagingEvent, newConversationId } from './helper.js'
import { signature } from '../src/webhook-signature.js'
import { env, postSigned, startServer } from './process-helper.js'

interface Trickle {
  socket: Socket
  /** everything the server sent, once it closed the connection */
  closed: Promise<{ answer: string, afterMs: number }>
}

/** A signed webhook whose headers arrive at once and whose body then arrives one byte every `everyMs`. */
function trickle (url: string, everyMs = 200): Trickle {
  const { hostname, port } = new URL(url)
  const payload = JSON.stringify(messagingEvent(newConversationId(), 0.1))
  const socket = connect(Number(port), hostname)
  const started = Date.now()
  let answer = ''
  let sent = 0
  socket.on('error', () => {})
  socket.on('data', (chunk) => { answer += String(chunk) })
  socket.write(`POST /webhook/messaging HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(payload)}\r\nx-hub-signature-256: ${signature(WEBHOOK_SECRET, payload)}\r\n\r\n`)
  const timer = setInterval(() => {
    // never the last byte: the body stays incomplete
    if (sent < payload.length - 1 && !socket.destroyed) socket.write(payload[sent++]!)
  }, everyMs)
  const closed = new Promise<{ answer: string, afterMs: number }>(resolve => {
    socket.on('close', () => { clearInterval(timer); resolve({ answer, afterMs: Date.now() - started }) })
  })
  return { socket, closed }
}

/** Resolves with the value, or with `fallback` after `ms`. */
async function within<T, F> (promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return await Promise.race([promise, sleep(ms, fallback)])
}

t.test('a signed webhook whose body trickles in gets 408 at REQUEST_TIMEOUT_MS and its socket is closed', async t => {
  const app = await build(t, { envOverrides: { WEBHOOK_SECRET, REQUEST_TIMEOUT_MS: 1000 } })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const slow = trickle(url)
  t.teardown(() => { slow.socket.destroy() })
  const result = await within(slow.closed, 15_000, null)
  if (result === null) return t.fail('the trickling connection was still open after 15 s')
  t.match(result.answer, /^HTTP\/1\.1 408 /, `answered 408 (${JSON.stringify(result.answer.slice(0, 40))})`)
  t.ok(result.afterMs >= 900, `not before REQUEST_TIMEOUT_MS (${result.afterMs} ms)`)
  t.ok(result.afterMs < 10_000, `closed soon after REQUEST_TIMEOUT_MS (${result.afterMs} ms)`)
})

t.test('REQUEST_TIMEOUT_MS bounds receiving only: a webhook whose handoff takes longer still gets its answer', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, WEBHOOK_SECRET, REQUEST_TIMEOUT_MS: 1000 } })
  sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations', latencyMs: 3000 })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await postSigned(url, messagingEvent(newConversationId(), 0.1))
  t.equal(res.status, 200)
  t.equal((await res.json() as { status: string }).status, 'handoff_initiated')
})

t.test('the HTTP server carries the configured timeouts and connection cap', async t => {
  const app = await build(t, { envOverrides: { REQUEST_TIMEOUT_MS: 20000, KEEP_ALIVE_TIMEOUT_MS: 65000, MAX_CONNECTIONS: 300 } })
  t.equal(app.server.requestTimeout, 20000)
  t.ok(app.server.headersTimeout > 0 && app.server.headersTimeout <= 20000, `headers timeout ${app.server.headersTimeout} ≤ the request timeout`)
  t.equal(app.server.keepAliveTimeout, 65000)
  t.ok(app.server.maxConnections > 0 && app.server.maxConnections <= 300, `at most MAX_CONNECTIONS (${app.server.maxConnections})`)
})

t.test('more slow connections than file descriptors: the process sheds them and keeps serving', async t => {
  const server = await startServer(t, env('http://127.0.0.1:9', {
    GENESYS_STARTUP_CHECK: 'false', REQUEST_TIMEOUT_MS: '60000', OVERLOAD_SAMPLE_INTERVAL_MS: '100'
  }), { maxOpenFiles: 256 })
  const slow = Array.from({ length: 400 }, () => trickle(server.url, 1000))
  t.teardown(() => { for (const s of slow) s.socket.destroy() })
  // Long enough for the memory and event-loop probe to run many times with the descriptors taken.
  await sleep(3000)
  t.equal(server.child.exitCode, null, 'the process is still running with every descriptor asked for')
  const shed = (await Promise.all(slow.map(async s => await within(s.closed, 0, null)))).filter(r => r !== null).length
  t.ok(shed > 0, `connections beyond what the descriptors allow were refused or closed (${shed} of ${slow.length})`)
  for (const s of slow) s.socket.destroy()
  await sleep(500)
  const live = await fetch(`${server.url}/health/live`).then(res => res.status, (err: Error) => err.message)
  t.equal(live, 200, 'it answers /health/live once the slow clients are gone')
  t.equal(server.child.exitCode, null, 'still running')
  t.notOk(server.lines.some(l => l.msg === 'closing after an error'), 'it did not start closing after an error')
  const lowered = server.lines.find(l => String(l.msg).startsWith('MAX_CONNECTIONS lowered'))
  t.ok(lowered !== undefined && (lowered.maxConnections as number) < 256, `the cap was lowered below the descriptor limit (${String(lowered?.maxConnections)})`)
})

t.test('a body still trickling at SIGTERM does not hold the shutdown: the process exits 0 well within the grace period', async t => {
  const server = await startServer(t, env('http://127.0.0.1:9', {
    GENESYS_STARTUP_CHECK: 'false', SHUTDOWN_GRACE_MS: '10000', REQUEST_TIMEOUT_MS: '60000'
  }))
  const slow = trickle(server.url)
  t.teardown(() => { slow.socket.destroy() })
  await sleep(500)
  const signalled = Date.now()
  server.child.kill('SIGTERM')
  const code = await server.exited
  t.equal(code, 0, 'exit code 0')
  t.ok(Date.now() - signalled < 8000, `exited ${Date.now() - signalled} ms after SIGTERM, before the 10 s grace ran out`)
  const result = await within(slow.closed, 1000, null)
  t.not(result, null, 'the trickling connection was closed')
})
