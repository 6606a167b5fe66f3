// The startup check against the simulator: credentials, the handoff queue, an outage and its recovery (on a
// manual clock), and what readiness says meanwhile.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { CLIENT_SECRET, ManualTimers, QUEUE_ID, buildWithSimulator, captureLog } from './helper.js'
import type { GenesysCheckStatus } from '../src/genesys/startup-check.js'

/** Listens (which starts the check) and waits for the first attempt to end. */
async function listenAndCheck (app: FastifyInstance): Promise<GenesysCheckStatus> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  for (let i = 0; i < 100 && app.genesysCheck.status.state === 'not_checked'; i++) await sleep(10)
  return await app.genesysCheck.settled()
}

async function readiness (app: FastifyInstance): Promise<{ statusCode: number, body: Record<string, unknown> }> {
  const res = await app.inject({ url: '/health/ready' })
  return { statusCode: res.statusCode, body: res.json() }
}

t.test('working credentials and queue: ok, ready, one line naming the queue', async t => {
  const log = captureLog('info')
  const timers = new ManualTimers()
  const { app, sim } = await buildWithSimulator(t, { loggerInstance: log.logger, timers })
  const status = await listenAndCheck(app)
  t.match(status, { state: 'ok', attempts: 1 })
  t.same(await readiness(app), { statusCode: 200, body: { status: 'ready', genesys: 'ok' } })
  t.match(log.lines.find(l => l.genesys !== undefined), { level: 30, genesys: 'ok', queueId: QUEUE_ID, queueName: 'Handoff queue', msg: /^Genesys check passed: token obtained; queue 'Handoff queue'/ })
  t.same(sim.state.callsTo('GET', '/api/v2/routing/queues/').map(c => [c.path, c.status]), [[`/api/v2/routing/queues/${QUEUE_ID}`, 200]])
  t.equal(timers.pending.size, 0, 'nothing more scheduled')
  t.equal(sim.state.tokenRequests, 1)
})

t.test('wrong credentials: unauthorized, named plainly, not ready, retried slowly', async t => {
  const log = captureLog('info')
  const timers = new ManualTimers()
  const { app } = await buildWithSimulator(t, { loggerInstance: log.logger, timers, envOverrides: { GENESYS_CLIENT_SECRET: 'a-wrong-secret-5e6f7a8b' } })
  const status = await listenAndCheck(app)
  t.equal(status.state, 'unauthorized')
  const ready = await readiness(app)
  t.equal(ready.statusCode, 503)
  t.match(ready.body, { status: 'unavailable', genesys: 'unauthorized', reason: /GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET/ })
  const line = log.lines.find(l => l.genesys === 'unauthorized')
  t.match(line, { level: 50, retryInMs: 1000, msg: /^Genesys check failed: Genesys refused the OAuth client \(status 401, code invalid_client.*region mypurecloud\.com \(GENESYS_REGION\)/ })
  t.same(timers.delays, [1000], 'tried again later: a fixed role or secret needs no restart')
  t.notMatch(log.text(), 'a-wrong-secret-5e6f7a8b')
  t.notMatch(log.text(), CLIENT_SECRET)
})

t.test('a queue name where the id belongs, or an unknown id: queue_not_found, with the hint that fits', async t => {
  for (const [queueId, hint] of [['Billing queue', /must be the queue's id \(a UUID.*not its name/], ['0f0f0f0f-1111-4222-8333-444444444444', /check HANDOFF_QUEUE_ID and that the queue is in this organization/]] as const) {
    const log = captureLog('info')
    const { app } = await buildWithSimulator(t, { loggerInstance: log.logger, timers: new ManualTimers(), envOverrides: { HANDOFF_QUEUE_ID: queueId } })
    const status = await listenAndCheck(app)
    t.equal(status.state, 'queue_not_found', queueId)
    t.match(status.reason, new RegExp(`^queue '${queueId}' not found \\(status 404, code not\\.found`))
    t.match(status.reason, hint)
    const ready = await readiness(app)
    t.equal(ready.statusCode, 503)
    t.equal(ready.body.genesys, 'queue_not_found')
    t.match(log.lines.find(l => l.genesys === 'queue_not_found'), { level: 50, queueId })
  }
})

t.test('a client without routing:queue:view: unauthorized, naming the permission', async t => {
  const { app, sim } = await buildWithSimulator(t, { timers: new ManualTimers() })
  sim.state.addFault({ method: 'GET', path: '/api/v2/routing/queues/', status: 403 })
  const status = await listenAndCheck(app)
  t.equal(status.state, 'unauthorized')
  t.match(status.reason, /may not read queue .*status 403, code missing\.any\.permissions.*routing:queue:view/)
})

t.test('an outage at startup: ready and serving, retried with backoff until Genesys answers', async t => {
  const log = captureLog('info')
  const timers = new ManualTimers()
  const { app, sim } = await buildWithSimulator(t, { loggerInstance: log.logger, timers, envOverrides: { GENESYS_MAX_RETRIES: 0 } })
  sim.state.addFault({ method: 'POST', path: '/oauth/token', status: 503, times: 2 })
  t.match(await listenAndCheck(app), { state: 'unreachable', attempts: 1, reason: /Genesys could not be reached \(status 503/ })
  t.same(await readiness(app), { statusCode: 200, body: { status: 'ready', genesys: 'unreachable' } }, 'an outage does not take the instance out')
  t.match(log.lines.find(l => l.genesys === 'unreachable'), { level: 40, retryInMs: 1000 })

  t.equal(timers.fire(), 1)
  t.match(await app.genesysCheck.settled(), { state: 'unreachable', attempts: 2 })
  t.same(timers.delays, [1000, 2000], 'the wait doubles')
  t.equal(timers.fire(), 1)
  t.match(await app.genesysCheck.settled(), { state: 'ok', attempts: 3 })
  t.equal(timers.pending.size, 0, 'no more attempts once it passed')
  t.same(await readiness(app), { statusCode: 200, body: { status: 'ready', genesys: 'ok' } })
})

t.test('nothing listening at the Genesys address: unreachable with the network error; closing stops the retries', async t => {
  const timers = new ManualTimers()
  const { app } = await buildWithSimulator(t, { timers, envOverrides: { GENESYS_LOGIN_BASE_URL: 'http://127.0.0.1:9', GENESYS_MAX_RETRIES: 0 } })
  t.match(await listenAndCheck(app), { state: 'unreachable', reason: /network error ECONNREFUSED/ })
  t.equal(timers.pending.size, 1)
  await app.close()
  t.equal(timers.pending.size, 0, 'the scheduled retry is cancelled')
})

t.test('skipped when turned off; never run for an instance that does not listen', async t => {
  const { app, sim } = await buildWithSimulator(t, { envOverrides: { GENESYS_STARTUP_CHECK: 'false' } })
  t.match(await listenAndCheck(app), { state: 'skipped', reason: 'GENESYS_STARTUP_CHECK=false' })
  t.same(await readiness(app), { statusCode: 200, body: { status: 'ready', genesys: 'skipped' } })
  t.equal(sim.state.tokenRequests, 0, 'no call to Genesys')

  const { app: injected, sim: untouched } = await buildWithSimulator(t)
  t.same(await readiness(injected), { statusCode: 200, body: { status: 'ready' } })
  t.equal(injected.genesysCheck.status.state, 'not_checked')
  t.equal(untouched.state.tokenRequests, 0, 'inject-only instances (tests, OpenAPI generation) never call Genesys')
})
