// Test helpers: build the app against a loopback Genesys simulator (or a MockAgent) and tear it down.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { build as buildApp, type BuildOptions } from '../plugins/app.js'
import { startSimulator } from '../tools/simulator/app.js'
import type { Fault, SimulatorOptions } from '../tools/simulator/state.js'

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
  const sim = await startSimulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...opts })
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
