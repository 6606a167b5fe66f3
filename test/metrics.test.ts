import t from 'tap'
import { endpointTemplate } from '../src/metrics.js'
import { WEBHOOK_SECRET, build, buildWithSimulator, messagingEvent, newConversationId, postEvent, ROUTING_METADATA } from './helper.js'
import { signature } from '../src/webhook-signature.js'
import type { FastifyInstance } from 'fastify'

async function scrape (app: FastifyInstance, headers: Record<string, string> = {}): Promise<string> {
  const res = await app.inject({ url: '/metrics', headers })
  if (res.statusCode !== 200) throw new Error(`GET /metrics answered ${res.statusCode}`)
  return res.body
}

/** The value of one sample, e.g. value(text, 'handoff_webhooks_total{outcome="invalid"}'). */
function value (text: string, sample: string): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(sample + ' '))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

t.test('endpoints are templated without ids', async t => {
  t.equal(endpointTemplate('https://api.x/api/v2/conversations/messaging/0b5e1f0a-1111-4a4a-8b8b-123456789abc'), '/api/v2/conversations/messaging/{id}')
  t.equal(endpointTemplate('https://api.x/api/v2/conversations/messages/0b5e1f0a-1111-4a4a-8b8b-123456789abc/participants/1a2b3c4d-1111-4a4a-8b8b-123456789abc/attributes'),
    '/api/v2/conversations/messages/{id}/participants/{id}/attributes')
  t.equal(endpointTemplate('https://login.x/oauth/token'), '/oauth/token')
  t.equal(endpointTemplate('https://api.x/api/v2/routing/conversations/..%2F..%2Fusers'), '/api/v2/routing/conversations/{id}')
  t.equal(endpointTemplate('https://api.x/api/v2/things/12345'), '/api/v2/things/{id}')
  t.equal(endpointTemplate('not a url'), 'unknown')
})

t.test('a handoff, a bot turn and rejected webhooks show up in Prometheus text format', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: ROUTING_METADATA })
  const handedOff = newConversationId()
  sim.state.addFault({ method: 'PUT', status: 503, times: 1 })
  t.equal((await postEvent(app, messagingEvent(handedOff, 0.1))).statusCode, 200)
  t.equal((await postEvent(app, messagingEvent(handedOff, 0.9))).json().status, 'handed_off')
  t.equal((await postEvent(app, messagingEvent(newConversationId(), 0.9))).statusCode, 200)
  t.equal((await postEvent(app, messagingEvent('../../qzxv', 0.9))).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: '/webhook/messaging', payload: 'x', headers: { 'content-type': 'text/plain' } })).statusCode, 415)

  const res = await app.inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const text = res.body
  t.match(text, /# TYPE handoff_webhooks_total counter/)
  t.equal(value(text, 'handoff_webhooks_total{outcome="handoff_initiated"}'), 1)
  t.equal(value(text, 'handoff_webhooks_total{outcome="handed_off"}'), 1)
  t.equal(value(text, 'handoff_webhooks_total{outcome="bot_continuing"}'), 1)
  t.equal(value(text, 'handoff_webhooks_total{outcome="invalid"}'), 1)
  t.equal(value(text, 'handoff_webhooks_total{outcome="unsupported_media_type"}'), 1)
  t.equal(value(text, 'handoff_decisions_total{action="HANDOFF",intent="billing_question"}'), 1)
  t.equal(value(text, 'handoff_decisions_total{action="CONTINUE_BOT",intent="billing_question"}'), 1, 'an event after the handoff makes no decision')
  t.equal(value(text, 'handoff_duration_seconds_count{outcome="success"}'), 1)
  t.match(text, /handoff_duration_seconds_bucket\{le="0\.05",outcome="success"\}/)
  t.equal(value(text, 'genesys_requests_total{method="PUT",endpoint="/api/v2/conversations/messaging/{id}",status="200"}'), 1)
  t.equal(value(text, 'genesys_requests_total{method="POST",endpoint="/oauth/token",status="200"}'), 1)
  t.equal(value(text, 'genesys_retries_total{operation="routing update",reason="503"}'), 1)
  t.equal(value(text, 'genesys_token_fetches_total'), 1)
  t.match(text, /process_cpu_seconds_total/, 'process metrics too')
  t.notMatch(text, handedOff, 'no conversation id in any label')
  t.notMatch(text, 'qzxv', 'nor any other request value')
})

t.test('failed handoffs, Genesys errors and store errors are counted', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: ROUTING_METADATA })
  sim.state.addFault({ method: 'PUT', status: 404, times: 1 })
  t.equal((await postEvent(app, messagingEvent(newConversationId(), 0.1))).statusCode, 502)
  const append = app.historyStore.append.bind(app.historyStore)
  app.historyStore.append = async () => { throw new Error('store down') }
  t.equal((await postEvent(app, messagingEvent(newConversationId(), 0.1))).statusCode, 500)
  app.historyStore.append = append
  app.historyStore.ping = async () => { throw new Error('store down') }
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 503)

  const text = await scrape(app)
  t.equal(value(text, 'handoff_webhooks_total{outcome="genesys_rejected"}'), 1)
  t.equal(value(text, 'handoff_webhooks_total{outcome="error"}'), 1)
  t.equal(value(text, 'handoff_duration_seconds_count{outcome="failure"}'), 1)
  t.equal(value(text, 'genesys_requests_total{method="PUT",endpoint="/api/v2/conversations/messaging/{id}",status="404"}'), 1)
  t.equal(value(text, 'history_store_errors_total{operation="append"}'), 1)
  t.equal(value(text, 'history_store_errors_total{operation="ping"}'), 1)
})

t.test('unsigned webhooks are counted as unauthorized', async t => {
  const { app } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, WEBHOOK_SECRET } })
  const body = JSON.stringify(messagingEvent(newConversationId(), 0.9))
  await app.inject({ method: 'POST', url: '/webhook/messaging', payload: body, headers: { 'content-type': 'application/json' } })
  await app.inject({ method: 'POST', url: '/webhook/messaging', payload: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature('wrong', body) } })
  await app.inject({ method: 'POST', url: '/webhook/messaging', payload: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(WEBHOOK_SECRET, body) } })
  const text = await scrape(app)
  t.equal(value(text, 'handoff_webhooks_total{outcome="unauthorized"}'), 2)
  t.equal(value(text, 'handoff_webhooks_total{outcome="bot_continuing"}'), 1)
})

t.test('the intent label keeps the first N intents and counts the rest as "other"', async t => {
  const { app } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, METRICS_MAX_INTENT_LABELS: '2' } })
  for (const intent of ['greeting', 'billing', 'greeting', 'refund', `spam-${'z'.repeat(150)}`, 'billing']) {
    await postEvent(app, messagingEvent(newConversationId(), 0.9, { intent: { intent, confidence: 0.9 } }))
  }
  const text = await scrape(app)
  t.equal(value(text, 'handoff_decisions_total{action="CONTINUE_BOT",intent="greeting"}'), 2)
  t.equal(value(text, 'handoff_decisions_total{action="CONTINUE_BOT",intent="billing"}'), 2)
  t.equal(value(text, 'handoff_decisions_total{action="CONTINUE_BOT",intent="other"}'), 2)
  t.notMatch(text, /refund|spam/)
})

t.test('each app instance has its own registry', async t => {
  const a = await build(t)
  const b = await build(t)
  t.not(a.metrics.registry, b.metrics.registry)
  await postEvent(a, messagingEvent('bad', 0.9))
  t.equal(value(await scrape(a), 'handoff_webhooks_total{outcome="invalid"}'), 1)
  t.equal(value(await scrape(b), 'handoff_webhooks_total{outcome="invalid"}'), undefined)
})

t.test('METRICS_TOKEN protects /metrics', async t => {
  const token = 'metrics-token-4f3e2d1c0b9a'
  const app = await build(t, { envOverrides: { ...ROUTING_METADATA, METRICS_TOKEN: token } })
  const none = await app.inject({ url: '/metrics' })
  t.equal(none.statusCode, 401)
  t.equal(none.headers['www-authenticate'], 'Bearer')
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}x` } })).statusCode, 401)
  t.match(await scrape(app, { authorization: `Bearer ${token}` }), /handoff_webhooks_total/)
  const open = await build(t)
  t.equal((await open.inject({ url: '/metrics' })).statusCode, 200, 'open when no token is set')
})
