// Load on the webhook route: autocannon scenarios measured in interleaved rounds, and the cold burst of first
// handoffs on a fresh instance.
import { randomUUID } from 'node:crypto'
import autocannon from 'autocannon'
import { Pool } from 'undici'
import { SIGNATURE_HEADER, signature } from '../../src/webhook-signature.js'
import { BENCH_WEBHOOK_SECRET } from './protocol.js'
import { cpuOf, startWorker, tell, type Worker } from './processes.js'
import { round, type BenchOptions, type BurstResult, type LoadResult } from './types.js'

function webhookHeaders (body: string): Record<string, string> {
  return { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature(BENCH_WEBHOOK_SECRET, body) }
}

function eventBody (conversationId: string, confidence: number): string {
  return `{"conversationId":"${conversationId}","event":"message","intent":{"intent":"billing_question","confidence":${confidence}},"text":"I have a question about my last invoice"}`
}

/** Bodies for one connection; each connection cycles through its own list, prebuilt so the load generator stays cheap. */
export type Bodies = (seconds: number, connections: number) => string[]

/** Confident events on conversations picked at random from a pool. */
export function continueBodies (pool: number): Bodies {
  const ids = Array.from({ length: pool }, () => randomUUID())
  return () => Array.from({ length: 500 }, () => eventBody(ids[Math.floor(Math.random() * ids.length)] ?? '', 0.92))
}

/** Faster than any handoff rate this machine reaches, so no conversation gets a second event. */
const MAX_HANDOFF_RATE = 20_000

/** Low-confidence events, each on a conversation never seen before. */
export function handoffBodies (): Bodies {
  return (seconds, connections) => Array.from({ length: Math.ceil(MAX_HANDOFF_RATE * seconds / connections) }, () => eventBody(randomUUID(), 0.2))
}

interface Cannon { requests: number, durationS: number, latencies: number[], errors: number, non2xx: number, wrapped: boolean, cpuMicros: number, simCpuMicros: number }

export interface Scenario {
  name: string
  path: LoadResult['path']
  store: LoadResult['store']
  url: string
  server: Worker
  sim: Worker | null
  bodies: Bodies
  runs: Cannon[]
}

/** One autocannon run, keeping autocannon's sub-millisecond response times for the percentiles. */
async function cannon (url: string, bodies: Bodies, connections: number, seconds: number): Promise<Cannon> {
  const latencies: number[] = []
  const perClient = new Map<unknown, number>()
  let listLength = Infinity
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url,
      connections,
      duration: seconds,
      // Passed here rather than in the options, which autocannon deep-copies per connection.
      setupClient: (client) => {
        const list = bodies(seconds, connections)
        listLength = Math.min(listLength, list.length)
        client.setRequests(list.map(body => ({ method: 'POST', path: '/webhook/messaging', headers: webhookHeaders(body), body })))
      }
    }, (err, res) => { if (err !== null && err !== undefined) reject(err); else resolve(res) })
    instance.on('response', (client: unknown, _status: number, _bytes: number, ms: number) => {
      latencies.push(ms)
      perClient.set(client, (perClient.get(client) ?? 0) + 1)
    })
  })
  return {
    requests: result.requests.total,
    durationS: result.duration,
    latencies,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    wrapped: Math.max(0, ...perClient.values()) > listLength,
    cpuMicros: 0,
    simCpuMicros: 0
  }
}

/** A cannon run with the CPU time the server (and the simulator) used during it. */
async function measuredRun (s: Scenario, connections: number, seconds: number): Promise<Cannon> {
  const [cpu0, sim0] = [await cpuOf(s.server), await cpuOf(s.sim)]
  const run = await cannon(s.url, s.bodies, connections, seconds)
  const [cpu1, sim1] = [await cpuOf(s.server), await cpuOf(s.sim)]
  return { ...run, cpuMicros: cpu1 - cpu0, simCpuMicros: sim1 - sim0 }
}

function summarize (s: Scenario, connections: number): LoadResult {
  const latencies = s.runs.flatMap(r => r.latencies).sort((a, b) => a - b)
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0
  const requests = s.runs.reduce((n, r) => n + r.requests, 0)
  const durationS = s.runs.reduce((n, r) => n + r.durationS, 0)
  return {
    name: s.name,
    path: s.path,
    store: s.store,
    connections,
    durationS: round(durationS, 2),
    requests,
    reqPerSec: Math.round(requests / durationS),
    p50Ms: round(pct(0.5), 2),
    p99Ms: round(pct(0.99), 2),
    maxMs: round(latencies.at(-1) ?? 0, 2),
    errors: s.runs.reduce((n, r) => n + r.errors, 0),
    non2xx: s.runs.reduce((n, r) => n + r.non2xx, 0),
    cpuMicrosPerReq: Math.round(s.runs.reduce((n, r) => n + r.cpuMicros, 0) / Math.max(1, requests)),
    simCpuMicrosPerReq: s.sim === null ? null : Math.round(s.runs.reduce((n, r) => n + r.simCpuMicros, 0) / Math.max(1, requests)),
    vsCeiling: null,
    vsReference: null
  }
}

/**
 * Warms each scenario up, then measures them in interleaved rounds (order rotated each round), so a change in
 * background load on the machine hits the references and the service alike and the ratios stay comparable.
 */
export async function measure (scenarios: Scenario[], opts: BenchOptions, notes: string[]): Promise<LoadResult[]> {
  if (opts.warmup > 0) {
    for (const s of scenarios) await cannon(s.url, s.bodies, opts.connections, opts.warmup)
  }
  const slice = opts.duration / opts.rounds
  for (let round = 0; round < opts.rounds; round++) {
    for (let i = 0; i < scenarios.length; i++) {
      const s = scenarios[(i + round) % scenarios.length]
      if (s === undefined) continue
      s.runs.push(await measuredRun(s, opts.connections, slice))
    }
    process.stderr.write(`  round ${round + 1}/${opts.rounds} done\n`)
  }
  for (const s of scenarios) {
    if (s.path === 'handoff' && s.runs.some(r => r.wrapped)) notes.push(`${s.name}: a connection ran out of fresh conversations, so some events were repeats`)
  }
  return scenarios.map(s => summarize(s, opts.connections))
}

/**
 * N concurrent first handoffs on a fresh service instance (started with serviceEnv): connections opened first,
 * then all events at once.
 */
export async function coldBurst (sim: Worker, size: number, serviceEnv: Record<string, string>, execArgv: string[]): Promise<BurstResult> {
  await tell(sim, { type: 'clear' })
  const svc = await startWorker('service', serviceEnv, execArgv)
  const pool = new Pool(svc.url, { connections: size, pipelining: 1 })
  try {
    await Promise.all(Array.from({ length: size }, async () => {
      const res = await pool.request({ method: 'GET', path: '/health/live' })
      await res.body.dump()
    }))
    const started = performance.now()
    const statuses: Record<string, number> = {}
    let ok = 0
    await Promise.all(Array.from({ length: size }, async () => {
      try {
        const body = eventBody(randomUUID(), 0.2)
        const res = await pool.request({ method: 'POST', path: '/webhook/messaging', headers: webhookHeaders(body), body })
        const answer = await res.body.json() as { status?: string }
        const key = `${res.statusCode} ${answer.status ?? ''}`.trim()
        statuses[key] = (statuses[key] ?? 0) + 1
        if (res.statusCode === 200 && answer.status === 'handoff_initiated') ok++
      } catch (err) {
        const key = (err as Error).name
        statuses[key] = (statuses[key] ?? 0) + 1
      }
    }))
    const durationMs = performance.now() - started
    const simStats = await sim.request({ type: 'stats' })
    const svcStats = await svc.request({ type: 'stats' })
    return {
      requests: size,
      ok,
      statuses,
      tokenRequestsAtSimulator: simStats.type === 'stats' ? simStats.tokenRequests : -1,
      tokenRequestsByService: svcStats.type === 'stats' ? svcStats.tokenRequests : -1,
      routingCalls: simStats.type === 'stats' ? simStats.calls : -1,
      durationMs: round(durationMs, 1)
    }
  } finally {
    await pool.close()
    await svc.stop()
  }
}
