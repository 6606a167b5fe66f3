// `npm run demo`: the service against the built-in Genesys simulator and the sample bot, no credentials needed.
// Plays a conversation through each way in, prints each decision and what Genesys received or would do, then
// keeps serving (`--once` exits):
//   1. the webhook with the platform-api strategy (the service moves the conversation with Platform API calls);
//   2. Bot Connector mode (Genesys' side simulated: the Architect flow's Call Digital Bot Connector calls, the
//      Complete answer, the parameters its Transfer to ACD would use; no Platform API call).
import { randomUUID } from 'node:crypto'
import { closeOnSignal, startLocalStack, type LocalStack } from './local-stack.js'
import { signature } from '../src/webhook-signature.js'

const once = process.argv.includes('--once')
const stack = await startLocalStack({ defaultLogLevel: 'warn' })
const { app, sim, bot, address, adminToken } = stack

console.log(`Genesys simulator: ${sim.url}`)
console.log(`Sample bot:        ${bot.url}`)
console.log(`Handoff service:   ${address} (threshold ${app.config.handoff.threshold})\n`)

const webhookConversation = await webhookDemo(stack)
await botConnectorDemo(stack)

if (once) {
  await stack.close()
} else {
  console.log(`\nStill serving. Try:
  curl -s -X POST ${address}/webhook/messaging -H 'content-type: application/json' \\
    -d '{"conversationId":"${randomUUID()}","event":"message","intent":{"intent":"refund","confidence":0.3},"text":"I need a human"}'
  curl -s ${address}/conversations/${webhookConversation} -H 'authorization: Bearer ${adminToken}'
  curl -s ${address}/botconnector/bots -H '${stack.botConnectorSecret.header}: ${stack.botConnectorSecret.value}'
Ctrl-C to stop.`)
  closeOnSignal(stack)
}

async function webhookDemo ({ app, sim, address }: LocalStack): Promise<string> {
  console.log('== 1. Webhook, platform-api strategy: the service moves the conversation with Platform API calls\n')
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
  return conversationId
}

interface BotAnswer { botState: string, intent?: string, confidence?: number, replyMessages?: Array<{ text?: string }>, parameters?: Record<string, string> }

async function botConnectorDemo ({ app, sim, bot, address, botConnectorSecret }: LocalStack): Promise<void> {
  console.log('\n== 2. Bot Connector mode: the Architect flow calls the service, the service calls the bot, the flow transfers\n')
  const headers = { 'content-type': 'application/json', [botConnectorSecret.header]: botConnectorSecret.value }
  const platformCallsBefore = sim.state.calls.length
  const intent = app.config.botConnector?.handoffIntent ?? 'handoff'

  const listed = await fetch(`${address}/botconnector/bots`, { headers })
  const list = await listed.json() as { entities: Array<{ id: string, versions: Array<{ version: string, intents: Array<{ name: string }> }> }>, message?: string }
  if (!listed.ok) {
    console.log(`GET /botconnector/bots -> ${listed.status} ${list.message ?? ''}`)
    return
  }
  console.log('Architect reads the bot list (GET /botconnector/bots):')
  for (const b of list.entities) for (const v of b.versions) console.log(`  ${b.id} v${v.version}: intents ${v.intents.map(i => i.name).join(', ')}`)

  const conversationId = randomUUID()
  const botSessionId = randomUUID()
  console.log(`\nConversation ${conversationId} (Call Digital Bot Connector, one POST /botconnector/messages per customer turn)`)
  const turns = ['Hello', 'Where is my parcel?', 'You charged me twice on card 4111 1111 1111 1111, call me on +44 20 7946 0958', 'Hello? Anyone?']
  for (const text of turns) {
    const botTurnsBefore = bot.state.turns.length
    const request = {
      botId: list.entities[0]?.id ?? 'support-bot',
      botVersion: '1',
      botSessionId,
      messageId: randomUUID(),
      inputMessage: { type: 'Text', text },
      languageCode: 'en-us',
      botSessionTimeout: 360,
      genesysConversationId: conversationId,
      parameters: {}
    }
    const res = await fetch(`${address}/botconnector/messages`, { method: 'POST', headers, body: JSON.stringify(request) })
    const answer = await res.json() as BotAnswer
    const asked = bot.state.turns.length > botTurnsBefore ? 'bot asked' : 'bot NOT asked'
    console.log(`  customer: "${text}"`)
    console.log(`    -> ${res.status} ${answer.botState}${answer.intent !== undefined ? ` intent=${answer.intent}` : ''}${answer.confidence !== undefined ? ` ${answer.confidence}` : ''} (${asked})` +
      `${answer.replyMessages?.[0]?.text !== undefined ? `  bot: "${answer.replyMessages[0].text}"` : ''}`)
    if (answer.botState === 'Complete' && answer.intent === intent) {
      const p = answer.parameters ?? {}
      console.log(`       the flow takes its '${intent}' path:`)
      console.log(`         Set Participant Data  handoffReason=${p.handoffReason ?? ''}  handoffSummary="${p.handoffSummary ?? ''}"`)
      console.log(`         Transfer to ACD       queue ${p.handoffQueueId ?? ''}, skills [${p.handoffSkillIds ?? ''}], priority ${p.handoffPriority ?? '(queue default)'}`)
    }
  }
  const history = await app.historyStore.get(conversationId)
  console.log(`\nRecorded history: ${history?.history.length ?? 0} turns (${history?.history.map(h => `${h.intent.intent} ${h.intent.confidence}`).join(', ') ?? ''}), handoff ${history?.handoff.state ?? 'none'} via ${String(history?.handoff.details?.strategy ?? '-')}`)
  console.log(`Platform API calls made in Bot Connector mode: ${sim.state.calls.length - platformCallsBefore}`)
}
