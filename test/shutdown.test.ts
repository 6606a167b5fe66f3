// Graceful shutdown of the real process: spawn the server against a slow simulator, SIGTERM it while a
// handoff is in flight, and check the webhook still gets its answer and the process exits 0.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ADMIN_TOKEN, CLIENT_ID, CLIENT_SECRET, QUEUE_ID, SESSION_SECRET, WEBHOOK_SECRET, messagingEvent, newConversationId, simulator, ROUTING_METADATA } from './helper.js'
import { signature } from '../src/webhook-signature.js'
import { MemoryHistoryStore } from '../src/store/memory.js'
import { buildWithSimulator } from './helper.js'

interface Teardown { teardown: (fn: () => unknown) => void }

const root = fileURLToPath(new URL('..', import.meta.url))

interface Server {
  child: ChildProcess
  url: string
  lines: Array<Record<string, unknown>>
  waitForLog: (msg: string) => Promise<Record<string, unknown>>
  exited: Promise<number | null>
}

async function startServer (t: Teardown, env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'plugins/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: Array<Record<string, unknown>> = []
  const waiters: Array<{ msg: string, resolve: (line: Record<string, unknown>) => void }> = []
  let buffered = ''
  let stderr = ''
  child.stderr?.on('data', (chunk) => { stderr += String(chunk) })
  child.stdout?.on('data', (chunk) => {
    buffered += String(chunk)
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    for (const part of parts) {
      if (part.trim() === '') continue
      const line = JSON.parse(part) as Record<string, unknown>
      lines.push(line)
      for (const w of waiters.filter(w => String(line.msg).startsWith(w.msg))) w.resolve(line)
    }
  })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => { resolve(code) }))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const waitForLog = async (msg: string): Promise<Record<string, unknown>> => {
    const seen = lines.find(l => String(l.msg).startsWith(msg))
    if (seen !== undefined) return seen
    return await new Promise((resolve, reject) => {
      waiters.push({ msg, resolve })
      exited.then(code => { reject(new Error(`server exited (${String(code)}) before logging "${msg}": ${stderr}`)) }, reject)
    })
  }
  const listening = await waitForLog('Server listening at')
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(String(listening.msg))?.[1]
  if (url === undefined) throw new Error(`no address in ${String(listening.msg)}`)
  return { child, url, lines, waitForLog, exited }
}

async function slowHandoff (t: Teardown, latencyMs: number): Promise<{ sim: Awaited<ReturnType<typeof simulator>>, putArrived: Promise<void> }> {
  const sim = await simulator(t)
  let arrived: () => void = () => {}
  const putArrived = new Promise<void>(resolve => { arrived = resolve })
  const take = sim.state.takeFault.bind(sim.state)
  sim.state.takeFault = (method, path) => {
    const fault = take(method, path)
    if (method === 'PUT' && fault !== undefined) arrived()
    return fault
  }
  sim.state.addFault({ method: 'PUT', path: '/api/v2/conversations', latencyMs })
  return { sim, putArrived }
}

function env (simUrl: string, extra: Record<string, string>): Record<string, string> {
  return {
    GENESYS_CLIENT_ID: CLIENT_ID,
    GENESYS_CLIENT_SECRET: CLIENT_SECRET,
    GENESYS_API_BASE_URL: simUrl,
    GENESYS_LOGIN_BASE_URL: simUrl,
    HANDOFF_QUEUE_ID: QUEUE_ID,
    SESSION_SECRET,
    ADMIN_TOKEN,
    WEBHOOK_SECRET,
    ...ROUTING_METADATA,
    ...extra
  }
}

async function postSigned (url: string, body: unknown): Promise<Response> {
  const payload = JSON.stringify(body)
  return await fetch(`${url}/webhook/messaging`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(WEBHOOK_SECRET, payload) },
    body: payload
  })
}

t.test('SIGTERM with a handoff in flight: the webhook gets its 200, then the process exits 0', async t => {
  const { sim, putArrived } = await slowHandoff(t, 1500)
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
  const { sim, putArrived } = await slowHandoff(t, 5000)
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
