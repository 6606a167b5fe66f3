// One benchmark target per child process, so each server has its own event loop like in production and the
// load generator in the parent does not share it. Roles: bare | fastify | simulator | service | memory.
// Talks to the parent over IPC: sends {type: 'ready', url} once listening, answers {type: 'stats'} and exits
// on {type: 'stop'} (cleanly, so --cpu-prof profiles get written).
import { createServer } from 'node:http'
import { randomUUID } from 'node:crypto'
import pino from 'pino'
import Fastify, { type FastifyInstance } from 'fastify'
import { build } from '../../plugins/app.js'
import { createLogger } from '../../src/logger.js'
import { HandoffService } from '../../src/handoff.js'
import { MemoryHistoryStore } from '../../src/store/memory.js'
import { PolicyRuntime } from '../../src/policy/runtime.js'
import type { HandoffStrategy } from '../../src/strategies/types.js'
import { startSimulator } from '../simulator/app.js'
import { BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_QUEUE_ID, type ParentMessage, type WorkerMessage } from './protocol.js'
import { floorApp } from './floor.js'

const BARE_BODY = JSON.stringify({
  status: 'bot_continuing',
  conversationId: '00000000-0000-4000-8000-000000000000',
  decision: { action: 'CONTINUE_BOT', intent: 'billing_question', confidence: 0.95, threshold: 0.75, reason: 'fixed answer', target: null }
})

/** CPU time this process has used, user and system. */
function cpuMicros (): number {
  const { user, system } = process.cpuUsage()
  return user + system
}

function send (message: WorkerMessage): void {
  process.send?.(message)
}

function onParent (handler: (message: ParentMessage) => void | Promise<void>): void {
  process.on('message', (message: ParentMessage) => {
    Promise.resolve(handler(message)).catch((err: unknown) => { console.error(err); process.exit(1) })
  })
  // The parent went away: do not linger.
  process.on('disconnect', () => process.exit(0))
}

/** The ceiling: node:http reading the body and answering a fixed JSON document. */
async function bare (): Promise<void> {
  const server = createServer((req, res) => {
    req.on('data', () => {})
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(BARE_BODY) })
      res.end(BARE_BODY)
    })
  })
  server.keepAliveTimeout = 72_000
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  onParent(async (message) => {
    if (message.type === 'stats') send({ type: 'stats', tokenRequests: 0, calls: 0, cpuMicros: cpuMicros() })
    if (message.type === 'stop') {
      server.closeAllConnections()
      server.close(() => process.exit(0))
    }
  })
  send({ type: 'ready', url: `http://127.0.0.1:${address.port}` })
}

/** Listens on loopback, answers the parent's stats and stop messages, and tells it the URL. */
async function serve (app: FastifyInstance, tokenRequests: () => number = () => 0): Promise<void> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  onParent(async (message) => {
    if (message.type === 'stats') send({ type: 'stats', tokenRequests: tokenRequests(), calls: 0, cpuMicros: cpuMicros() })
    if (message.type === 'stop') { await app.close(); process.exit(0) }
  })
  send({ type: 'ready', url: `http://127.0.0.1:${address.port}` })
}

/** The framework alone: Fastify parsing the JSON body and answering a fixed object, no logging, no work. */
async function fastify (): Promise<void> {
  const app = Fastify({ logger: false })
  const answer = JSON.parse(BARE_BODY) as unknown
  app.post('/webhook/messaging', async () => answer)
  await serve(app)
}

/** The required minimum on Fastify (floor.ts): what any service meeting the webhook's contract pays per request. */
async function floor (): Promise<void> {
  await serve(await floorApp(createLogger('info', process.env.BENCH_LOG_FILE ?? '/dev/null')))
}

async function simulator (): Promise<void> {
  const sim = await startSimulator({ clientId: BENCH_CLIENT_ID, clientSecret: BENCH_CLIENT_SECRET, queues: { [BENCH_QUEUE_ID]: 'Bench queue' } })
  onParent(async (message) => {
    if (message.type === 'stats') send({ type: 'stats', tokenRequests: sim.state.tokenRequests, calls: sim.state.routingCalls().length, cpuMicros: cpuMicros() })
    // Only the call log: issued tokens stay valid so the service's cached token keeps working.
    if (message.type === 'clear') { sim.state.calls.length = 0; sim.state.tokenRequests = 0 }
    if (message.type === 'stop') { await sim.app.close(); process.exit(0) }
  })
  send({ type: 'ready', url: sim.url })
}

/** The service as server.ts runs it, with info logging written for real (to BENCH_LOG_FILE, default /dev/null). */
async function service (): Promise<void> {
  const env = JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}') as Record<string, string>
  // The same logger as `npm start`, writing to /dev/null: every line is still formatted and written.
  const app = await build({ env, dotenv: false, loggerInstance: createLogger(process.env.BENCH_LOG_LEVEL ?? 'info', process.env.BENCH_LOG_FILE ?? '/dev/null') })
  await serve(app, () => app.genesysAuth.tokenRequests)
}

/**
 * RSS of the embedded store holding `conversations` × `events` webhook events, fed through the real
 * HandoffService (continue decisions, so no Genesys calls) from JSON bodies as the route would get them.
 */
async function memory (): Promise<void> {
  const conversations = Number(process.env.BENCH_CONVERSATIONS ?? 100_000)
  const events = Number(process.env.BENCH_EVENTS ?? 10)
  const gc = (globalThis as { gc?: () => void }).gc
  const unusedStrategy: HandoffStrategy = { name: 'none', execute: async () => { throw new Error('no handoff expected') } }
  const log = pino({ level: 'silent' })
  // The byte bound (HISTORY_MAX_BYTES) raised out of the way: the figure is what every conversation costs, none evicted.
  const store = new MemoryHistoryStore({ maxEvents: 50, ttlSeconds: 86400, maxConversations: Math.max(200_000, conversations), maxBytes: 8 * 1024 ** 3 })
  const service = new HandoffService({
    store,
    strategy: unusedStrategy,
    policy: new PolicyRuntime({
      file: null, shadowFile: null, log, defaults: { threshold: 0.75, target: { queueId: 'q', skillIds: [], priority: null, languageId: null } }
    }),
    deadlineMs: 15_000
  })
  gc?.()
  const rssBefore = process.memoryUsage().rss
  const started = performance.now()
  // Conversation ids made from the index, so the figure holds no id list of the benchmark's own.
  const base = randomUUID().slice(0, 24)
  for (let turn = 0; turn < events; turn++) {
    for (let i = 0; i < conversations; i++) {
      const body = `{"conversationId":"${base}${i.toString(16).padStart(12, '0')}","event":"message","intent":{"intent":"billing_question","confidence":0.9${turn}},` +
        `"text":"customer message ${turn} about invoice ${i}"}`
      await service.handle(JSON.parse(body), { log })
    }
  }
  const fillMs = performance.now() - started
  gc?.()
  const usage = process.memoryUsage()
  send({
    type: 'memory',
    conversations,
    eventsPerConversation: events,
    rssBefore,
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    storeSize: store.size,
    fillMs
  })
  process.disconnect()
}

const roles: Record<string, () => Promise<void>> = { bare, fastify, floor, simulator, service, memory }
const role = roles[process.argv[2] ?? '']
if (role === undefined) {
  console.error(`usage: worker.js ${Object.keys(roles).join('|')}`)
  process.exit(2)
}
role().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
