// The Genesys Data Action shipped in genesys/: its request template, rendered as Genesys would, is accepted by
// the webhook, and the service's real answers, mapped through its translation map and success template,
// validate against its output contract. Authenticated with the shared-secret header, no Platform API call.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { Compile } from 'typebox/compile'
import type { FastifyInstance } from 'fastify'
import { QUEUE_ID, SKILL_ID, WEBHOOK_SECRET, buildWithSimulator, messagingEvent, newConversationId, postEvent } from './helper.js'
import { signature } from '../src/webhook-signature.js'
import { maskSensitive } from '../src/context-packet.js'

interface DataAction {
  name: string
  integrationType: string
  actionType: string
  secure: boolean
  config: {
    request: { requestUrlTemplate: string, requestType: string, headers: Record<string, string>, requestTemplate: string }
    response: { translationMap: Record<string, string>, translationMapDefaults: Record<string, string>, successTemplate: string }
  }
  contract: { input: { inputSchema: Record<string, unknown> }, output: { successSchema: Record<string, unknown> } }
}

const action = JSON.parse(await readFile(new URL('../genesys/handoff-decision.data-action.json', import.meta.url), 'utf8')) as DataAction
const inputContract = Compile(action.contract.input.inputSchema as never)
const outputContract = Compile(action.contract.output.successSchema as never)
const SHARED_SECRET = 'test-shared-secret-1f2e3d4c5b6a'
// The header whose value Genesys fills from the integration's user-defined credential field.
const CREDENTIAL = '$' + '{credentials.sharedSecret}'
const SECRET_HEADER = Object.keys(action.config.request.headers).find(h => action.config.request.headers[h] === CREDENTIAL) ?? ''

type Inputs = Record<string, string | number | undefined>
type Tap = Pick<typeof t, 'ok'>

// The few Velocity forms the template uses, as Genesys renders them: ${input.x}, $!{input.x},
// $esc.jsonString(${input.x}) and #if("$!{input.x}" != "") … #end.
function renderRequest (template: string, input: Inputs): string {
  const value = (name: string): string => input[name] === undefined ? '' : String(input[name])
  return template
    .replace(/#if\("\$!\{input\.(\w+)\}" != ""\)(.*?)#end/gs, (_m, name: string, body: string) => value(name) !== '' ? body : '')
    .replace(/\$esc\.jsonString\(\$\{input\.(\w+)\}\)/g, (_m, name: string) => JSON.stringify(value(name)).slice(1, -1))
    .replace(/\$!?\{input\.(\w+)\}/g, (_m, name: string) => value(name))
}

// Genesys' response side: each translation-map JSONPath ($.field here) read from the answer, its default
// when absent, then substituted (as JSON) into the success template.
function mapResponse (answer: Record<string, unknown>): unknown {
  const { translationMap, translationMapDefaults, successTemplate } = action.config.response
  const values: Record<string, string> = {}
  for (const [name, path] of Object.entries(translationMap)) {
    const field = /^\$\.(\w+)$/.exec(path)?.[1]
    if (field === undefined) throw new Error(`unsupported JSONPath ${path}`)
    values[name] = answer[field] !== undefined ? JSON.stringify(answer[field]) : translationMapDefaults[name] ?? 'null'
  }
  return JSON.parse(successTemplate.replace(/\$\{(\w+)\}/g, (_m, name: string) => values[name] ?? '${' + name + '}'))
}

async function callAction (t: Tap, app: FastifyInstance, input: Inputs, secret = SHARED_SECRET): Promise<{ statusCode: number, answer: Record<string, unknown>, output: unknown }> {
  t.ok(inputContract.Check(input), `inputs match the input contract: ${JSON.stringify(input)}`)
  const res = await app.inject({
    method: action.config.request.requestType as 'POST',
    url: new URL(action.config.request.requestUrlTemplate).pathname,
    headers: { 'content-type': action.config.request.headers['Content-Type'] ?? '', [SECRET_HEADER]: secret },
    payload: renderRequest(action.config.request.requestTemplate, input)
  })
  const answer = res.json()
  return { statusCode: res.statusCode, answer, output: res.statusCode === 200 ? mapResponse(answer) : null }
}

t.test('the definition has the shape Genesys imports', async t => {
  t.equal(action.integrationType, 'custom-rest-actions')
  t.equal(action.actionType, 'custom')
  t.equal(action.secure, false)
  t.equal(action.config.request.requestType, 'POST')
  t.match(action.config.request.requestUrlTemplate, /^https:\/\/.+\/webhook\/messaging$/)
  t.equal(SECRET_HEADER, 'x-handoff-secret', 'the shared secret goes in the default WEBHOOK_SHARED_SECRET_HEADER, from the integration credentials')
  t.same(action.contract.input.inputSchema.required, ['conversationId', 'text', 'intent', 'confidence'])
  t.same(Object.keys(action.contract.input.inputSchema.properties as object), ['conversationId', 'text', 'intent', 'confidence', 'messageId'])
  t.same(Object.keys(action.contract.output.successSchema.properties as object), ['action', 'queueId', 'skillIds', 'priority', 'reason', 'summary'])
  t.same(Object.keys(action.config.response.translationMapDefaults).sort(), Object.keys(action.config.response.translationMap).sort(), 'every mapped field has a default')
})

t.test('HANDOFF_STRATEGY=flow without an OAuth client: continue, handoff, handed off; outputs match the contract; no Genesys call', async t => {
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { HANDOFF_STRATEGY: 'flow', GENESYS_CLIENT_ID: undefined, GENESYS_CLIENT_SECRET: undefined, WEBHOOK_SHARED_SECRET: SHARED_SECRET, HANDOFF_PRIORITY: '3' }
  })
  const conversationId = newConversationId()

  const carryOn = await callAction(t, app, { conversationId, text: 'Where is my order?', intent: 'order_status', confidence: 0.92, messageId: 'm-1' })
  t.equal(carryOn.statusCode, 200)
  t.ok(outputContract.Check(carryOn.output), JSON.stringify(carryOn.output))
  t.same(carryOn.output, { action: 'CONTINUE_BOT', queueId: '', skillIds: [], priority: 0, reason: 'confidence_meets_threshold', summary: '' })

  const text = 'He said "call me" on +1 415 555 0100\nand charged 4111-1111-1111-1111'
  const handoff = await callAction(t, app, { conversationId, text, intent: 'billing_dispute', confidence: 0.3 })
  t.equal(handoff.statusCode, 200)
  t.equal(handoff.answer.status, 'handoff_initiated')
  t.equal(handoff.answer.strategy, 'flow')
  t.ok(outputContract.Check(handoff.output), JSON.stringify(handoff.output))
  t.match(handoff.output, { action: 'HANDOFF', queueId: QUEUE_ID, skillIds: [SKILL_ID], priority: 3, reason: 'confidence_below_threshold' })
  const summary = (handoff.output as { summary: string }).summary
  t.match(summary, /^intent 'billing_dispute' confidence 0\.3 is below threshold 0\.75; 2 turns; last: Where is my order\? \| He said "call me" on \[phone\] and charged \[card\]$/)

  const later = await callAction(t, app, { conversationId, text: 'hello?', intent: 'greeting', confidence: 0.99 })
  t.equal(later.answer.status, 'handed_off')
  t.ok(outputContract.Check(later.output))
  t.same(later.output, handoff.output, 'a later call gets the same target again, so a retried flow can still transfer')

  const history = (await app.historyStore.get(conversationId))?.history ?? []
  t.same(history.map(h => h.text), ['Where is my order?', maskSensitive(text), 'hello?'], 'special characters survive the template (numbers masked before storing)')
  t.equal(history[0]?.messageId, 'm-1')
  t.equal(history[1]?.messageId, undefined, 'no messageId when the flow gives none')
  t.equal(sim.state.calls.length, 0, 'no Platform API call')
  t.equal(sim.state.tokenRequests, 0, 'no OAuth token')
})

t.test('decisionOnly on a deployment whose strategy is platform-api: no Genesys call either', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { WEBHOOK_SHARED_SECRET: SHARED_SECRET, WEBHOOK_SECRET } })
  const conversationId = newConversationId()
  const handoff = await callAction(t, app, { conversationId, text: 'refund', intent: 'billing_dispute', confidence: 0.1 })
  t.equal(handoff.answer.status, 'handoff_initiated')
  t.ok(outputContract.Check(handoff.output))
  t.equal((handoff.output as { priority: number }).priority, 0, 'no HANDOFF_PRIORITY: the default')
  t.equal(sim.state.calls.length, 0)
  t.equal(sim.state.tokenRequests, 0)
})

t.test('a conversation handed off earlier by the Platform API still maps onto the contract', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { WEBHOOK_SHARED_SECRET: SHARED_SECRET, WEBHOOK_SECRET } })
  const conversationId = newConversationId()
  const payload = JSON.stringify(messagingEvent(conversationId, 0.2))
  const signed = await app.inject({ method: 'POST', url: '/webhook/messaging', payload, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(WEBHOOK_SECRET, payload) } })
  t.equal(signed.json().status, 'handoff_initiated', 'the HMAC signature is still accepted beside the shared secret')
  t.ok(sim.state.calls.length > 0)
  const later = await callAction(t, app, { conversationId, text: 'hi', intent: 'greeting', confidence: 0.9 })
  t.equal(later.answer.status, 'handed_off')
  t.ok(outputContract.Check(later.output), JSON.stringify(later.output))
  t.match(later.output, { action: 'HANDOFF', queueId: QUEUE_ID, skillIds: [SKILL_ID], priority: 0 })
})

t.test('the shared secret: a wrong one is 401, neither secret nor signature is 401 naming both, nothing recorded', async t => {
  const { app } = await buildWithSimulator(t, { envOverrides: { HANDOFF_STRATEGY: 'flow', WEBHOOK_SHARED_SECRET: SHARED_SECRET, WEBHOOK_SECRET } })
  const conversationId = newConversationId()
  const wrong = await callAction(t, app, { conversationId, text: 'hi', intent: 'greeting', confidence: 0.9 }, 'not-the-secret')
  t.equal(wrong.statusCode, 401)
  t.same(wrong.answer, { statusCode: 401, error: 'Unauthorized', code: 'INVALID_SHARED_SECRET', message: 'missing or invalid x-handoff-secret header' })
  const none = await postEvent(app, messagingEvent(conversationId, 0.9))
  t.equal(none.statusCode, 401)
  t.equal(none.json().message, 'missing or invalid x-hub-signature-256 signature (or x-handoff-secret header)')
  // A valid secret with a wrong signature: the secret authenticates, the signature is not needed.
  const both = await postEvent(app, messagingEvent(conversationId, 0.9), { 'x-handoff-secret': SHARED_SECRET, 'x-hub-signature-256': 'sha256=' + 'a'.repeat(64) })
  t.equal(both.statusCode, 200)
  t.equal((await app.historyStore.get(conversationId))?.history.length, 1, 'only the authenticated event recorded')
  t.notMatch(JSON.stringify([wrong.answer, none.json()]), /test-shared-secret/, 'the secret is never echoed')
})

t.test('only a shared secret configured: unsigned callers need it', async t => {
  const { app } = await buildWithSimulator(t, { envOverrides: { WEBHOOK_SHARED_SECRET: SHARED_SECRET, WEBHOOK_SHARED_SECRET_HEADER: 'X-Flow-Key' } })
  const event = messagingEvent(newConversationId(), 0.9)
  const none = await postEvent(app, event)
  t.equal(none.statusCode, 401)
  t.same(none.json(), { statusCode: 401, error: 'Unauthorized', code: 'INVALID_SHARED_SECRET', message: 'missing or invalid x-flow-key header' })
  t.equal((await postEvent(app, event, { 'x-flow-key': SHARED_SECRET })).statusCode, 200)
  t.equal((await postEvent(app, event, { 'x-hub-signature-256': signature(SHARED_SECRET, JSON.stringify(event)) })).statusCode, 401, 'no HMAC key configured: a signature proves nothing')
})
