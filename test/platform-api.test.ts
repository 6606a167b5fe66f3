// The platform-api strategy against the loopback simulator: call order, the context packet, waiting for the
// queue before the routing update, the non-idempotent transfer and ended conversations.
import t from 'tap'
import {
  QUEUE_ID, SKILL_ID, buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls, transferCalls
} from './helper.js'
import type { RecordedCall } from '../tools/simulator/state.js'
import { setTimeout as sleep } from 'node:timers/promises'

const SECOND_SKILL = 'c8f3e4d5-0000-4000-8000-00000000000t'
const LANGUAGE_ID = 'd9a4f5e6-0000-4000-8000-00000000000l'

/** The API calls for one conversation, as `METHOD kind` in the order the simulator saw them. */
function sequence (calls: RecordedCall[], conversationId: string): string[] {
  return calls.filter(c => c.path.includes(conversationId)).map(c => {
    if (c.method === 'GET') return 'GET conversation'
    if (c.path.endsWith('/attributes')) return `${c.method} attributes`
    if (c.path.endsWith('/replace/queue')) return `${c.method} replace/queue`
    if (c.path.startsWith('/api/v2/routing/conversations/')) return `${c.method} routing`
    return `${c.method} ${c.path}`
  })
}

/** Collapses repeated polls: GET, GET, GET → GET+ */
function collapsed (steps: string[]): string[] {
  return steps.filter((step, i) => step !== steps[i - 1])
}

t.test('hands off in order: read, context packet, transfer, wait for the queue, routing update', async t => {
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { HANDOFF_SKILL_ID: `${SKILL_ID}, ${SECOND_SKILL}`, HANDOFF_PRIORITY: '5', HANDOFF_LANGUAGE_ID: LANGUAGE_ID, HANDOFF_QUEUE_POLL_INTERVAL_MS: 20 },
    sim: { queueDelayMs: 150 }
  })
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.95, { text: 'my email is jane.doe@example.com' }))).json().status, 'bot_continuing')
  const res = await postEvent(app, messagingEvent(id, 0.2, { text: 'call me on +44 20 7946 0958, card 4111 1111 1111 1111' }))
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.equal(body.status, 'handoff_initiated')
  t.equal(body.strategy, 'platform-api')
  t.equal(body.queueId, QUEUE_ID)
  t.same(body.skillIds, [SKILL_ID, SECOND_SKILL])
  t.equal(body.priority, 5)
  t.equal(body.languageId, LANGUAGE_ID)
  t.equal(body.routingUpdated, true)
  t.notOk(body.warnings)

  const steps = sequence(sim.state.calls, id)
  t.same(collapsed(steps), ['GET conversation', 'PATCH attributes', 'POST replace/queue', 'GET conversation', 'PATCH routing'])
  t.ok(steps.filter(s => s === 'GET conversation').length >= 2, 'polled the conversation after the transfer')
  t.equal(transferCalls(sim).length, 1)
  t.equal(routingCalls(sim).length, 1, 'no PUT routingMetadata')

  const conversation = sim.state.conversation(id)
  const customer = conversation?.participants.find(p => p.purpose === 'customer')
  const bot = conversation?.participants.find(p => p.purpose === 'workflow')
  const acd = conversation?.participants.find(p => p.purpose === 'acd')
  t.equal(bot?.state, 'disconnected', 'the bot flow was replaced')
  t.equal(acd?.queue?.id, QUEUE_ID, 'the conversation waits in the target queue')
  t.same(conversation?.routing, { skillIds: [SKILL_ID, SECOND_SKILL], priority: 5, languageId: LANGUAGE_ID })

  // The transfer replaced the bot flow, and the packet went on the customer.
  const transfer = sim.state.calls.find(c => c.path.endsWith('/replace/queue'))
  t.equal(transfer?.path, `/api/v2/conversations/${id}/participants/${bot?.id}/replace/queue`)
  t.same(transfer?.body, { queueId: QUEUE_ID })
  t.equal(transfer?.status, 202)
  const attributes = customer?.attributes ?? {}
  t.equal(attributes['handoff.intent'], 'billing_question')
  t.equal(attributes['handoff.confidence'], '0.2')
  t.equal(attributes['handoff.turnCount'], '2')
  t.equal(attributes['handoff.rule'], 'confidence_below_threshold (threshold 0.75)')
  t.equal(attributes['handoff.confidenceTrajectory'], '0.95 > 0.2')
  t.match(attributes['handoff.transcript'], /\[email\][\s\S]*\[phone\], card \[card\]/)
  t.notMatch(JSON.stringify(sim.state.calls), /jane\.doe|7946|4111/, 'no personal data reached Genesys')

  // The routing update came only once Genesys showed the conversation in queue (the simulator refuses it before).
  const patch = sim.state.calls.find(c => c.path.startsWith('/api/v2/routing/conversations/'))
  t.equal(patch?.status, 200)
  t.ok(Date.parse(patch?.at ?? '') >= (conversation?.transfer?.queuedAt ?? Infinity), 'routing PATCH after the acd participant appeared')
})

t.test('without skills, priority or language no routing update is sent and nothing is polled', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { HANDOFF_SKILL_ID: '' } })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.json().status, 'handoff_initiated', res.body)
  t.same(sequence(sim.state.calls, id), ['GET conversation', 'PATCH attributes', 'POST replace/queue'])
  t.equal(res.json().routingUpdated, false)
})

t.test('a 5xx after a transfer that took effect: no second transfer, the handoff stands', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { HANDOFF_QUEUE_POLL_INTERVAL_MS: 20 } })
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', status: 503, afterHandling: true })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().status, 'handoff_initiated')
  t.equal(transferCalls(sim).length, 1, 'the transfer was sent once')
  t.equal((transferCalls(sim)[0] as RecordedCall).status, 503)
  t.equal(sim.state.conversation(id)?.participants.filter(p => p.purpose === 'acd').length, 1)
  t.equal(res.json().routingUpdated, true, 'the routing update still followed')

  // A later event for the conversation does not transfer again either.
  t.equal((await postEvent(app, messagingEvent(id, 0.1))).json().status, 'handed_off')
  t.equal(transferCalls(sim).length, 1)
})

t.test('a response lost to a timeout after the transfer took effect: no second transfer', async t => {
  const lines: Array<Record<string, unknown>> = []
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { HANDOFF_SKILL_ID: '', GENESYS_REQUEST_TIMEOUT_MS: 300, HANDOFF_QUEUE_POLL_INTERVAL_MS: 20 },
    logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } } }
  })
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', latencyMs: 1000, afterHandling: true })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().status, 'handoff_initiated')
  t.equal(sim.state.conversation(id)?.transferRequests, 1, 'the transfer reached Genesys once')
  t.ok(lines.some(l => l.msg === 'genesys call failed' && l.transportCode === 'UND_ERR_HEADERS_TIMEOUT'), 'the transfer timed out')
  t.ok(lines.some(l => l.msg === 'transfer answered with an error but took effect; not sending it again'))
  t.equal(sim.state.conversation(id)?.participants.find(p => p.purpose === 'workflow')?.state, 'disconnected')
})

t.test('a transfer that times out before Genesys handles it is not sent again: 503 TRANSFER_OUTCOME_UNKNOWN, the retry finds it done', async t => {
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { HANDOFF_SKILL_ID: '', GENESYS_REQUEST_TIMEOUT_MS: 300, HANDOFF_QUEUE_POLL_INTERVAL_MS: 20 }
  })
  // Genesys receives the transfer but handles it only after the service has given up waiting.
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', latencyMs: 3000 })
  const id = newConversationId()
  const sent = Date.now()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 503, res.body)
  t.equal(res.json().code, 'TRANSFER_OUTCOME_UNKNOWN')
  const retryAfter = Number(res.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= 10, `Retry-After of a few seconds (${retryAfter})`)

  // A retry that comes at once, while Genesys still holds the first transfer, waits out the Retry-After and
  // then reads the conversation before sending anything.
  t.ok(Date.now() - sent < 3000, 'the retry starts before Genesys handled the first transfer')
  const retry = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(retry.statusCode, 200, retry.body)
  t.equal(retry.json().status, 'handoff_initiated')
  t.equal(retry.json().transferred, 'earlier', 'read first, found transferred')

  // Past the moment the slow transfer was handled, so a second one would have been counted by now.
  await sleep(Math.max(0, sent + 3000 + 300 - Date.now()))
  t.equal(sim.state.conversation(id)?.transferRequests, 1, 'the transfer reached Genesys once')
  t.equal((await postEvent(app, messagingEvent(id, 0.1))).json().status, 'handed_off')
  t.equal(sim.state.conversation(id)?.transferRequests, 1)
})

t.test('a 5xx before Genesys acted: re-read shows the bot still there, the transfer is sent again once', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { HANDOFF_SKILL_ID: '', HANDOFF_QUEUE_POLL_INTERVAL_MS: 20 } })
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', status: 500 })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.same(transferCalls(sim).map(c => (c as RecordedCall).status), [500, 202])
  t.same(sequence(sim.state.calls, id), ['GET conversation', 'PATCH attributes', 'POST replace/queue', 'GET conversation', 'POST replace/queue'])
})

t.test('a transfer that keeps failing before Genesys acts answers 503 and can be retried', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { HANDOFF_SKILL_ID: '', HANDOFF_QUEUE_POLL_INTERVAL_MS: 20 } })
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', status: 503, times: 2 })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 503, res.body)
  t.equal(res.json().code, 'GENESYS_UNAVAILABLE')
  t.ok(res.headers['retry-after'])
  t.equal(transferCalls(sim).length, 2, 'at most two sends, each after a re-read showed nothing happened')

  const retry = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(retry.json().status, 'handoff_initiated', retry.body)
  t.equal(transferCalls(sim).length, 3)
  t.equal(sim.state.conversation(id)?.transfer?.queueId, QUEUE_ID)
})

t.test('429 on the transfer is retried: Genesys did not act on it', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { HANDOFF_SKILL_ID: '' } })
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', status: 429, retryAfter: 0 })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.same(transferCalls(sim).map(c => (c as RecordedCall).status), [429, 202])
  t.same(sequence(sim.state.calls, id), ['GET conversation', 'PATCH attributes', 'POST replace/queue', 'POST replace/queue'],
    'retried without a re-read')
})

t.test('a routing update that fails after the transfer leaves the handoff standing, with a warning', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { HANDOFF_QUEUE_POLL_INTERVAL_MS: 20 } })
  sim.state.addFault({ method: 'PATCH', path: '/api/v2/routing/', status: 400, code: 'bad.request' })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.equal(body.status, 'handoff_initiated')
  t.equal(body.routingUpdated, false)
  t.match(body.warnings, [/routing update failed: status 400, code bad\.request/])
  t.equal(transferCalls(sim).length, 1, 'the transfer was neither undone nor repeated')
  t.match(await app.metrics.text(), /^handoff_warnings_total 1$/m)
  t.equal((await postEvent(app, messagingEvent(id, 0.1))).json().status, 'handed_off')
  t.equal(transferCalls(sim).length, 1)
})

t.test('when the conversation never reaches the queue before the deadline, the routing update is skipped', async t => {
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { HANDOFF_DEADLINE_MS: 1000, HANDOFF_QUEUE_POLL_INTERVAL_MS: 50 },
    sim: { queueDelayMs: 60_000 }
  })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().routingUpdated, false)
  t.match(res.json().warnings, [/not waiting in queue before the handoff deadline/])
  t.equal(sim.state.callsTo('PATCH', '/api/v2/routing/').length, 0, 'no routing PATCH while not in queue')
})

t.test('an ended conversation answers 409, is marked, and later events do not call Genesys', async t => {
  const { app, sim } = await buildWithSimulator(t)
  const id = newConversationId()
  sim.state.createConversation(id, { ended: true })
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 409, res.body)
  t.equal(res.json().code, 'CONVERSATION_ENDED')
  t.match(res.json().message, /has ended \(the customer is no longer connected\)/)
  t.same(sequence(sim.state.calls, id), ['GET conversation'])

  const snapshot = await app.historyStore.get(id)
  t.equal(snapshot?.handoff.state, 'done')
  t.equal(snapshot?.handoff.details?.outcome, 'conversation_ended')

  const again = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, 'CONVERSATION_ENDED')
  const confident = await postEvent(app, messagingEvent(id, 0.99))
  t.equal(confident.statusCode, 409, 'any later event for it')
  t.equal(sim.state.calls.filter(c => c.path.includes(id)).length, 1, 'no further Genesys calls')
})

t.test('a conversation already in queue (an earlier attempt transferred it) is not transferred again', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { HANDOFF_QUEUE_POLL_INTERVAL_MS: 20 }, sim: { queueDelayMs: 0 } })
  const id = newConversationId()
  const conversation = sim.state.createConversation(id)
  const bot = conversation.participants.find(p => p.purpose === 'workflow')
  t.equal(sim.state.transferToQueue(id, bot?.id ?? '', QUEUE_ID), null)
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().transferred, 'earlier')
  t.equal(res.json().routingUpdated, true)
  t.same(sequence(sim.state.calls, id), ['GET conversation', 'PATCH routing'])
})

t.test('Genesys refusing the transfer (4xx) is a 502 naming the cause; the claim is released', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { HANDOFF_SKILL_ID: '' } })
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', status: 403, code: 'missing.any.permissions' })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 502, res.body)
  t.match(res.json().message, /transfer to queue rejected by Genesys: status 403, code missing\.any\.permissions, correlation id [0-9a-f-]{36}/)
  t.notMatch(res.body, /Bearer|test-client-secret/)
  t.equal(transferCalls(sim).length, 1)
  t.equal((await postEvent(app, messagingEvent(id, 0.1))).json().status, 'handoff_initiated')
})

t.test('the context packet is bounded and can be sent unmasked', async t => {
  const { app, sim } = await buildWithSimulator(t, {
    // Unmasked all the way: the stored text too (it is masked before storing by default).
    envOverrides: { HANDOFF_SKILL_ID: '', HANDOFF_CONTEXT_REDACT: false, STORE_RAW_TEXT: true, HANDOFF_CONTEXT_MAX_EVENTS: 3, HANDOFF_CONTEXT_MAX_TOTAL_CHARS: 600, HANDOFF_CONTEXT_MAX_VALUE_CHARS: 300 }
  })
  const id = newConversationId()
  for (let i = 0; i < 6; i++) await postEvent(app, messagingEvent(id, 0.9, { text: `turn ${i} ` + 'x'.repeat(150) }))
  const res = await postEvent(app, messagingEvent(id, 0.1, { text: 'write to me at jane.doe@example.com' }))
  t.equal(res.json().status, 'handoff_initiated', res.body)
  const patch = sim.state.calls.find(c => c.path.endsWith('/attributes'))
  const attributes = (patch?.body as { attributes: Record<string, string> }).attributes
  const total = Object.entries(attributes).reduce((n, [k, v]) => n + k.length + v.length, 0)
  t.ok(total <= 600, `packet of ${total} chars within 600`)
  t.match(attributes['handoff.transcript'], /jane\.doe@example\.com/, 'not masked when redaction is off')
  t.notMatch(attributes['handoff.transcript'], /turn 0|turn 1|turn 2|turn 3/, 'only the last events')
  t.equal(attributes['handoff.truncated'], 'true')
  t.equal(attributes['handoff.turnCount'], '7')
  for (const value of Object.values(attributes)) t.type(value, 'string')
})

t.test('HANDOFF_STRATEGY=routing-metadata keeps the tutorial call and only that', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { HANDOFF_STRATEGY: 'routing-metadata', HANDOFF_SKILL_ID: `${SKILL_ID},${SECOND_SKILL}` } })
  const id = newConversationId()
  const res = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().strategy, 'routing-metadata')
  t.same(res.json().routingMetadata, { queue: { id: QUEUE_ID }, skills: [{ id: SKILL_ID, priority: 1 }, { id: SECOND_SKILL, priority: 1 }] })
  t.same(sequence(sim.state.calls, id), [`PUT /api/v2/conversations/messaging/${id}`])
  t.equal(routingCalls(sim).length, 1)
  t.equal(transferCalls(sim).length, 0)
})

t.test('every Genesys call is logged with its ININ-Correlation-Id', async t => {
  const lines: Array<Record<string, unknown>> = []
  const stream = { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } }
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { HANDOFF_SKILL_ID: '' },
    logger: { level: 'info', stream }
  })
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.1))).statusCode, 200)
  const logged = lines.filter(l => l.msg === 'genesys call').map(l => l.correlationId)
  const recorded = sim.state.calls.filter(c => c.path.includes(id)).map(c => c.correlationId)
  t.same(logged, recorded)
})
