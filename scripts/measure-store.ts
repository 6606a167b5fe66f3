// Webhook throughput on the continue path (high-confidence events, no Genesys call), embedded memory
// store vs Redis, in one run. Both apps listen on loopback; a closed loop of concurrent undici requests
// drives each in turn, alternating rounds so background load affects both alike.
//
//   npx tsx scripts/measure-store.ts            (env: MEASURE_REDIS_URL, MEASURE_SECONDS, MEASURE_CONNECTIONS, MEASURE_ROUNDS)
import { randomUUID } from 'node:crypto'
import { Pool } from 'undici'
import { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { build } from '../plugins/app.js'

const REDIS_URL = process.env.MEASURE_REDIS_URL ?? 'redis://127.0.0.1:6379'
const SECONDS = Math.min(Number(process.env.MEASURE_SECONDS ?? 5), 60)
const CONNECTIONS = Math.min(Number(process.env.MEASURE_CONNECTIONS ?? 32), 256)
const ROUNDS = Math.min(Number(process.env.MEASURE_ROUNDS ?? 3), 10)
const CONVERSATIONS = 1000

const baseEnv = {
  GENESYS_CLIENT_ID: 'measure',
  GENESYS_CLIENT_SECRET: 'measure',
  GENESYS_API_BASE_URL: 'http://127.0.0.1:9',
  GENESYS_LOGIN_BASE_URL: 'http://127.0.0.1:9',
  HANDOFF_QUEUE_ID: 'measure-queue',
  SESSION_SECRET: 'measure-session-secret-0123456789abcdef',
  LOG_LEVEL: 'silent'
}

const conversationIds = Array.from({ length: CONVERSATIONS }, () => randomUUID())
const bodies = conversationIds.map(conversationId => JSON.stringify({
  conversationId, event: 'message', intent: { intent: 'order_status', confidence: 0.95 }, text: 'where is my order?'
}))

async function start (env: Record<string, unknown>): Promise<{ app: FastifyInstance, url: string }> {
  const app = await build({ env: { ...baseEnv, ...env }, dotenv: false })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url }
}

/** Requests completed per second over `seconds`, with `connections` requests always in flight. */
async function drive (url: string, seconds: number): Promise<{ rps: number, errors: number }> {
  const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 })
  let done = 0
  let errors = 0
  let next = 0
  const started = performance.now()
  const until = started + seconds * 1000
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const body = bodies[next++ % bodies.length]
      const res = await pool.request({ path: '/webhook/messaging', method: 'POST', headers: { 'content-type': 'application/json' }, body })
      await res.body.dump()
      if (res.statusCode === 200) done++
      else errors++
    }
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, worker))
  const elapsed = (performance.now() - started) / 1000
  await pool.close()
  return { rps: done / elapsed, errors }
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] ?? 0 : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

async function main (): Promise<void> {
  const prefix = `measure:${randomUUID()}:`
  const memory = await start({})
  const redis = await start({ REDIS_URL, REDIS_KEY_PREFIX: prefix })
  const results: Record<'memory' | 'redis', number[]> = { memory: [], redis: [] }
  try {
    for (const target of [memory, redis]) await drive(target.url, 1) // warm-up
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, target] of [['memory', memory], ['redis', redis]] as const) {
        const { rps, errors } = await drive(target.url, SECONDS)
        if (errors > 0) throw new Error(`${name}: ${errors} non-200 answers`)
        results[name].push(rps)
        console.log(`round ${round} ${name.padEnd(6)} ${rps.toFixed(0)} req/s`)
      }
    }
  } finally {
    await memory.app.close()
    await redis.app.close()
    await dropKeys(prefix)
  }
  const m = median(results.memory)
  const r = median(results.redis)
  console.log(`median: memory ${m.toFixed(0)} req/s, redis ${r.toFixed(0)} req/s, redis/memory = ${(r / m).toFixed(2)}x ` +
    `(${CONNECTIONS} connections, ${SECONDS}s x ${ROUNDS} rounds, ${CONVERSATIONS} conversations, continue path)`)
}

async function dropKeys (prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL)
  let cursor = '0'
  do {
    const [nextCursor, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = nextCursor
    if (keys.length > 0) await client.unlink(...keys)
  } while (cursor !== '0')
  client.disconnect()
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
