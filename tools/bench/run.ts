// One bench run: starts the servers the chosen scenarios need (side by side), measures them, then the cold
// burst and the memory run, and checks the targets.
import { connect } from 'node:net'
import { cpus, platform, release, totalmem } from 'node:os'
import { coldBurst, continueBodies, handoffBodies, measure, type Bodies, type Scenario } from './load.js'
import { memoryRun } from './memory.js'
import { profileArgs, startWorker, type Worker } from './processes.js'
import { BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_QUEUE_ID, BENCH_WEBHOOK_SECRET } from './protocol.js'
import { addRatios, checkTargets } from './report.js'
import type { BenchOptions, BenchResults, LoadResult } from './types.js'

const REDIS_HOST = '127.0.0.1'
const REDIS_PORT = 6379

function serviceEnv (opts: BenchOptions, simulatorUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BENCH_LOG_LEVEL: opts.logLevel,
    BENCH_SERVICE_ENV: JSON.stringify({
      // Not NODE_ENV=production: it refuses the simulator's plain-HTTP URLs; nothing on the webhook path differs.
      NODE_ENV: 'development',
      DOCS_ENABLED: 'false',
      GENESYS_CLIENT_ID: BENCH_CLIENT_ID,
      GENESYS_CLIENT_SECRET: BENCH_CLIENT_SECRET,
      GENESYS_API_BASE_URL: simulatorUrl,
      GENESYS_LOGIN_BASE_URL: simulatorUrl,
      HANDOFF_QUEUE_ID: BENCH_QUEUE_ID,
      SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
      WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
      LOG_LEVEL: 'info',
      // Short-lived keys, so a Redis run leaves nothing behind for long.
      HISTORY_TTL_SECONDS: '600',
      ...extra
    })
  }
}

async function redisAnswers (): Promise<boolean> {
  return await new Promise(resolve => {
    const socket = connect(REDIS_PORT, REDIS_HOST)
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok) }
    socket.setTimeout(1000, () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (d) => done(String(d).startsWith('+PONG')))
    socket.on('error', () => done(false))
  })
}

function machine (): BenchResults['machine'] {
  const cpu = cpus()
  return { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.versions.node, os: `${platform()} ${release()}` }
}

/** The load scenarios and the cold burst; every server process is stopped before this returns. */
async function loadAndBurst (opts: BenchOptions, results: BenchResults): Promise<void> {
  const want = (s: string): boolean => opts.only.has(s)
  const continueBody = continueBodies(opts.pool)
  const workers: Worker[] = []
  const start = async (role: string, env?: Record<string, string>, execArgv?: string[]): Promise<Worker> => {
    const w = await startWorker(role, env, execArgv)
    workers.push(w)
    return w
  }
  try {
    const scenarios: Scenario[] = []
    const add = (name: string, path: LoadResult['path'], store: LoadResult['store'], server: Worker, sim: Worker | null, bodies: Bodies): void => {
      scenarios.push({ name, path, store, url: server.url, server, sim, bodies, runs: [] })
    }
    // Started side by side: each takes a few seconds to load on a busy machine.
    const needSim = want('continue') || want('handoff') || want('redis') || want('burst')
    const [bare, fastify, floor, sim] = await Promise.all([
      want('bare') ? start('bare', {}, profileArgs(opts.profile, 'bare')) : null,
      want('fastify') ? start('fastify', {}, profileArgs(opts.profile, 'fastify')) : null,
      want('floor') ? start('floor', {}, profileArgs(opts.profile, 'floor')) : null,
      needSim ? start('simulator') : null
    ])
    const redis = sim !== null && want('redis') && await redisAnswers()
    const [embedded, redisBacked] = await Promise.all([
      sim !== null && (want('continue') || want('handoff')) ? start('service', serviceEnv(opts, sim.url), profileArgs(opts.profile, 'embedded')) : null,
      sim !== null && redis
        ? start('service', serviceEnv(opts, sim.url, { REDIS_URL: `redis://${REDIS_HOST}:${REDIS_PORT}`, REDIS_KEY_PREFIX: `bench:${process.pid}:${Date.now()}:` }), profileArgs(opts.profile, 'redis'))
        : null
    ])
    if (bare !== null) add('bare node:http (ceiling)', 'ceiling', 'none', bare, null, continueBody)
    if (fastify !== null) add('bare Fastify (reference)', 'reference', 'none', fastify, null, continueBody)
    if (floor !== null) add('floor (Fastify + contract)', 'floor', 'none', floor, null, continueBody)
    if (embedded !== null && want('continue')) add('continue (embedded)', 'continue', 'embedded', embedded, null, continueBody)
    if (embedded !== null && want('handoff')) add('handoff (embedded)', 'handoff', 'embedded', embedded, sim, handoffBodies())
    if (redisBacked !== null) {
      add('continue (redis)', 'continue', 'redis', redisBacked, null, continueBody)
      add('handoff (redis)', 'handoff', 'redis', redisBacked, sim, handoffBodies())
    } else if (want('redis')) {
      results.notes.push(`redis: skipped, nothing answers PING on ${REDIS_HOST}:${REDIS_PORT}`)
    }
    if (scenarios.length > 0) results.load = await measure(scenarios, opts, results.notes)
    if (sim !== null && want('burst')) results.burst = await coldBurst(sim, opts.burst, serviceEnv(opts, sim.url), profileArgs(opts.profile, 'burst'))
  } finally {
    for (const w of workers) await w.stop()
  }
}

export async function runBench (opts: BenchOptions): Promise<BenchResults> {
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    machine: machine(),
    options: { ...opts, only: [...opts.only] },
    load: [],
    burst: null,
    memory: null,
    targets: [],
    notes: []
  }
  await loadAndBurst(opts, results)
  if (opts.only.has('memory')) results.memory = await memoryRun(opts.conversations, opts.events)

  addRatios(results.load)
  results.targets = checkTargets(results)
  if (results.load.some(l => l.path === 'continue') && !results.load.some(l => l.path === 'reference')) {
    results.notes.push('the req/s and p99 targets are ratios to bare Fastify: add fastify to --only to check them')
  }
  if (opts.logLevel !== 'info') results.notes.push(`service logging at ${opts.logLevel}, not info: figures for comparison only`)
  if (opts.profile !== null) results.notes.push(`CPU profiles in ${opts.profile}; profiling slows the service, so these figures are not the benchmark's`)
  return results
}
