// The per-call retry policy the transfer uses: retried only when Genesys certainly did not act.
import t from 'tap'
import { MockAgent } from 'undici'
import { GenesysTransport } from '../src/genesys/transport.js'
import { GenesysUnavailableError } from '../src/genesys/errors.js'
import { TRANSFER_RETRY } from '../src/genesys/client.js'
import { mayStillBeHandled, outcomeUncertain } from '../src/genesys/errors.js'

const ORIGIN = 'http://127.0.0.1:9'
const PATH = '/api/v2/conversations/c1/participants/p1/replace/queue'

function setup (t: { teardown: (fn: () => unknown) => void }): { agent: MockAgent, http: GenesysTransport } {
  const agent = new MockAgent()
  agent.disableNetConnect()
  const http = new GenesysTransport({ dispatcher: agent, maxConnections: 1, requestTimeoutMs: 2000, maxRetries: 3, retryMinDelayMs: 1, retryMaxDelayMs: 5 })
  t.teardown(async () => { await http.close() })
  return { agent, http }
}

const send = async (http: GenesysTransport): Promise<{ status: number }> => await http.send({
  operation: 'transfer to queue', method: 'POST', origin: ORIGIN, path: PATH, endpoint: PATH, headers: { 'content-type': 'application/json' }, body: '{"queueId":"q"}', retry: TRANSFER_RETRY
}, { deadline: Date.now() + 5000 })

t.test('429 is retried for the transfer POST', async t => {
  const { agent, http } = setup(t)
  const pool = agent.get(ORIGIN)
  pool.intercept({ path: PATH, method: 'POST' }).reply(429, { code: 'too.many.requests' }, { headers: { 'retry-after': '0' } })
  pool.intercept({ path: PATH, method: 'POST' }).reply(202, '')
  t.equal((await send(http)).status, 202)
  agent.assertNoPendingInterceptors()
})

t.test('a refused connection is retried: nothing was sent', async t => {
  const { agent, http } = setup(t)
  const pool = agent.get(ORIGIN)
  pool.intercept({ path: PATH, method: 'POST' }).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
  pool.intercept({ path: PATH, method: 'POST' }).reply(202, '')
  t.equal((await send(http)).status, 202)
  agent.assertNoPendingInterceptors()
})

t.test('a 503 or a reset connection is not retried: Genesys may have acted', async t => {
  const { agent, http } = setup(t)
  const pool = agent.get(ORIGIN)
  pool.intercept({ path: PATH, method: 'POST' }).reply(503, { code: 'service.unavailable' })
  t.equal((await send(http)).status, 503, 'answered as is, for the caller to re-read the conversation')
  agent.assertNoPendingInterceptors()

  pool.intercept({ path: PATH, method: 'POST' }).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
  const err = await send(http).catch((e: unknown) => e)
  t.type(err, GenesysUnavailableError)
  t.equal((err as GenesysUnavailableError).info.transportCode, 'ECONNRESET')
  t.equal(outcomeUncertain(err), true)
  pool.intercept({ path: PATH, method: 'POST' }).reply(202, '')
  t.equal(agent.pendingInterceptors().length, 1, 'no second send')
})

t.test('which failures leave the transfer outcome uncertain', async t => {
  const unavailable = (info: ConstructorParameters<typeof GenesysUnavailableError>[1]): GenesysUnavailableError =>
    new GenesysUnavailableError('transfer to queue', info, 5, 'x')
  t.equal(outcomeUncertain(unavailable({ status: 503 })), true)
  t.equal(outcomeUncertain(unavailable({ status: 429 })), false)
  t.equal(outcomeUncertain(unavailable({ transportCode: 'ECONNREFUSED' })), false)
  t.equal(outcomeUncertain(unavailable({ transportCode: 'DEADLINE_BEFORE_SEND' })), false)
  t.equal(outcomeUncertain(unavailable({ transportCode: 'UND_ERR_HEADERS_TIMEOUT' })), true)
  t.equal(outcomeUncertain(unavailable({})), true, 'aborted at the deadline')
  t.equal(outcomeUncertain(new Error('other')), false)
})

t.test('which failures may still be handled by Genesys (no resend, the caller retries later)', async t => {
  const unavailable = (info: ConstructorParameters<typeof GenesysUnavailableError>[1]): GenesysUnavailableError =>
    new GenesysUnavailableError('transfer to queue', info, 5, 'x')
  t.equal(mayStillBeHandled(unavailable({ transportCode: 'UND_ERR_HEADERS_TIMEOUT' })), true, 'timed out')
  t.equal(mayStillBeHandled(unavailable({ transportCode: 'ECONNRESET' })), true, 'connection lost after sending')
  t.equal(mayStillBeHandled(unavailable({})), true, 'aborted at the deadline')
  t.equal(mayStillBeHandled(unavailable({ status: 504 })), true, 'a gateway stopped waiting')
  t.equal(mayStillBeHandled(unavailable({ status: 502 })), true)
  t.equal(mayStillBeHandled(unavailable({ status: 500 })), false, 'Genesys answered: it finished handling it')
  t.equal(mayStillBeHandled(unavailable({ status: 503 })), false)
  t.equal(mayStillBeHandled(unavailable({ transportCode: 'ECONNREFUSED' })), false, 'never sent')
  t.equal(mayStillBeHandled(unavailable({ status: 429 })), false)
})

t.test('other calls keep the default policy (PUT retried on 503)', async t => {
  const { agent, http } = setup(t)
  const pool = agent.get(ORIGIN)
  pool.intercept({ path: '/x', method: 'PUT' }).reply(503, {})
  pool.intercept({ path: '/x', method: 'PUT' }).reply(200, {})
  const res = await http.send({ operation: 'x', method: 'PUT', origin: ORIGIN, path: '/x', endpoint: '/x', headers: {}, body: '{}' }, { deadline: Date.now() + 5000 })
  t.equal(res.status, 200)
})
