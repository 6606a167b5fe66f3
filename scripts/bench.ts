// `npm run bench`: load-tests the webhook path on loopback and compares it with a bare node:http ceiling.
// Every server (bare ceiling, bare Fastify, Genesys simulator, service) runs in its own child process;
// autocannon drives them from this one. Prints a table, checks the targets and writes JSON results (bench-results.json).
// `npm run bench -- --help` lists the flags.
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { connect } from 'node:net'
import { cpus, totalmem, platform, release } from 'node:os'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import ts from 'typescript'
import { Pool } from 'undici'
import { BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, type ParentMessage, type WorkerMessage } from './bench-worker.js'
import { SIGNATURE_HEADER, signature } from '../src/webhook-signature.js'

// Signature checking is on, as in production: every request carries its HMAC (computed ahead, off the clock).
const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret-5f0c2a9e7b1d4c36'

function webhookHeaders (body: string): Record<string, string> {
  return { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature(BENCH_WEBHOOK_SECRET, body) }
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// Servers run the compiled JavaScript, as `npm start` does, without a TypeScript loader in the process.
const WORKER = join(ROOT, 'dist', 'scripts', 'bench-worker.js')
const QUEUE_ID = 'a3f1c2d4-0000-4000-8000-0000000000aa'
const REDIS_HOST = '127.0.0.1'
const REDIS_PORT = 6379

export const TARGETS = {
  continueRatio: 0.85,
  continueP99Ms: 10,
  handoffRatio: 0.35,
  burstTokenRequests: 1,
  memoryRssMb: 300
} as const

const HELP = `npm run bench -- [flags]
  --duration S       seconds measured per load scenario (default 10)
  --warmup S         seconds of unmeasured load before each (default 2)
  --rounds N         interleaved rounds the duration is split into (default 5)
  --connections N    concurrent connections (default 50)
  --pool N           conversations the continue path picks from at random (default 10000)
  --burst N          concurrent first handoffs in the cold burst (default 1000)
  --conversations N  conversations for the memory figure (default 100000)
  --events N         events per conversation for the memory figure (default 10)
  --only LIST        comma list of: bare,fastify,continue,handoff,redis,burst,memory (default all)
  --log-level L      service log level (default info, the target's condition; others are for comparison)
  --profile DIR      write a V8 CPU profile of each server process to DIR (slower; figures not comparable)
  --out FILE         JSON results (default bench-results.json)`

export interface BenchOptions {
  duration: number
  warmup: number
  rounds: number
  connections: number
  pool: number
  burst: number
  conversations: number
  events: number
  only: Set<string>
  profile: string | null
  logLevel: string
  out: string
}

export interface LoadResult {
  name: string
  path: 'ceiling' | 'reference' | 'continue' | 'handoff'
  store: 'none' | 'embedded' | 'redis'
  connections: number
  durationS: number
  requests: number
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  errors: number
  non2xx: number
  /** CPU time the server process spent per request (user + system): less noisy than req/s on a shared machine */
  cpuMicrosPerReq: number
  /** the same for the Genesys simulator, on the handoff path */
  simCpuMicrosPerReq: number | null
  ratio: number | null
}

export interface BurstResult {
  requests: number
  ok: number
  statuses: Record<string, number>
  tokenRequestsAtSimulator: number
  tokenRequestsByService: number
  routingCalls: number
  durationMs: number
}

export interface MemoryResult {
  conversations: number
  eventsPerConversation: number
  rssMb: number
  rssBeforeMb: number
  heapUsedMb: number
  heapTotalMb: number
  fillMs: number
  storeSize: number
}

export interface TargetCheck { name: string, target: string, value: string, ok: boolean }

export interface BenchResults {
  startedAt: string
  machine: { cpu: string, cores: number, memoryGb: number, node: string, os: string }
  options: Omit<BenchOptions, 'only'> & { only: string[] }
  load: LoadResult[]
  burst: BurstResult | null
  memory: MemoryResult | null
  targets: TargetCheck[]
  notes: string[]
}

export function parseOptions (argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      pool: { type: 'string', default: '10000' },
      burst: { type: 'string', default: '1000' },
      conversations: { type: 'string', default: '100000' },
      events: { type: 'string', default: '10' },
      only: { type: 'string', default: 'bare,fastify,continue,handoff,redis,burst,memory' },
      profile: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      out: { type: 'string', default: 'bench-results.json' },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help === true) return null
  const num = (name: string, raw: string, min: number): number => {
    const n = Number(raw)
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${raw}`)
    return n
  }
  return {
    duration: num('duration', values.duration, 1),
    warmup: num('warmup', values.warmup, 0),
    rounds: Math.round(num('rounds', values.rounds, 1)),
    connections: num('connections', values.connections, 1),
    pool: num('pool', values.pool, 1),
    burst: num('burst', values.burst, 1),
    conversations: num('conversations', values.conversations, 1),
    events: num('events', values.events, 1),
    only: new Set(values.only.split(',').map(s => s.trim()).filter(s => s !== '')),
    profile: values.profile === undefined ? null : resolve(values.profile),
    logLevel: values['log-level'],
    out: values.out
  }
}

interface Worker {
  url: string
  child: ChildProcess
  request: (message: ParentMessage) => Promise<WorkerMessage>
  stop: () => Promise<void>
}

async function startWorker (role: string, env: Record<string, string> = {}, execArgv: string[] = []): Promise<Worker> {
  const child = fork(WORKER, [role], {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const ready = await new Promise<WorkerMessage>((resolve, reject) => {
    child.once('message', (m: WorkerMessage) => resolve(m))
    child.once('exit', (code) => reject(new Error(`bench worker ${role} exited (${String(code)}) before it was ready`)))
  })
  if (ready.type !== 'ready') throw new Error(`bench worker ${role} said ${ready.type}`)
  return {
    url: ready.url,
    child,
    request: async (message) => await new Promise((resolve, reject) => {
      if (child.exitCode !== null || !child.connected) return reject(new Error(`bench worker ${role} has exited`))
      const gone = (): void => reject(new Error(`bench worker ${role} exited during the run`))
      child.once('exit', gone)
      child.once('message', (m: WorkerMessage) => { child.off('exit', gone); resolve(m) })
      child.send(message)
    }),
    stop: async () => {
      if (child.exitCode === null && child.connected) child.send({ type: 'stop' } satisfies ParentMessage)
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}

async function tell (worker: Worker, message: ParentMessage): Promise<void> {
  worker.child.send(message)
  await new Promise(resolve => setImmediate(resolve))
}

function eventBody (conversationId: string, confidence: number): string {
  return `{"conversationId":"${conversationId}","event":"message","intent":{"intent":"billing_question","confidence":${confidence}},"text":"I have a question about my last invoice"}`
}

/** Bodies for one connection; each connection cycles through its own list, prebuilt so the load generator stays cheap. */
type Bodies = (seconds: number, connections: number) => string[]

/** Confident events on conversations picked at random from a pool. */
function continueBodies (pool: number): Bodies {
  const ids = Array.from({ length: pool }, () => randomUUID())
  return () => Array.from({ length: 500 }, () => eventBody(ids[Math.floor(Math.random() * ids.length)] ?? '', 0.92))
}

/** Faster than any handoff rate this machine reaches, so no conversation gets a second event. */
const MAX_HANDOFF_RATE = 20_000

/** Low-confidence events, each on a conversation never seen before. */
function handoffBodies (): Bodies {
  return (seconds, connections) => Array.from({ length: Math.ceil(MAX_HANDOFF_RATE * seconds / connections) }, () => eventBody(randomUUID(), 0.2))
}

interface Cannon { requests: number, durationS: number, latencies: number[], errors: number, non2xx: number, wrapped: boolean, cpuMicros: number, simCpuMicros: number }

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

async function cpuOf (worker: Worker | null): Promise<number> {
  if (worker === null) return 0
  const stats = await worker.request({ type: 'stats' })
  return stats.type === 'stats' ? stats.cpuMicros : 0
}

/** A cannon run with the CPU time the server (and the simulator) used during it. */
async function measuredRun (s: Scenario, connections: number, seconds: number): Promise<Cannon> {
  const [cpu0, sim0] = [await cpuOf(s.server), await cpuOf(s.sim)]
  const run = await cannon(s.url, s.bodies, connections, seconds)
  const [cpu1, sim1] = [await cpuOf(s.server), await cpuOf(s.sim)]
  return { ...run, cpuMicros: cpu1 - cpu0, simCpuMicros: sim1 - sim0 }
}

interface Scenario {
  name: string
  path: LoadResult['path']
  store: LoadResult['store']
  url: string
  server: Worker
  sim: Worker | null
  bodies: Bodies
  runs: Cannon[]
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
    ratio: null
  }
}

/**
 * Warms each scenario up, then measures them in interleaved rounds (order rotated each round), so a change in
 * background load on the machine hits the ceiling and the service alike and the ratios stay comparable.
 */
async function measure (scenarios: Scenario[], opts: BenchOptions, notes: string[]): Promise<LoadResult[]> {
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
      HANDOFF_QUEUE_ID: QUEUE_ID,
      SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
      WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
      LOG_LEVEL: 'info',
      // Short-lived keys, so a Redis run leaves nothing behind for long.
      HISTORY_TTL_SECONDS: '600',
      ...extra
    })
  }
}

function profileArgs (opts: BenchOptions, name: string): string[] {
  if (opts.profile === null) return []
  const dir = join(opts.profile, name)
  mkdirSync(dir, { recursive: true })
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`]
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

/** N concurrent first handoffs on a fresh instance: connections opened first, then all events at once. */
async function coldBurst (sim: Worker, opts: BenchOptions): Promise<BurstResult> {
  await tell(sim, { type: 'clear' })
  const svc = await startWorker('service', serviceEnv(opts, sim.url), profileArgs(opts, 'burst'))
  const pool = new Pool(svc.url, { connections: opts.burst, pipelining: 1 })
  try {
    await Promise.all(Array.from({ length: opts.burst }, async () => {
      const res = await pool.request({ method: 'GET', path: '/health/live' })
      await res.body.dump()
    }))
    const started = performance.now()
    const statuses: Record<string, number> = {}
    let ok = 0
    await Promise.all(Array.from({ length: opts.burst }, async () => {
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
      requests: opts.burst,
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

async function memory (opts: BenchOptions): Promise<MemoryResult> {
  const child = fork(WORKER, ['memory'], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, BENCH_CONVERSATIONS: String(opts.conversations), BENCH_EVENTS: String(opts.events) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const m = await new Promise<WorkerMessage>((resolve, reject) => {
    child.once('message', (message: WorkerMessage) => resolve(message))
    child.once('exit', (code) => reject(new Error(`memory worker exited (${String(code)}) without a result`)))
  })
  if (m.type !== 'memory') throw new Error(`memory worker said ${m.type}`)
  const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1)
  return {
    conversations: m.conversations,
    eventsPerConversation: m.eventsPerConversation,
    rssMb: mb(m.rss),
    rssBeforeMb: mb(m.rssBefore),
    heapUsedMb: mb(m.heapUsed),
    heapTotalMb: mb(m.heapTotal),
    fillMs: Math.round(m.fillMs),
    storeSize: m.storeSize
  }
}

function round (n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

export function checkTargets (r: Pick<BenchResults, 'load' | 'burst' | 'memory'>): TargetCheck[] {
  const checks: TargetCheck[] = []
  const find = (name: string): LoadResult | undefined => r.load.find(l => l.name === name)
  const cont = find('continue (embedded)')
  if (cont?.ratio != null) {
    checks.push({ name: 'continue path vs ceiling', target: `≥ ${TARGETS.continueRatio}×`, value: `${cont.ratio}×`, ok: cont.ratio >= TARGETS.continueRatio })
  }
  if (cont !== undefined) {
    checks.push({ name: `continue path p99 at ${cont.connections} connections`, target: `< ${TARGETS.continueP99Ms} ms`, value: `${cont.p99Ms} ms`, ok: cont.p99Ms < TARGETS.continueP99Ms })
  }
  const handoff = find('handoff (embedded)')
  if (handoff?.ratio != null) {
    checks.push({ name: 'handoff path vs ceiling', target: `≥ ${TARGETS.handoffRatio}×`, value: `${handoff.ratio}×`, ok: handoff.ratio >= TARGETS.handoffRatio })
  }
  if (r.burst !== null) {
    checks.push({
      name: `token requests per cold burst of ${r.burst.requests}`,
      target: `${TARGETS.burstTokenRequests}`,
      value: `${r.burst.tokenRequestsAtSimulator} (${r.burst.ok}/${r.burst.requests} handed off)`,
      ok: r.burst.tokenRequestsAtSimulator === TARGETS.burstTokenRequests && r.burst.ok === r.burst.requests
    })
  }
  if (r.memory !== null) {
    checks.push({
      name: `RSS for ${r.memory.conversations} conversations × ${r.memory.eventsPerConversation} events`,
      target: `< ${TARGETS.memoryRssMb} MB`,
      value: `${r.memory.rssMb} MB`,
      ok: r.memory.rssMb < TARGETS.memoryRssMb
    })
  }
  return checks
}

export function formatTable (r: BenchResults): string {
  const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'vs bare', 'server CPU µs/req', 'simulator CPU µs/req']]
  for (const l of r.load) {
    rows.push([l.name, String(l.reqPerSec), l.p50Ms.toFixed(2), l.p99Ms.toFixed(2), String(l.errors), String(l.non2xx),
      l.ratio === null ? '-' : `${l.ratio.toFixed(2)}×`, String(l.cpuMicrosPerReq), l.simCpuMicrosPerReq === null ? '-' : String(l.simCpuMicrosPerReq)])
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map(row => (row[i] ?? '').length))) ?? []
  const line = (row: string[]): string => '| ' + row.map((cell, i) => i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)).join(' | ') + ' |'
  const out = [line(rows[0] ?? []), '|' + widths.map((w, i) => i === 0 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':').join('|') + '|']
  for (const row of rows.slice(1)) out.push(line(row))
  out.push('')
  if (r.burst !== null) {
    out.push(`cold burst: ${r.burst.requests} concurrent first handoffs on a fresh instance → ${r.burst.tokenRequestsAtSimulator} token request(s) at the simulator, ` +
      `${r.burst.ok} handed off, ${r.burst.routingCalls} routing calls, ${r.burst.durationMs} ms (${Object.entries(r.burst.statuses).map(([k, v]) => `${k}: ${v}`).join(', ')})`)
  }
  if (r.memory !== null) {
    out.push(`memory: ${r.memory.conversations} conversations × ${r.memory.eventsPerConversation} events in the embedded store → RSS ${r.memory.rssMb} MB ` +
      `(heap ${r.memory.heapUsedMb} MB used of ${r.memory.heapTotalMb} MB; RSS ${r.memory.rssBeforeMb} MB before; filled in ${r.memory.fillMs} ms)`)
  }
  out.push('')
  out.push('targets:')
  for (const t of r.targets) out.push(`  ${t.ok ? 'ok  ' : 'MISS'} ${t.name}: ${t.value} (target ${t.target})`)
  for (const n of r.notes) out.push(`note: ${n}`)
  out.push(`machine: ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memoryGb} GB, Node ${r.machine.node}, ${r.machine.os}`)
  return out.join('\n')
}

/** Self time per function across the profiles in dir: the top entries, as "percent function (file:line)". */
export function topSelfTime (dir: string, limit = 15): string[] {
  const totals = new Map<string, number>()
  let all = 0
  for (const file of readdirSync(dir).filter(f => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number } }>
      samples: number[]
      timeDeltas: number[]
    }
    const byId = new Map(profile.nodes.map(n => [n.id, n]))
    profile.samples.forEach((id, i) => {
      const node = byId.get(id)
      if (node === undefined) return
      const { functionName, url, lineNumber } = node.callFrame
      const key = `${functionName === '' ? '(anonymous)' : functionName} (${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|plugins|scripts)\//, '$1/')}:${lineNumber + 1})`
      const dt = profile.timeDeltas[i] ?? 0
      totals.set(key, (totals.get(key) ?? 0) + dt)
      all += dt
    })
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, v]) => `${(100 * v / all).toFixed(1).padStart(5)}% ${k}`)
}

/**
 * The workers run from dist/, as `npm start` does. Each file is transpiled on its own (no type check, which
 * `npm run typecheck` does), which takes a second where a full `tsc` build takes several.
 */
function compile (): void {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')) }
  })
  if (config === undefined) throw new Error('tsconfig.json could not be read')
  const outDir = config.options.outDir ?? join(ROOT, 'dist')
  const options: ts.CompilerOptions = { ...config.options, module: ts.ModuleKind.ESNext, sourceMap: false, declaration: false }
  for (const file of config.fileNames) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file })
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js')
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, outputText)
  }
}

export async function runBench (opts: BenchOptions): Promise<BenchResults> {
  compile()
  const cpu = cpus()
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.versions.node, os: `${platform()} ${release()}` },
    options: { ...opts, only: [...opts.only] },
    load: [],
    burst: null,
    memory: null,
    targets: [],
    notes: []
  }
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
    const [bare, fastify, sim] = await Promise.all([
      want('bare') ? start('bare', {}, profileArgs(opts, 'bare')) : null,
      want('fastify') ? start('fastify', {}, profileArgs(opts, 'fastify')) : null,
      needSim ? start('simulator') : null
    ])
    const redis = sim !== null && want('redis') && await redisAnswers()
    const [embedded, redisBacked] = await Promise.all([
      sim !== null && (want('continue') || want('handoff')) ? start('service', serviceEnv(opts, sim.url), profileArgs(opts, 'embedded')) : null,
      sim !== null && redis
        ? start('service', serviceEnv(opts, sim.url, { REDIS_URL: `redis://${REDIS_HOST}:${REDIS_PORT}`, REDIS_KEY_PREFIX: `bench:${process.pid}:${Date.now()}:` }), profileArgs(opts, 'redis'))
        : null
    ])
    if (bare !== null) add('bare node:http (ceiling)', 'ceiling', 'none', bare, null, continueBody)
    if (fastify !== null) add('bare Fastify (reference)', 'reference', 'none', fastify, null, continueBody)
    if (embedded !== null && want('continue')) add('continue (embedded)', 'continue', 'embedded', embedded, null, continueBody)
    if (embedded !== null && want('handoff')) add('handoff (embedded)', 'handoff', 'embedded', embedded, sim, handoffBodies())
    if (redisBacked !== null) {
      add('continue (redis)', 'continue', 'redis', redisBacked, null, continueBody)
      add('handoff (redis)', 'handoff', 'redis', redisBacked, sim, handoffBodies())
    } else if (want('redis')) {
      results.notes.push(`redis: skipped, nothing answers PING on ${REDIS_HOST}:${REDIS_PORT}`)
    }
    if (scenarios.length > 0) results.load = await measure(scenarios, opts, results.notes)
    if (sim !== null && want('burst')) results.burst = await coldBurst(sim, opts)
  } finally {
    for (const w of workers) await w.stop()
  }

  if (want('memory')) results.memory = await memory(opts)

  const ceiling = results.load.find(l => l.path === 'ceiling')
  if (ceiling !== undefined) {
    for (const l of results.load) l.ratio = round(l.reqPerSec / ceiling.reqPerSec, 2)
  }
  results.targets = checkTargets(results)
  if (opts.logLevel !== 'info') results.notes.push(`service logging at ${opts.logLevel}, not info: figures for comparison only`)
  if (opts.profile !== null) results.notes.push(`CPU profiles in ${opts.profile}; profiling slows the service, so these figures are not the benchmark's`)
  return results
}

async function main (): Promise<void> {
  const opts = parseOptions(process.argv.slice(2))
  if (opts === null) {
    console.log(HELP)
    return
  }
  process.stderr.write(`bench: ${opts.duration}s per scenario after ${opts.warmup}s warm-up, ${opts.connections} connections\n`)
  const results = await runBench(opts)
  console.log(formatTable(results))
  if (opts.profile !== null) {
    for (const dir of readdirSync(opts.profile)) {
      console.log(`\nCPU self time, ${dir} service:`)
      for (const line of topSelfTime(join(opts.profile, dir))) console.log(line)
    }
  }
  writeFileSync(opts.out, JSON.stringify(results, null, 2) + '\n')
  console.log(`results written to ${opts.out}`)
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  })
}
