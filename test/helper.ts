// Test helpers: build the app against a loopback Genesys simulator (or a MockAgent) and tear it down.
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import pino from 'pino'
import type { FastifyInstance } from 'fastify'
import { build as buildApp, type BuildOptions } from '../plugins/app.js'
import { startSimulator } from '../tools/simulator/app.js'
import type { Fault, SimulatorOptions } from '../tools/simulator/state.js'
import { loggerOptions } from '../src/logger.js'
import type { Timers } from '../src/genesys/startup-check.js'
import { SAMPLE_BOT_ID, startSampleBot, type SampleBotOptions } from '../tools/simulator/bot.js'

type SimulatorTuning = Omit<SimulatorOptions, 'clientId' | 'clientSecret'>

interface Teardown { teardown: (fn: () => unknown) => void }

export const CLIENT_ID = 'test-client-id'
export const CLIENT_SECRET = 'test-client-secret-9f8e7d6c'
export const ADMIN_TOKEN = 'test-admin-token-5a4b3c2d1e'
export const SESSION_SECRET = 'test-session-secret-0123456789abcdef'
export const QUEUE_ID = 'a3f1c2d4-0000-4000-8000-00000000000q'
export const SKILL_ID = 'b7e2d3c4-0000-4000-8000-00000000000s'
export const WEBHOOK_SECRET = 'test-webhook-secret-7c6b5a4f3e2d1c0b'

export function testEnv (overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    GENESYS_CLIENT_ID: CLIENT_ID,
    GENESYS_CLIENT_SECRET: CLIENT_SECRET,
    GENESYS_API_BASE_URL: 'http://127.0.0.1:9',
    GENESYS_LOGIN_BASE_URL: 'http://127.0.0.1:9',
    HANDOFF_QUEUE_ID: QUEUE_ID,
    HANDOFF_SKILL_ID: SKILL_ID,
    SESSION_SECRET,
    ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    // Load shedding off by default: a busy test machine lags enough to trip it (test/overload.test.ts turns it on).
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 0,
    ...overrides
  }
}

export async function build (t: Teardown, opts: BuildOptions & { envOverrides?: Record<string, unknown> } = {}): Promise<FastifyInstance> {
  const { envOverrides, ...rest } = opts
  const app = await buildApp({ env: testEnv(envOverrides), ...rest })
  t.teardown(async () => { await app.close() })
  await app.ready()
  return app
}

export async function simulator (t: Teardown, opts: SimulatorTuning = {}): Promise<Awaited<ReturnType<typeof startSimulator>>> {
  const sim = await startSimulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, queues: { [QUEUE_ID]: 'Handoff queue' }, ...opts })
  t.teardown(async () => { await sim.app.close() })
  return sim
}

/** The app wired to a fresh simulator on loopback. */
export async function buildWithSimulator (t: Teardown, opts: BuildOptions & { envOverrides?: Record<string, unknown>, tokenTtlSeconds?: number, sim?: SimulatorTuning } = {}): Promise<{ app: FastifyInstance, sim: Awaited<ReturnType<typeof startSimulator>> }> {
  const { tokenTtlSeconds, envOverrides, sim: tuning, ...rest } = opts
  const sim = await simulator(t, { tokenTtlSeconds, ...tuning })
  const app = await build(t, {
    ...rest,
    envOverrides: { GENESYS_API_BASE_URL: sim.url, GENESYS_LOGIN_BASE_URL: sim.url, ...envOverrides }
  })
  return { app, sim }
}

/** For tests of the tutorial's PUT routingMetadata call (faults injected on that path). */
export const ROUTING_METADATA = { HANDOFF_STRATEGY: 'routing-metadata' }

export function newConversationId (): string {
  return randomUUID()
}

export function messagingEvent (conversationId: string, confidence: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { conversationId, event: 'message', intent: { intent: 'billing_question', confidence }, text: 'hello', ...extra }
}

export async function postEvent (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}): Promise<Awaited<ReturnType<FastifyInstance['inject']>>> {
  return await app.inject({ method: 'POST', url: '/webhook/messaging', payload: body as Record<string, unknown>, headers })
}

/** The calls that move a conversation to the agents' queue, whichever strategy sends them. */
export function routingCalls (sim: { state: { routingCalls: () => unknown[] } }): unknown[] {
  return sim.state.routingCalls()
}

/** platform-api transfers: POST .../participants/{id}/replace/queue */
export function transferCalls (sim: { state: { callsTo: (m: string, p: string) => unknown[] } }): unknown[] {
  return sim.state.callsTo('POST', '/api/v2/conversations/').filter(c => (c as { path: string }).path.endsWith('/replace/queue'))
}

export type { Fault }

export interface LogCapture {
  logger: pino.Logger
  /** every line written so far, parsed */
  readonly lines: Array<Record<string, unknown>>
  text: () => string
}

/** A pino logger writing into memory, with the service's redaction, at `level` (default trace). */
export function captureLog (level = 'trace'): LogCapture {
  const chunks: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } })
  return {
    logger: pino({ ...loggerOptions(level) }, stream),
    text: () => chunks.join(''),
    get lines () { return chunks.join('').split('\n').filter(Boolean).map(l => JSON.parse(l) as Record<string, unknown>) }
  }
}

/** Timers run by hand: the Genesys startup check's retries fire when a test says so. */
export class ManualTimers implements Timers {
  private next = 1
  readonly pending = new Map<number, { fn: () => void, ms: number }>()
  /** every delay asked for, in order */
  readonly delays: number[] = []

  setTimeout (fn: () => void, ms: number): number {
    const id = this.next++
    this.pending.set(id, { fn, ms })
    this.delays.push(ms)
    return id
  }

  clearTimeout (handle: unknown): void {
    this.pending.delete(handle as number)
  }

  /** Runs every timer now due (all of them: time is what the test says it is). */
  fire (): number {
    const due = [...this.pending.entries()]
    for (const [id, { fn }] of due) {
      this.pending.delete(id)
      fn()
    }
    return due.length
  }
}

// --- Bot Connector mode ---------------------------------------------------------------------------------

export const BOT_CONNECTOR_SECRET = 'test-bot-connector-secret-4d3c2b1a'
export const BOT_CONNECTOR_HEADER = 'x-bot-connector-secret'

/** The sample bot on loopback, closed after the test. */
export async function sampleBot (t: Teardown, opts: SampleBotOptions = {}): Promise<Awaited<ReturnType<typeof startSampleBot>>> {
  const bot = await startSampleBot(opts)
  t.teardown(async () => { await bot.app.close() })
  return bot
}

/** The app in Bot Connector mode in front of a fresh sample bot, wired to a fresh Genesys simulator too. */
export async function buildWithBot (t: Teardown, opts: BuildOptions & { envOverrides?: Record<string, unknown>, bot?: SampleBotOptions } = {}): Promise<{
  app: FastifyInstance
  bot: Awaited<ReturnType<typeof startSampleBot>>
  sim: Awaited<ReturnType<typeof startSimulator>>
}> {
  const { bot: botOptions, envOverrides, ...rest } = opts
  const bot = await sampleBot(t, botOptions)
  const { app, sim } = await buildWithSimulator(t, {
    ...rest,
    envOverrides: { BOT_URL: bot.url, BOT_CONNECTOR_SECRET, ...envOverrides }
  })
  return { app, bot, sim }
}

/** A Bot Connector v2 turn as Genesys sends it. */
export function botTurn (conversationId: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    botId: SAMPLE_BOT_ID,
    botVersion: '1',
    botSessionId: 'c5a2e1f0-0000-4000-8000-000000000b07',
    messageId: randomUUID(),
    inputMessage: { type: 'Text', text },
    languageCode: 'en-us',
    botSessionTimeout: 360,
    genesysConversationId: conversationId,
    parameters: {},
    ...extra
  }
}

export async function postTurn (app: FastifyInstance, body: unknown, headers: Record<string, string> = { [BOT_CONNECTOR_HEADER]: BOT_CONNECTOR_SECRET }): Promise<Awaited<ReturnType<FastifyInstance['inject']>>> {
  return await app.inject({ method: 'POST', url: '/botconnector/messages', payload: body as Record<string, unknown>, headers })
}
