// Load shedding: a lagging event loop turns requests away with 503 + Retry-After instead of letting them
// all time out. The lag is real: the test blocks the event loop until the sampler reports it.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { buildWithSimulator, messagingEvent, newConversationId, postEvent, ROUTING_METADATA } from './helper.js'

const SAMPLE_MS = 250

function blockEventLoop (ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) { /* busy: this is the overload */ }
}

/** Lags the loop until the app reports pressure, then runs fn; repeats if the pressure lapsed meanwhile. */
async function whileOverloaded<T> (app: FastifyInstance, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < 10; attempt++) {
    for (let i = 0; i < 20 && !app.isUnderPressure(); i++) {
      blockEventLoop(600)
      await sleep(SAMPLE_MS / 2)
    }
    if (!app.isUnderPressure()) continue
    const result = await fn()
    if (app.isUnderPressure()) return result
  }
  throw new Error('could not hold the event loop lagging long enough')
}

async function whileCalm (app: FastifyInstance): Promise<void> {
  for (let i = 0; i < 100 && app.isUnderPressure(); i++) await sleep(SAMPLE_MS / 2)
}

t.test('a lagging event loop sheds webhooks and readiness with 503 + Retry-After, keeps liveness and metrics', async t => {
  const { app, sim } = await buildWithSimulator(t, {
    envOverrides: { ...ROUTING_METADATA, OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '30', OVERLOAD_SAMPLE_INTERVAL_MS: String(SAMPLE_MS), OVERLOAD_RETRY_AFTER_SECONDS: '7' }
  })
  const id = newConversationId()

  const shed = await whileOverloaded(app, async () => await postEvent(app, messagingEvent(id, 0.1)))
  t.equal(shed.statusCode, 503, 'webhook shed')
  t.equal(shed.headers['retry-after'], '7')
  t.match(shed.json(), { statusCode: 503, error: 'Service Unavailable', message: /overloaded/ })
  t.equal(await app.historyStore.get(id), null, 'nothing recorded')
  t.equal(sim.state.calls.length, 0, 'nothing sent to Genesys')

  const ready = await whileOverloaded(app, async () => await app.inject({ url: '/health/ready' }))
  t.equal(ready.statusCode, 503, 'not ready while overloaded')
  t.equal(ready.headers['retry-after'], '7')
  const live = await whileOverloaded(app, async () => await app.inject({ url: '/health/live' }))
  t.equal(live.statusCode, 200, 'still alive')
  const metrics = await whileOverloaded(app, async () => await app.inject({ url: '/metrics' }))
  t.equal(metrics.statusCode, 200, 'metrics still answered')
  t.match(metrics.body, /handoff_webhooks_total\{outcome="overloaded"\} 1/)

  await whileCalm(app)
  t.equal(app.isUnderPressure(), false, 'recovers once the loop is calm')
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200)
  const served = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(served.statusCode, 200)
  t.equal(served.json().status, 'handoff_initiated')
})

t.test('OVERLOAD_MAX_EVENT_LOOP_DELAY_MS=0 turns shedding off', async t => {
  const { app } = await buildWithSimulator(t, { envOverrides: { ...ROUTING_METADATA, OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_SAMPLE_INTERVAL_MS: String(SAMPLE_MS) } })
  blockEventLoop(600)
  await sleep(SAMPLE_MS * 2)
  t.equal(app.isUnderPressure(), false)
  t.equal((await postEvent(app, messagingEvent(newConversationId(), 0.9))).statusCode, 200)
})
