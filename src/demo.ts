// `npm run demo`: the service against the built-in Genesys simulator, no credentials needed. Plays a short
// conversation, prints each decision and what Genesys received, then keeps serving (`--once` exits).
import { randomBytes, randomUUID } from 'node:crypto'
import { build } from './app.js'
import { loggerOptions } from './logger.js'
import { startSimulator } from './simulator/app.js'
import { signature } from './webhook-signature.js'

const once = process.argv.includes('--once')
const clientId = 'demo-client'
const clientSecret = randomBytes(16).toString('hex')
const adminToken = process.env.ADMIN_TOKEN ?? 'demo-admin-token'

const sim = await startSimulator({ clientId, clientSecret, port: Number(process.env.SIMULATOR_PORT ?? 0) })
const env: Record<string, unknown> = {
  HANDOFF_QUEUE_ID: 'c0ffee00-0000-4000-8000-000000000001',
  HANDOFF_SKILL_ID: 'c0ffee00-0000-4000-8000-000000000002',
  LOG_LEVEL: 'warn',
  ...process.env,
  GENESYS_CLIENT_ID: clientId,
  GENESYS_CLIENT_SECRET: clientSecret,
  GENESYS_API_BASE_URL: sim.url,
  GENESYS_LOGIN_BASE_URL: sim.url,
  SESSION_SECRET: randomBytes(32).toString('hex'),
  ADMIN_TOKEN: adminToken,
  HOST: process.env.HOST ?? '127.0.0.1'
}
const app = await build({ env, dotenv: false, logger: loggerOptions(String(env.LOG_LEVEL)) })
const address = await app.listen({ port: app.config.port, host: app.config.host })

console.log(`Genesys simulator: ${sim.url}`)
console.log(`Handoff service:   ${address} (threshold ${app.config.handoff.threshold})\n`)

const conversationId = randomUUID()
const script: Array<[string, string, number]> = [
  ['Hi there', 'greeting', 0.97],
  ['Where is my order 1234?', 'order_status', 0.91],
  ['It says delivered but it is not here', 'order_status', 0.82],
  ['I want to dispute a charge on my card from last month', 'billing_dispute', 0.41],
  ['Hello? Is someone there?', 'greeting', 0.95]
]

console.log(`Conversation ${conversationId}`)
for (const [text, intent, confidence] of script) {
  const payload = JSON.stringify({ conversationId, event: 'message', intent: { intent, confidence }, text })
  const secret = app.config.webhookSecret
  const res = await fetch(`${address}/webhook/messaging`, {
    method: 'POST',
    // signed like Genesys does when WEBHOOK_SECRET is set
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-hub-signature-256': signature(secret, payload) }) },
    body: payload
  })
  const body = await res.json() as { status: string, decision?: { action: string, reason: string }, message?: string }
  console.log(`  customer: "${text}"  [${intent} ${confidence}]`)
  console.log(`    -> ${res.status} ${body.status ?? body.message}${body.decision !== undefined ? `: ${body.decision.action} (${body.decision.reason})` : ''}`)
}

console.log('\nWhat Genesys received (simulator log, in order):')
for (const call of sim.state.calls) {
  console.log(`  ${call.method} ${call.path} -> ${call.status}`)
  if (call.body !== null) console.log(`    ${JSON.stringify(call.body)}`)
}

const history = await app.historyStore.get(conversationId)
console.log(`\nRecorded history: ${history?.history.length ?? 0} events, handoff ${history?.handoff.state ?? 'none'}`)

if (once) {
  await app.close()
  await sim.app.close()
} else {
  console.log(`\nStill serving. Try:
  curl -s -X POST ${address}/webhook/messaging -H 'content-type: application/json' \\
    -d '{"conversationId":"${randomUUID()}","event":"message","intent":{"intent":"refund","confidence":0.3},"text":"I need a human"}'
  curl -s ${address}/conversations/${conversationId} -H 'authorization: Bearer ${adminToken}'
Ctrl-C to stop.`)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.all([app.close(), sim.app.close()]).then(() => process.exit(0))
    })
  }
}
