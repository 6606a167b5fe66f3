// The service wired to the built-in Genesys simulator on loopback: what `npm run demo` and `npm run dev`
// run, with throwaway credentials so nothing real is needed.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { build } from '../plugins/app.js'
import { loggerOptions } from '../src/logger.js'
import { startSimulator, type Simulator } from './simulator/app.js'

export interface LocalStack {
  app: FastifyInstance
  sim: Simulator & { url: string }
  address: string
  adminToken: string
  close: () => Promise<void>
}

export async function startLocalStack (opts: { defaultLogLevel: string, pretty?: boolean }): Promise<LocalStack> {
  const clientId = 'demo-client'
  const clientSecret = randomBytes(16).toString('hex')
  const adminToken = process.env.ADMIN_TOKEN ?? 'demo-admin-token'
  const sim = await startSimulator({
    clientId,
    clientSecret,
    port: Number(process.env.SIMULATOR_PORT ?? 0),
    queueDelayMs: Number(process.env.SIMULATOR_QUEUE_DELAY_MS ?? 300)
  })
  const env: Record<string, unknown> = {
    HANDOFF_QUEUE_ID: 'c0ffee00-0000-4000-8000-000000000001',
    HANDOFF_SKILL_ID: 'c0ffee00-0000-4000-8000-000000000002',
    HANDOFF_PRIORITY: '10',
    HANDOFF_QUEUE_POLL_INTERVAL_MS: '100',
    LOG_LEVEL: opts.defaultLogLevel,
    ...process.env,
    GENESYS_CLIENT_ID: clientId,
    GENESYS_CLIENT_SECRET: clientSecret,
    GENESYS_API_BASE_URL: sim.url,
    GENESYS_LOGIN_BASE_URL: sim.url,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: adminToken,
    HOST: process.env.HOST ?? '127.0.0.1'
  }
  const logger: FastifyServerOptions['logger'] = opts.pretty === true
    ? { ...loggerOptions(String(env.LOG_LEVEL)), transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
    : loggerOptions(String(env.LOG_LEVEL))
  const app = await build({ env, dotenv: false, logger })
  const address = await app.listen({ port: app.config.port, host: app.config.host })
  return {
    app,
    sim,
    address,
    adminToken,
    close: async () => { await Promise.all([app.close(), sim.app.close()]) }
  }
}

/** Closes the stack on Ctrl-C or SIGTERM. */
export function closeOnSignal (stack: LocalStack): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stack.close().then(() => process.exit(0), () => process.exit(1))
    })
  }
}
