// Redis test helpers: a unique key prefix per test on the shared 127.0.0.1:6379 (cleaned up afterwards,
// never FLUSHALL), and a private redis-server a test can stop and start again.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'

interface Teardown { teardown: (fn: () => unknown) => void }

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A raw client (no key prefix) on the shared Redis, closed after the test. */
export function rawClient (t: Teardown, url = SHARED_REDIS_URL): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true })
  client.on('error', () => {})
  t.teardown(() => { client.disconnect() })
  return client
}

/** A fresh prefix whose keys are deleted when the test ends. */
export function uniquePrefix (t: Teardown): string {
  const prefix = `test:${randomUUID()}:`
  t.teardown(async () => {
    const client = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 })
    client.on('error', () => {})
    try {
      const keys = await keysUnder(client, prefix)
      if (keys.length > 0) await client.unlink(...keys)
    } finally {
      client.disconnect()
    }
  })
  return prefix
}

export function redisEnv (prefix: string, url = SHARED_REDIS_URL): Record<string, unknown> {
  return { REDIS_URL: url, REDIS_KEY_PREFIX: prefix }
}

export async function keysUnder (client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  return keys.sort()
}

function escapeGlob (text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export interface PrivateRedis {
  port: number
  url: string
  start: () => Promise<void>
  stop: () => Promise<void>
  /** stops answering without closing connections (SIGSTOP) */
  freeze: () => void
  thaw: () => void
}

/**
 * A redis-server of the test's own on a free loopback port, stopped at teardown. Without persistence unless
 * `persistent` (append-only file in a temporary directory, kept across stop/start); `args` are added last.
 */
export async function privateRedis (t: Teardown, opts: { start?: boolean, persistent?: boolean, args?: string[] } = {}): Promise<PrivateRedis> {
  const port = await freePort()
  let child: ChildProcess | null = null
  let persistence = ['--save', '', '--appendonly', 'no']
  if (opts.persistent === true) {
    const dir = await mkdtemp(join(tmpdir(), 'redis-test-'))
    t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
    persistence = ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]
  }

  const start = async (): Promise<void> => {
    if (child !== null) return
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...persistence, ...(opts.args ?? [])], { stdio: 'ignore' })
    child = proc
    proc.once('exit', () => { if (child === proc) child = null })
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => {})
    try {
      for (let i = 0; i < 100; i++) {
        try {
          await probe.connect()
          if (await probe.ping() === 'PONG') return
        } catch {
          probe.disconnect()
          await sleep(50)
        }
      }
      throw new Error(`redis-server did not start on port ${port}`)
    } finally {
      probe.disconnect()
    }
  }

  const stop = async (): Promise<void> => {
    const proc = child
    if (proc === null) return
    child = null
    const exited = once(proc, 'exit')
    proc.kill('SIGCONT')
    proc.kill('SIGTERM')
    await exited
  }

  t.teardown(stop)
  if (opts.start !== false) await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    freeze: () => { child?.kill('SIGSTOP') },
    thaw: () => { child?.kill('SIGCONT') }
  }
}

/** Polls until check() is true; throws after timeoutMs (a guard against hanging, not a speed assertion). */
export async function eventually (check: () => Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Until the app's readiness answers 200 (its store reachable again). */
export async function untilReady (app: FastifyInstance, timeoutMs = 10_000, what = 'readiness'): Promise<void> {
  await eventually(async () => (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200, timeoutMs, what)
}
