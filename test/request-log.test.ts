// Exactly one log line per request, whatever the answer: method, route, status, time, request id,
// conversation id, outcome label and, for failures, the error code; expected failures without a stack.
import t from 'tap'
import { request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { MemoryHistoryStore } from '../src/store/memory.js'
import { signature } from '../src/webhook-signature.js'
import { ADMIN_TOKEN, WEBHOOK_SECRET, buildWithSimulator, captureLog, messagingEvent, newConversationId, type LogCapture } from './helper.js'
import type { FastifyInstance } from 'fastify'

const COMPLETION = new Set(['request completed', 'unhandled error', 'request aborted by the client'])
const METRICS_TOKEN = 'test-metrics-token-9e8d7c6b5a'

function completionLines (log: LogCapture, reqId: string): Array<Record<string, unknown>> {
  return log.lines.filter(l => l.reqId === reqId && COMPLETION.has(String(l.msg)))
}

async function send (app: FastifyInstance, reqId: string, opts: { method?: 'GET' | 'POST', url?: string, body?: unknown, raw?: string, contentType?: string, sign?: boolean, headers?: Record<string, string> } = {}): Promise<number> {
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body))
  const headers: Record<string, string> = { 'x-request-id': reqId, ...opts.headers }
  if (payload !== undefined) headers['content-type'] = opts.contentType ?? 'application/json'
  if (payload !== undefined && opts.sign !== false) headers['x-hub-signature-256'] = signature(WEBHOOK_SECRET, payload)
  const res = await app.inject({ method: opts.method ?? (payload === undefined ? 'GET' : 'POST'), url: opts.url ?? '/webhook/messaging', payload, headers })
  return res.statusCode
}

t.test('every answer class leaves exactly one line with its outcome, and the error code when it failed', async t => {
  const log = captureLog('trace')
  const { app, sim } = await buildWithSimulator(t, {
    loggerInstance: log.logger,
    envOverrides: { WEBHOOK_SECRET, METRICS_TOKEN, WEBHOOK_BODY_LIMIT: 2048, GENESYS_MAX_RETRIES: 1, GENESYS_RETRY_MAX_DELAY_MS: 50 }
  })
  const [bot, handedOff, dup, ended, rejected, unavailable] = [newConversationId(), newConversationId(), newConversationId(), newConversationId(), newConversationId(), newConversationId()]
  sim.state.createConversation(ended, { ended: true })

  const expected: Array<[string, number, Record<string, unknown>]> = []
  const expect = async (reqId: string, status: Promise<number>, fields: Record<string, unknown>): Promise<void> => {
    const answered = await status
    t.equal(answered, fields.statusCode, `${reqId} answered ${String(fields.statusCode)}`)
    expected.push([reqId, answered, fields])
  }
  const post = (reqId: string, body: unknown, extra: Parameters<typeof send>[2] = {}): Promise<number> => send(app, reqId, { body, ...extra })

  await expect('bot', post('bot', messagingEvent(bot, 0.9)), { statusCode: 200, outcome: 'bot_continuing', conversationId: bot, level: 30 })
  await expect('handoff', post('handoff', messagingEvent(handedOff, 0.1)), { statusCode: 200, outcome: 'handoff_initiated', conversationId: handedOff, level: 30 })
  await expect('handed', post('handed', messagingEvent(handedOff, 0.9)), { statusCode: 200, outcome: 'handed_off', conversationId: handedOff, level: 30 })
  await expect('dup-1', post('dup-1', messagingEvent(dup, 0.9, { messageId: 'm-1' })), { statusCode: 200, outcome: 'bot_continuing', level: 30 })
  await expect('dup-2', post('dup-2', messagingEvent(dup, 0.9, { messageId: 'm-1' })), { statusCode: 200, outcome: 'duplicate', conversationId: dup, level: 30 })
  await expect('invalid', post('invalid', messagingEvent('not-a-uuid', 0.9)), { statusCode: 400, outcome: 'invalid', errorCode: 'FST_ERR_VALIDATION', error: /conversationId/, level: 40 })
  await expect('badjson', send(app, 'badjson', { raw: '{"conversationId": ' }), { statusCode: 400, outcome: 'invalid', errorCode: 'FST_ERR_CTP_INVALID_JSON_BODY', level: 40 })
  await expect('unsigned', post('unsigned', messagingEvent(bot, 0.9), { sign: false }), { statusCode: 401, outcome: 'unauthorized', errorCode: 'INVALID_SIGNATURE', level: 40 })
  await expect('media', send(app, 'media', { raw: 'hello', contentType: 'text/plain' }), { statusCode: 415, outcome: 'unsupported_media_type', errorCode: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', level: 40 })
  await expect('large', post('large', messagingEvent(bot, 0.9, { text: 'x'.repeat(3000) })), { statusCode: 413, outcome: 'too_large', errorCode: 'FST_ERR_CTP_BODY_TOO_LARGE', level: 40 })
  await expect('ended', post('ended', messagingEvent(ended, 0.1)), { statusCode: 409, outcome: 'conversation_ended', errorCode: 'CONVERSATION_ENDED', conversationId: ended, level: 40 })
  sim.state.addFault({ method: 'GET', path: '/api/v2/conversations/messages', status: 404 })
  await expect('rejected', post('rejected', messagingEvent(rejected, 0.1)), { statusCode: 502, outcome: 'genesys_rejected', errorCode: 'GENESYS_REJECTED', conversationId: rejected, error: /conversation read rejected by Genesys: status 404/, level: 40 })
  sim.state.addFault({ method: 'GET', path: '/api/v2/conversations/messages', status: 503, times: 5 })
  await expect('unavailable', post('unavailable', messagingEvent(unavailable, 0.1)), { statusCode: 503, outcome: 'genesys_unavailable', errorCode: 'GENESYS_UNAVAILABLE', conversationId: unavailable, level: 40 })
  await expect('nowhere', send(app, 'nowhere', { url: '/nowhere?secret=1' }), { statusCode: 404, outcome: 'route_not_found', errorCode: 'ROUTE_NOT_FOUND', route: null, url: '/nowhere', level: 40 })
  const unknown = newConversationId()
  const operator = { authorization: `Bearer ${ADMIN_TOKEN}` }
  await expect('noconv', send(app, 'noconv', { url: `/conversations/${unknown}`, headers: operator }), { statusCode: 404, outcome: 'not_found', errorCode: 'NOT_FOUND', conversationId: unknown, route: '/conversations/:conversationId', level: 40 })
  await expect('conv', send(app, 'conv', { url: `/conversations/${bot}`, headers: operator }), { statusCode: 200, outcome: 'ok', conversationId: bot, level: 30 })
  await expect('noauth', send(app, 'noauth', { url: `/conversations/${bot}` }), { statusCode: 401, outcome: 'unauthorized', errorCode: 'UNAUTHORIZED', conversationId: bot, level: 40 })
  await expect('metrics-bad', send(app, 'metrics-bad', { url: '/metrics', headers: { authorization: 'Bearer wrong' } }), { statusCode: 401, outcome: 'unauthorized', errorCode: 'UNAUTHORIZED', level: 40 })
  await expect('metrics', send(app, 'metrics', { url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } }), { statusCode: 200, outcome: 'ok', level: 20 })
  await expect('live', send(app, 'live', { url: '/health/live' }), { statusCode: 200, outcome: 'ok', route: '/health/live', level: 20 })
  await expect('ready', send(app, 'ready', { url: '/health/ready' }), { statusCode: 200, outcome: 'ready', level: 20 })

  for (const [reqId, status, fields] of expected) {
    const lines = completionLines(log, reqId)
    t.equal(lines.length, 1, `${reqId}: exactly one line`)
    const { level, ...rest } = fields
    t.match(lines[0], { msg: 'request completed', level, statusCode: status, method: /^(GET|POST)$/, responseTimeMs: Number, ...rest }, `${reqId}: fields`)
    if (status < 400) t.notOk('errorCode' in (lines[0] ?? {}), `${reqId}: no error code on a success`)
    if (fields.conversationId === undefined && reqId !== 'dup-1') t.notOk('conversationId' in (lines[0] ?? {}), `${reqId}: no conversation id when unknown`)
    // Expected failures come without a stack, on every line of the request.
    for (const line of log.lines.filter(l => l.reqId === reqId)) t.notMatch(JSON.stringify(line), /"stack"/, `${reqId}: "${String(line.msg)}" has no stack`)
  }
  for (const reqId of ['invalid', 'badjson', 'unsigned', 'media', 'large', 'nowhere', 'noauth', 'metrics-bad']) {
    t.equal(log.lines.filter(l => l.reqId === reqId).length, 1, `${reqId}: turned away before any work, so its request line is its only line`)
  }
  t.equal(log.lines.filter(l => l.msg === 'request completed').length, expected.length, 'no request without its line, none with two')
  t.notOk(log.lines.some(l => l.msg === 'unhandled error'), 'no error line for an expected failure')
  t.notMatch(log.text(), 'secret=1', 'query strings are not logged')

  const decisions = log.lines.filter(l => l.msg === 'decision' && l.conversationId === dup)
  t.equal(decisions.length, 2)
  t.notOk(decisions[0]?.duplicate, 'the first delivery is not a duplicate')
  t.equal(decisions[1]?.duplicate, true, 'the redelivery\'s decision says it is one')
})

t.test('an unexpected failure: one line at error level with the stack, and a plain 500 answer', async t => {
  const log = captureLog('info')
  const store = new MemoryHistoryStore({ maxEvents: 50, ttlSeconds: 60, maxConversations: 100 })
  store.append = async () => { throw new TypeError('store bug') }
  const { app } = await buildWithSimulator(t, { loggerInstance: log.logger, store })
  const res = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: messagingEvent(newConversationId(), 0.9), headers: { 'x-request-id': 'bug-1' } })
  t.equal(res.statusCode, 500)
  t.notMatch(res.body, 'store bug', 'the answer does not leak the error')
  const lines = log.lines.filter(l => l.reqId === 'bug-1')
  t.equal(lines.length, 1, 'one line for the request')
  t.match(lines[0], { msg: 'unhandled error', level: 50, statusCode: 500, outcome: 'error', route: '/webhook/messaging', err: { type: 'TypeError', message: 'store bug', stack: /TypeError: store bug/ } })
})

t.test('Genesys failures: refusals at warn without a stack, retries named by status and operation, token failures as the token request', async t => {
  const log = captureLog('info')
  const { app, sim } = await buildWithSimulator(t, { loggerInstance: log.logger, envOverrides: { GENESYS_RETRY_MAX_DELAY_MS: 50 } })
  sim.state.addFault({ method: 'GET', path: '/api/v2/conversations/messages', status: 503 })
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', status: 403 })
  const res = await app.inject({ method: 'POST', url: '/webhook/messaging', payload: messagingEvent(newConversationId(), 0.1), headers: { 'x-request-id': 'refused' } })
  t.equal(res.statusCode, 502)
  const lines = log.lines.filter(l => l.reqId === 'refused')
  t.match(lines.find(l => l.msg === 'retrying Genesys call'), { level: 40, operation: 'conversation read', genesysStatus: 503, attempt: Number })
  t.notMatch(log.text(), 'UND_ERR_REQ_RETRY', 'not undici\'s wrapper code')
  t.match(lines.find(l => l.msg === 'genesys call failed'), { level: 40, operation: 'transfer to queue', genesysStatus: 403, genesysCode: 'missing.any.permissions' })
  t.match(lines.find(l => l.msg === 'handoff failed'), { level: 40, errorCode: 'GENESYS_REJECTED', error: /transfer to queue rejected by Genesys: status 403/ })
  for (const line of lines) {
    t.notOk('err' in line, `"${String(line.msg)}" carries no error object`)
    t.ok(Number(line.level) <= 40, `"${String(line.msg)}" is not an error-level line`)
  }

  const tokenLog = captureLog('info')
  const { app: wrong } = await buildWithSimulator(t, { loggerInstance: tokenLog.logger, envOverrides: { GENESYS_CLIENT_SECRET: 'not-the-secret-0a1b2c3d' } })
  const refused = await wrong.inject({ method: 'POST', url: '/webhook/messaging', payload: messagingEvent(newConversationId(), 0.1), headers: { 'x-request-id': 'token' } })
  t.equal(refused.statusCode, 502)
  t.match(tokenLog.lines.find(l => l.msg === 'genesys call failed'), { operation: 'token request', genesysStatus: 401, genesysCode: 'invalid_client' })
  t.match(completionLines(tokenLog, 'token')[0], { statusCode: 502, errorCode: 'GENESYS_REJECTED', error: /^token request rejected by Genesys: status 401/ })
})

t.test('a client that hangs up: one line saying so, and the handoff still completes', async t => {
  const log = captureLog('info')
  const { app, sim } = await buildWithSimulator(t, { loggerInstance: log.logger })
  sim.state.addFault({ method: 'GET', path: '/api/v2/conversations/messages', latencyMs: 400 })
  const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }))
  const id = newConversationId()
  const payload = JSON.stringify(messagingEvent(id, 0.1))
  const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: '/webhook/messaging', headers: { 'content-type': 'application/json', 'x-request-id': 'gone' } })
  req.on('error', () => {})
  req.end(payload)
  await sleep(150)
  req.destroy()
  for (let i = 0; i < 100 && !log.lines.some(l => l.msg === 'handoff initiated' && l.conversationId === id); i++) await sleep(50)
  const lines = completionLines(log, 'gone')
  t.equal(lines.length, 1, `one line: ${JSON.stringify(log.lines.filter(l => l.reqId === 'gone'))}`)
  t.match(lines[0], { msg: 'request aborted by the client', level: 40, outcome: 'client_aborted', route: '/webhook/messaging' })
  t.ok(log.lines.some(l => l.msg === 'handoff initiated' && l.reqId === 'gone'), 'the work went on')
})

t.test('request durations: a histogram by method, route template and status code', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  for (const confidence of [0.9, 0.8]) await app.inject({ method: 'POST', url: '/webhook/messaging', payload: messagingEvent(id, confidence) })
  await app.inject({ method: 'POST', url: '/webhook/messaging', payload: messagingEvent('../../qzxv', 0.9) })
  await app.inject({ url: `/nowhere/${id}` })
  await app.inject({ url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  const text = (await app.inject({ url: '/metrics' })).body
  const sample = (labels: string): number | undefined => {
    const line = text.split('\n').find(l => l.startsWith(`http_request_duration_seconds_count{${labels}} `))
    return line === undefined ? undefined : Number(line.split(' ')[1])
  }
  t.match(text, /# TYPE http_request_duration_seconds histogram/)
  t.equal(sample('method="POST",route="/webhook/messaging",status_code="200"'), 2)
  t.equal(sample('method="POST",route="/webhook/messaging",status_code="400"'), 1)
  t.equal(sample('method="GET",route="unmatched",status_code="404"'), 1)
  t.equal(sample('method="GET",route="/conversations/:conversationId",status_code="200"'), 1)
  t.match(text, /http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/webhook\/messaging",status_code="200"\}/)
  t.notMatch(text, id, 'no conversation id in any label')
  t.notMatch(text, 'qzxv')
})
