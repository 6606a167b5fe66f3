import t from 'tap'
import { MockAgent } from 'undici'
import { GenesysTransport } from '../src/genesys/transport.js'
import { GenesysUnavailableError } from '../src/genesys/errors.js'

const ORIGIN = 'http://127.0.0.1:9'

function setup (t: { teardown: (fn: () => unknown) => void }): { http: GenesysTransport, mock: MockAgent } {
  const mock = new MockAgent()
  mock.disableNetConnect()
  const http = new GenesysTransport({ dispatcher: mock, maxConnections: 4, requestTimeoutMs: 5000, maxRetries: 2, retryMaxDelayMs: 1000 })
  t.teardown(async () => { await http.close() })
  return { http, mock }
}

t.test('a call still unanswered at the handoff deadline fails as deadline exceeded', async t => {
  const { http, mock } = setup(t)
  mock.get(ORIGIN).intercept({ path: '/slow', method: 'GET' }).reply(200, '{}').delay(1000)
  const err = await http.send({ operation: 'slow call', method: 'GET', origin: ORIGIN, path: '/slow', endpoint: '/slow', headers: {} }, { deadline: Date.now() + 150 })
    .then(() => null, (e: unknown) => e)
  t.type(err, GenesysUnavailableError)
  t.match((err as Error).message, /slow call failed: handoff deadline exceeded/)
  t.equal((err as GenesysUnavailableError).statusCode, 503)
})

t.test('a call answered in time stops its deadline timer', async t => {
  const signals: AbortSignal[] = []
  class RecordingAgent extends MockAgent {
    override dispatch (opts: Parameters<MockAgent['dispatch']>[0], handler: Parameters<MockAgent['dispatch']>[1]): boolean {
      const { signal } = opts as { signal?: AbortSignal }
      if (signal !== undefined) signals.push(signal)
      return super.dispatch(opts, handler)
    }
  }
  const mock = new RecordingAgent()
  mock.disableNetConnect()
  const http = new GenesysTransport({ dispatcher: mock, maxConnections: 4, requestTimeoutMs: 5000, maxRetries: 2, retryMaxDelayMs: 1000 })
  t.teardown(async () => { await http.close() })
  mock.get(ORIGIN).intercept({ path: '/fast', method: 'GET' }).reply(200, '{"ok":true}')
  const res = await http.send({ operation: 'fast call', method: 'GET', origin: ORIGIN, path: '/fast', endpoint: '/fast', headers: {} }, { deadline: Date.now() + 100 })
  t.equal(res.status, 200)
  t.equal(res.body, '{"ok":true}')
  t.equal(signals.length, 1)
  await new Promise(resolve => setTimeout(resolve, 250))
  t.equal(signals[0]?.aborted, false, 'nothing is left to fire once the call is over')
})

t.test("the caller's signal cancels a call under way, and one already aborted at once", async t => {
  const { http, mock } = setup(t)
  mock.get(ORIGIN).intercept({ path: '/slow', method: 'GET' }).reply(200, '{}').delay(1000)
  const cancel = new AbortController()
  const call = http.send({ operation: 'slow call', method: 'GET', origin: ORIGIN, path: '/slow', endpoint: '/slow', headers: {} }, { deadline: Date.now() + 5000, signal: cancel.signal })
  cancel.abort()
  const err = await call.then(() => null, (e: unknown) => e)
  t.type(err, GenesysUnavailableError, 'not answered although Genesys would have, in time')
  t.match((err as Error).message, /slow call failed/)

  mock.get(ORIGIN).intercept({ path: '/never', method: 'GET' }).reply(200, '{}')
  const aborted = new AbortController()
  aborted.abort()
  await t.rejects(http.send({ operation: 'never', method: 'GET', origin: ORIGIN, path: '/never', endpoint: '/never', headers: {} }, { deadline: Date.now() + 5000, signal: aborted.signal }),
    GenesysUnavailableError, 'not answered although Genesys would have at once')
})
