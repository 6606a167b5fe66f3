// `npm run simulator`: a local stand-in for Genesys Cloud. Point GENESYS_API_BASE_URL and
// GENESYS_LOGIN_BASE_URL at the URL it prints.
import { startSimulator } from './app.js'
import { DEMO_QUEUE } from './state.js'

// The demo queue, and the service's own HANDOFF_QUEUE_ID when given, so its startup check finds it.
const queueId = process.env.HANDOFF_QUEUE_ID
const queues = { [DEMO_QUEUE.id]: DEMO_QUEUE.name, ...(queueId !== undefined && queueId !== '' ? { [queueId]: 'Handoff queue' } : {}) }

const sim = await startSimulator({
  port: Number(process.env.SIMULATOR_PORT ?? 4010),
  host: process.env.SIMULATOR_HOST ?? '127.0.0.1',
  clientId: process.env.GENESYS_CLIENT_ID ?? 'demo-client',
  clientSecret: process.env.GENESYS_CLIENT_SECRET ?? 'demo-secret',
  tokenTtlSeconds: Number(process.env.SIMULATOR_TOKEN_TTL_SECONDS ?? 86400),
  queueDelayMs: Number(process.env.SIMULATOR_QUEUE_DELAY_MS ?? 50),
  queues,
  logger: true
})
console.log(`Genesys simulator listening on ${sim.url} (client id ${sim.state.clientId}); faults: POST ${sim.url}/__sim/faults`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { sim.app.close().then(() => process.exit(0), () => process.exit(1)) })
}
