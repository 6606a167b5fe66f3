// Card numbers, e-mail addresses and phone numbers are masked before the text is stored (memory or Redis),
// so the stored history, GET /conversations/:id and the context packet never hold them; STORE_RAW_TEXT=true
// keeps the text as received.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { ADMIN_TOKEN, build, buildWithSimulator, captureLog, messagingEvent, newConversationId, postEvent } from './helper.js'
import { keysUnder, rawClient, redisEnv, uniquePrefix } from './redis-helper.js'

const TEXT = 'I paid with 4111 1111 1111 1111, write to jo.doe@example.com or call +44 20 7946 0958 about order 1234'
const MASKED = 'I paid with [card], write to [email] or call [phone] about order 1234'

async function storedTexts (app: FastifyInstance, id: string): Promise<string[]> {
  const res = await app.inject({ url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  return (res.json() as { history: Array<{ text: string }> }).history.map(e => e.text)
}

t.test('the embedded store keeps masked text; the operator route shows it masked', async t => {
  const app = await build(t)
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.9, { text: TEXT }))).statusCode, 200)
  t.same(await storedTexts(app, id), [MASKED])
  t.same((await app.historyStore.get(id))?.history.map(e => e.text), [MASKED], 'masked in the store itself')
})

t.test('Redis never receives the raw text', async t => {
  const prefix = uniquePrefix(t)
  const app = await build(t, { envOverrides: redisEnv(prefix) })
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.9, { text: TEXT }))).statusCode, 200)
  t.same(await storedTexts(app, id), [MASKED])
  const redis = rawClient(t)
  const keys = await keysUnder(redis, prefix)
  t.ok(keys.length > 0)
  const dump = (await Promise.all(keys.map(async key => {
    const type = await redis.type(key)
    if (type === 'string') return await redis.get(key) ?? ''
    if (type === 'list') return (await redis.lrange(key, 0, -1)).join('\n')
    if (type === 'hash') return JSON.stringify(await redis.hgetall(key))
    if (type === 'zset') return (await redis.zrange(key, '0', '-1')).join('\n')
    return ''
  }))).join('\n')
  t.match(dump, '[card]', 'the masked text is what Redis holds')
  for (const raw of ['4111 1111 1111 1111', 'jo.doe@example.com', '7946 0958']) t.notMatch(dump, raw, `no ${raw} in Redis`)
})

t.test('the context packet sent to Genesys is built from the masked history even with HANDOFF_CONTEXT_REDACT=false', async t => {
  const log = captureLog('info')
  const { app, sim } = await buildWithSimulator(t, { loggerInstance: log.logger, envOverrides: { HANDOFF_CONTEXT_REDACT: 'false' } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.match(log.lines.find(l => /HANDOFF_CONTEXT_REDACT=false/.test(String(l.msg))), { level: 40, msg: /unless STORE_RAW_TEXT=true/ }, 'the startup log says so')
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.1, { text: TEXT }))).json().status, 'handoff_initiated')
  const customer = sim.state.conversation(id)?.participants.find(p => p.purpose === 'customer')
  t.match(customer?.attributes['handoff.transcript'], MASKED)
  t.notMatch(JSON.stringify(sim.state.calls), '4111')
})

t.test('STORE_RAW_TEXT=true keeps the text as received', async t => {
  const app = await build(t, { envOverrides: { STORE_RAW_TEXT: 'true' } })
  t.equal(app.config.history.storeRawText, true)
  const id = newConversationId()
  await postEvent(app, messagingEvent(id, 0.9, { text: TEXT }))
  t.same(await storedTexts(app, id), [TEXT])
  t.equal((await build(t)).config.history.storeRawText, false, 'masked by default')
})
