// The service wired to the built-in Genesys simulator and the sample bot on loopback: what `npm run demo` and
// `npm run dev` run, with throwaway credentials so nothing real is needed. Bot Connector mode is on, pointed
// at the sample bot (unless BOT_URL says otherwise).
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { build } from '../plugins/app.js'
import { loggerOptions } from '../src/logger.js'
import { startSimulator, type Simulator } from './simulator/app.js'
import { DEMO_QUEUE } from './simulator/state.js'
import { startSampleBot, type SampleBot } from './simulator/bot.js'

export interface LocalStack {
  app: FastifyInstance
  sim: Simulator & { url: string }
  bot: SampleBot & { url: string }
  address: string
  adminToken: string
  /** what Genesys' Bot Connector integration would send (header and value) */
  botConnectorSecret: { header: string, value: string }
  close: () => Promise<void>
}

export async function startLocalStack (opts: { defaultLogLevel: string, pretty?: boolean }): Promise<LocalStack> {
  const clientId = 'demo-client'
  const clientSecret = randomBytes(16).toString('hex')
  const adminToken = process.env.ADMIN_TOKEN ?? 'demo-admin-token'
  const queueId = process.env.HANDOFF_QUEUE_ID ?? DEMO_QUEUE.id
  const sim = await startSimulator({
    clientId,
    clientSecret,
    port: Number(process.env.SIMULATOR_PORT ?? 0),
    queueDelayMs: Number(process.env.SIMULATOR_QUEUE_DELAY_MS ?? 300),
    queues: { [queueId]: DEMO_QUEUE.name }
  })
  const bot = await startSampleBot({ port: Number(process.env.SAMPLE_BOT_PORT ?? 0) })
  const botConnectorSecret = process.env.BOT_CONNECTOR_SECRET ?? randomBytes(16).toString('hex')
  const env: Record<string, unknown> = {
    BOT_URL: bot.url,
    HANDOFF_QUEUE_ID: queueId,
    HANDOFF_SKILL_ID: 'c0ffee00-0000-4000-8000-000000000002',
    HANDOFF_PRIORITY: '10',
    HANDOFF_QUEUE_POLL_INTERVAL_MS: '100',
    // A trial on a busy laptop should not shed its own first requests.
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    LOG_LEVEL: opts.defaultLogLevel,
    ...process.env,
    GENESYS_CLIENT_ID: clientId,
    GENESYS_CLIENT_SECRET: clientSecret,
    GENESYS_API_BASE_URL: sim.url,
    GENESYS_LOGIN_BASE_URL: sim.url,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    BOT_CONNECTOR_SECRET: botConnectorSecret,
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
    bot,
    address,
    adminToken,
    botConnectorSecret: { header: app.config.botConnector?.inboundHeader ?? 'x-bot-connector-secret', value: botConnectorSecret },
    close: async () => { await Promise.all([app.close(), sim.app.close(), bot.app.close()]) }
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
