// The load balancer's config run for real: HAProxy (the binary compose's image runs) with the repository's
// haproxy.cfg, its two servers pointed at two service instances on loopback. It spreads webhooks over both,
// takes an instance whose readiness fails out of rotation so no webhook lands there, and takes it back once
// it is ready again.
import t from 'tap'
import { execFile, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { build, messagingEvent, newConversationId } from './helper.js'
import { eventually, untilReady, freePort, privateRedis, redisEnv, uniquePrefix } from './redis-helper.js'
import { readText, repoFile } from './deploy-helper.js'

const exec = promisify(execFile)
const CONFIG = 'deploy/haproxy/haproxy.cfg'

const haproxyInstalled = await exec('haproxy', ['-v']).then(() => true, () => false)

/**
 * The shipped config with its listening port and server addresses moved to loopback, plus a stats socket
 * the test reads the servers' check states from; nothing else changes.
 */
function onLoopback (config: string, lbPort: number, servers: number[], statsSocket: string): string {
  let next = 0
  return config
    .replace(/^(\s*bind\s+)\S+/m, `$1127.0.0.1:${lbPort}`)
    .replace(/^(\s*server\s+\S+\s+)\S+/gm, (_m, head: string) => `${head}127.0.0.1:${servers[next++] ?? 0}`)
    .replace(/^global\n/m, `global\n  stats socket ${statsSocket} level user\n`)
}

/** Each backend server's state and last check result, as HAProxy's `show stat` reports them. */
async function serverStates (statsSocket: string): Promise<Array<{ server: string, status: string, check: string }>> {
  const csv = await new Promise<string>((resolve, reject) => {
    let out = ''
    const socket = connect(statsSocket, () => socket.end('show stat\n'))
    socket.on('data', (chunk: Buffer) => { out += chunk.toString() })
    socket.on('end', () => { resolve(out) })
    socket.on('error', reject)
  })
  const [header = '', ...rows] = csv.trim().split('\n')
  const column = header.replace(/^# /, '').split(',')
  const at = (row: string[], name: string): string => row[column.indexOf(name)] ?? ''
  return rows.map(line => line.split(','))
    .filter(row => !['FRONTEND', 'BACKEND'].includes(at(row, 'svname')))
    .map(row => ({ server: at(row, 'svname'), status: at(row, 'status'), check: at(row, 'check_status') }))
}

t.test('the shipped config is valid HAProxy configuration', { skip: haproxyInstalled ? false : 'haproxy is not installed (.ci/run installs it)' }, async t => {
  const { stdout, stderr } = await exec('haproxy', ['-c', '-f', repoFile(CONFIG)])
  t.match(`${stdout}${stderr}`, /Configuration file is valid/)
})

t.test('through HAProxy: webhooks spread over both instances; an unready instance leaves the rotation and comes back', { skip: haproxyInstalled ? false : 'haproxy is not installed (.ci/run installs it)' }, async t => {
  const prefix = uniquePrefix(t)
  // b keeps its state on a Redis of its own, which the test stops to make b unready.
  const bRedis = await privateRedis(t)
  const a = await build(t, { envOverrides: redisEnv(prefix) })
  const b = await build(t, { envOverrides: redisEnv(prefix, bRedis.url) })
  const ports: number[] = []
  for (const app of [a, b]) {
    await app.listen({ port: 0, host: '127.0.0.1' })
    ports.push((app.server.address() as { port: number }).port)
  }
  const lbPort = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'haproxy-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const statsSocket = join(dir, 'stats.sock')
  const config = onLoopback(readText(CONFIG), lbPort, ports, statsSocket)
  t.equal(config.match(/127\.0\.0\.1:\d+/g)?.length, 3, 'one bind and two servers moved to loopback')
  await writeFile(join(dir, 'haproxy.cfg'), config)
  const lb = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  lb.stdout.on('data', (chunk: Buffer) => { log += chunk.toString() })
  lb.stderr.on('data', (chunk: Buffer) => { log += chunk.toString() })
  t.teardown(() => { lb.kill('SIGKILL') })

  /** Sends a confident event for a new conversation; says which instance recorded it. */
  const send = async (): Promise<{ status: number, on: 'a' | 'b' | null }> => {
    const id = newConversationId()
    const res = await fetch(`http://127.0.0.1:${lbPort}/webhook/messaging`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(messagingEvent(id, 0.9))
    })
    await res.arrayBuffer()
    const on = async (app: FastifyInstance): Promise<boolean> => await app.historyStore.get(id).then(s => s !== null, () => false)
    return { status: res.status, on: await on(a) ? 'a' : await on(b) ? 'b' : null }
  }
  const burst = async (n: number): Promise<Array<Awaited<ReturnType<typeof send>>>> => {
    const answers = []
    for (let i = 0; i < n; i++) answers.push(await send())
    return answers
  }

  await eventually(async () => (await fetch(`http://127.0.0.1:${lbPort}/health/live`).catch(() => null))?.status === 200, 10_000, `HAProxy up\n${log}`)
  // HAProxy starts a server as up but takes it out on its first failed check (slow on a loaded machine), and
  // back only after `rise` passes: the spread is measured once both servers have passed a check.
  let states: Awaited<ReturnType<typeof serverStates>> = []
  await eventually(async () => {
    states = await serverStates(statsSocket)
    return states.length === 2 && states.every(s => s.status === 'UP' && s.check === 'L7OK')
  }, 20_000, `both servers to pass HAProxy's checks (${JSON.stringify(states)})\n${log}`)
  const both = await burst(20)
  t.same(both.map(r => r.status), Array(20).fill(200))
  t.ok(both.filter(r => r.on === 'a').length >= 5 && both.filter(r => r.on === 'b').length >= 5,
    `round robin over both instances (a ${both.filter(r => r.on === 'a').length}, b ${both.filter(r => r.on === 'b').length})`)

  await bRedis.stop()
  t.equal((await b.inject({ method: 'GET', url: '/health/ready' })).statusCode, 503, 'b is not ready')
  // Until HAProxy's checks see it (fall × inter), b still gets some webhooks, which it refuses with 503.
  const stoppedAt = Date.now()
  let refused = 0
  await eventually(async () => {
    const answers = await burst(10)
    refused += answers.filter(r => r.status === 503).length
    return answers.every(r => r.status === 200)
  }, 20_000, `b to leave the rotation\n${log}`)
  t.comment(`b left the rotation after ${Date.now() - stoppedAt} ms; ${refused} webhooks answered 503 meanwhile`)
  const onlyA = await burst(20)
  t.same(onlyA.map(r => [r.status, r.on]), Array(20).fill([200, 'a']), 'every webhook lands on the ready instance')

  await bRedis.start()
  await untilReady(b, 15_000, 'b ready again')
  await eventually(async () => (await burst(4)).some(r => r.on === 'b'), 20_000, `b back in the rotation\n${log}`)
  t.pass('b is back in the rotation')

  // A full pool of idle connections to each instance, then silence: HAProxy drains the pool well before the
  // service's keep-alive timeout. It keeps one connection per instance warm (observed with its health checks
  // running), which the service itself closes at its keep-alive timeout; `http-reuse safe` never sends a
  // connection's first request over a reused connection, so a sender can always retry what such a close cuts.
  await Promise.all(Array.from({ length: 64 }, async () => await send()))
  const open = async (app: FastifyInstance): Promise<number> => await new Promise(resolve => { app.server.getConnections((_err, n) => { resolve(n) }) })
  const quietFrom = Date.now()
  t.ok(await open(a) > 1 && await open(b) > 1, 'connections kept open for reuse')
  await eventually(async () => await open(a) <= 1 && await open(b) <= 1, a.server.keepAliveTimeout / 2, 'the idle pool to drain')
  t.pass(`idle pool drained by HAProxy ${Date.now() - quietFrom} ms after traffic stopped (service keep-alive timeout ${a.server.keepAliveTimeout} ms)`)
})
