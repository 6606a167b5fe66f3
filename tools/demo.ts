// `npm run demo`: the service against the built-in Genesys simulator, no credentials needed. Plays a short
// conversation, prints each decision and what Genesys received, then keeps serving (`--once` exits).
import { randomUUID } from 'node:crypto'
import { closeOnSignal, startLocalStack } from './local-stack.js'
import { signature } from '../src/webhook-signature.js'

const once = process.argv.includes('--once')
const stack = await startLocalStack({ defaultLogLevel: 'warn' })
const { app, sim, address, adminToken } = stack

console.log(`Genesys simulator: ${sim.url}`)
console.log(`Handoff service:   ${address} (threshold ${app.config.handoff.threshold})\n`)

const conversationId = randomUUID()
const script: Array<[string, string, number]> = [
  ['Hi there', 'greeting', 0.97],
  ['Where is my order 1234?', 'order_status', 0.91],
  ['It says delivered but it is not here', 'order_status', 0.82],
  ['You charged card 4111 1111 1111 1111 twice, mail me at jo@example.com', 'billing_dispute', 0.41],
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
  const body = await res.json() as { status: string, decision?: { action: string, reason: string }, message?: string, [k: string]: unknown }
  console.log(`  customer: "${text}"  [${intent} ${confidence}]`)
  console.log(`    -> ${res.status} ${body.status ?? body.message}${body.decision !== undefined ? `: ${body.decision.action} (${body.decision.reason})` : ''}`)
  if (body.status === 'handoff_initiated') {
    const { strategy, queueId, skillIds, priority, routingUpdated, warnings } = body
    console.log(`       ${JSON.stringify({ strategy, queueId, skillIds, priority, routingUpdated, warnings })}`)
  }
}

console.log('\nWhat Genesys received (simulator log, in order):')
for (const call of sim.state.calls) {
  const participants = (call.response as { participants?: Array<{ purpose: string, state: string }> } | undefined)?.participants
  const summary = call.method === 'GET' && participants !== undefined ? `  ${participants.map(p => `${p.purpose}:${p.state}`).join(' ')}` : ''
  console.log(`  ${call.method} ${call.path} -> ${call.status}${summary}`)
  if (call.body !== null && call.body !== undefined) console.log(`    ${JSON.stringify(call.body)}`)
}

const customer = sim.state.conversation(conversationId)?.participants.find(p => p.purpose === 'customer')
if (customer !== undefined) {
  console.log('\nWhat the agent sees (participant attributes on the customer):')
  for (const [key, value] of Object.entries(customer.attributes ?? {})) console.log(`  ${key}: ${value.replace(/\n/g, '\n    ')}`)
}

const history = await app.historyStore.get(conversationId)
console.log(`\nRecorded history: ${history?.history.length ?? 0} events, handoff ${history?.handoff.state ?? 'none'}`)

if (once) {
  await stack.close()
} else {
  console.log(`\nStill serving. Try:
  curl -s -X POST ${address}/webhook/messaging -H 'content-type: application/json' \\
    -d '{"conversationId":"${randomUUID()}","event":"message","intent":{"intent":"refund","confidence":0.3},"text":"I need a human"}'
  curl -s ${address}/conversations/${conversationId} -H 'authorization: Bearer ${adminToken}'
Ctrl-C to stop.`)
  closeOnSignal(stack)
}
