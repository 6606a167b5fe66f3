// The service on a real 3-master Redis Cluster (redis-server processes started here): two instances, the same
// Lua scripts and claim, one slot per conversation, operator sessions, a master lost and brought back.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { ADMIN_TOKEN, build, buildWithSimulator, messagingEvent, newConversationId, postEvent, transferCalls } from './helper.js'
import { untilReady } from './redis-helper.js'
import { CLUSTER_PASSWORD, startCluster, type RedisProcess } from './redis-topology-helper.js'
import { conversationKeys } from '../src/store/redis-scripts.js'

interface Teardown { teardown: (fn: () => unknown) => void }
type Sim = Awaited<ReturnType<typeof buildWithSimulator>>['sim']

const cluster = await startCluster(t)
const admin = cluster.masters[0]!.client(t)
let prefixes = 0

function clusterEnv (extra: Record<string, unknown> = {}): Record<string, unknown> {
  prefixes++
  return { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_PASSWORD: CLUSTER_PASSWORD, REDIS_KEY_PREFIX: `c${prefixes}:`, ...extra }
}

async function twoInstances (t: Teardown, env: Record<string, unknown>): Promise<{ a: FastifyInstance, b: FastifyInstance, sim: Sim }> {
  const { app: a, sim } = await buildWithSimulator(t, { envOverrides: env })
  const b = await build(t, { envOverrides: { ...env, GENESYS_API_BASE_URL: sim.url, GENESYS_LOGIN_BASE_URL: sim.url } })
  return { a, b, sim }
}

/** The master that serves a key's slot, asked of the cluster itself. */
async function ownerOf (key: string): Promise<RedisProcess> {
  const slot = await admin.cluster('KEYSLOT', key) as number
  const ranges = await admin.cluster('SLOTS')
  const port = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1]
  const owner = cluster.masters.find(m => m.port === port)
  if (owner === undefined) throw new Error(`no master for slot ${slot}`)
  return owner
}

/** `perMaster` new conversation ids for each master, by the slot their keys hash to. */
async function conversationsOnEveryMaster (prefix: string, perMaster: number): Promise<string[]> {
  const picked = new Map<number, string[]>(cluster.masters.map(m => [m.port, []]))
  while ([...picked.values()].some(ids => ids.length < perMaster)) {
    const id = newConversationId()
    const ids = picked.get((await ownerOf(`${prefix}${conversationKeys(id).handoff}`)).port)!
    if (ids.length < perMaster) ids.push(id)
  }
  return [...picked.values()].flat()
}

/** Every key under the prefix whose name mentions the conversation, per master port. */
async function keysPerMaster (t: Teardown, prefix: string, id: string): Promise<Map<number, string[]>> {
  const found = new Map<number, string[]>()
  for (const master of cluster.masters) {
    const keys = await master.client(t).keys(`${prefix}conv:{${id}}:*`)
    if (keys.length > 0) found.set(master.port, keys.sort())
  }
  return found
}

const history = async (app: FastifyInstance, id: string): Promise<string[]> => {
  const res = await app.inject({ method: 'GET', url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  if (res.statusCode !== 200) throw new Error(`history ${res.statusCode}: ${res.body}`)
  return (res.json().history as Array<{ text: string }>).map(e => e.text)
}

t.test('two instances on the cluster: 20 concurrent low-confidence events per conversation → exactly one transfer each; history seen from both', async t => {
  const env = clusterEnv()
  const prefix = env.REDIS_KEY_PREFIX as string
  const { a, b, sim } = await twoInstances(t, env)
  t.equal(a.historyStore.constructor.name, 'RedisHistoryStore')
  // Two conversations per master, chosen by their slots, so every master serves some.
  const ids = await conversationsOnEveryMaster(prefix, 2)
  const answers = await Promise.all(ids.flatMap(id => Array.from({ length: 20 }, async (_, i) =>
    ({ id, res: await postEvent(i % 2 === 0 ? a : b, messagingEvent(id, 0.2, { text: `m${i}`, messageId: `${id}-${i}` })) }))))
  t.same(answers.filter(x => x.res.statusCode !== 200).map(x => x.res.body), [], 'every answer 200')
  for (const id of ids) {
    const statuses = answers.filter(x => x.id === id).map(x => x.res.json().status as string)
    t.equal(statuses.filter(s => s === 'handoff_initiated').length, 1, 'one event hands off')
    t.equal(statuses.filter(s => s === 'handed_off').length, 19, 'the others report it')
    t.equal(sim.state.conversation(id)?.transferRequests, 1, 'exactly one transfer request reached Genesys')
    for (const app of [a, b]) t.same((await history(app, id)).sort(), Array.from({ length: 20 }, (_, i) => `m${i}`).sort())
    // All keys of the conversation (history, handoff record, messageId markers) live on one master.
    const placed = await keysPerMaster(t, prefix, id)
    t.equal(placed.size, 1, 'one master holds the conversation')
    const keys = conversationKeys(id)
    const expected = [keys.history, keys.handoff, ...Array.from({ length: 20 }, (_, i) => keys.message(`${id}-${i}`))].map(k => `${prefix}${k}`)
    t.same(expected.filter(k => !([...placed.values()][0] ?? []).includes(k)), [], 'history, handoff record and all 20 markers there')
  }
  t.equal(transferCalls(sim).length, ids.length)
  // The recent-conversations index (its own {index} slot) lists them, whichever instance asks.
  const recent = await b.historyStore.listRecent({ state: 'done', offset: 0, limit: 50 })
  t.same(ids.filter(id => !recent.items.some(item => item.conversationId === id)), [], 'every conversation listed as handed off')
  const holders = new Set<number>()
  for (const id of ids) for (const port of (await keysPerMaster(t, prefix, id)).keys()) holders.add(port)
  t.same([...holders].sort(), cluster.masters.map(m => m.port).sort(), 'every master holds some of the conversations')

  // Redeliveries of one message on both instances: recorded once, still no second transfer.
  const again = await Promise.all(Array.from({ length: 20 }, async (_, i) => await postEvent(i % 2 === 0 ? a : b, messagingEvent(ids[0]!, 0.2, { text: 'm0', messageId: `${ids[0]!}-0` }))))
  t.same(again.map(r => [r.statusCode, r.json().status, r.json().duplicate]), Array(20).fill([200, 'handed_off', true]))
  t.equal((await history(b, ids[0]!)).length, 20)
  t.equal(transferCalls(sim).length, ids.length)
})

t.test('every key one script touches is on one slot, whatever the prefix', async t => {
  for (const prefix of ['handoff:', 'a:b:', '']) {
    const id = newConversationId()
    const keys = conversationKeys(id)
    const names = [keys.history, keys.handoff, keys.message('m-1'), keys.message('')].map(k => `${prefix}${k}`)
    const slots = new Set(await Promise.all(names.map(async k => await admin.cluster('KEYSLOT', k) as number)))
    t.equal(slots.size, 1, `${prefix || '(no prefix)'}: one slot`)
  }
  await t.rejects(build(t, { envOverrides: clusterEnv({ REDIS_KEY_PREFIX: 'handoff:{all}:' }) }), /REDIS_KEY_PREFIX must not contain \{ or \}/)
})

t.test('operator sessions on the cluster: signed in on one instance, used and ended on the other', async t => {
  const env = clusterEnv()
  const a = await build(t, { envOverrides: env })
  const b = await build(t, { envOverrides: env })
  const id = newConversationId()
  t.equal((await postEvent(a, messagingEvent(id, 0.9))).statusCode, 200)
  const login = await a.inject({ method: 'POST', url: '/operator/session', payload: { token: ADMIN_TOKEN } })
  t.equal(login.statusCode, 204, login.body)
  const cookie = login.cookies.find(c => c.name === 'handoff.sid')
  const headers = { cookie: `handoff.sid=${cookie?.value ?? ''}` }
  t.equal((await b.inject({ method: 'GET', url: `/conversations/${id}`, headers })).statusCode, 200, 'session opened on a, used on b')
  t.equal((await b.inject({ method: 'DELETE', url: '/operator/session', headers })).statusCode, 204)
  t.equal((await a.inject({ method: 'GET', url: `/conversations/${id}`, headers })).statusCode, 401, 'ended everywhere')
})

// Last: it takes a master away and brings it back.
t.test('a master killed: its conversations answer 503 with Retry-After and readiness fails; restarted, the same processes hand off once', async t => {
  const env = clusterEnv({ REDIS_COMMAND_TIMEOUT_MS: 300 })
  const prefix = env.REDIS_KEY_PREFIX as string
  const { a, b, sim } = await twoInstances(t, env)
  const id = newConversationId()
  t.equal((await postEvent(a, messagingEvent(id, 0.9, { text: 'before' }))).statusCode, 200)
  const victim = await ownerOf(`${prefix}${conversationKeys(id).handoff}`)

  await victim.kill()
  for (const app of [a, b]) {
    const res = await postEvent(app, messagingEvent(id, 0.2, { text: 'during', messageId: 'during' }))
    t.equal(res.statusCode, 503, res.body)
    t.equal(res.json().code, 'STORE_UNAVAILABLE')
    t.match(res.headers['retry-after'], /^[1-9][0-9]*$/, 'Retry-After set')
    t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 503, 'not ready while a master is missing')
    t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'still alive')
  }
  t.equal(transferCalls(sim).length, 0, 'no transfer without the claim')

  await victim.start()
  await cluster.healthy()
  for (const app of [a, b]) await untilReady(app, 20_000, 'readiness after the master returned')
  // The webhook sender retries the refused delivery: recorded once, handed off once.
  const retried = await Promise.all([a, b, a, b].map(async app => await postEvent(app, messagingEvent(id, 0.2, { text: 'during', messageId: 'during' }))))
  t.same(retried.map(r => r.statusCode), [200, 200, 200, 200], retried.map(r => r.body).join('\n'))
  t.equal(retried.filter(r => r.json().status === 'handoff_initiated').length, 1)
  t.equal(sim.state.conversation(id)?.transferRequests, 1)
  t.same(await history(b, id), ['before', 'during'])
})

t.test('an instance started while the whole cluster is down starts unready, answers 503, and recovers when the cluster returns', async t => {
  await Promise.all(cluster.masters.map(async m => { await m.kill() }))
  const app = await build(t, { envOverrides: clusterEnv({ REDIS_CONNECT_TIMEOUT_MS: 300, REDIS_COMMAND_TIMEOUT_MS: 300 }) })
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 503)
  const refused = await postEvent(app, messagingEvent(newConversationId(), 0.9))
  t.equal(refused.statusCode, 503, refused.body)
  t.equal(refused.json().code, 'STORE_UNAVAILABLE')
  await Promise.all(cluster.masters.map(async m => { await m.start() }))
  await cluster.healthy()
  await untilReady(app, 20_000, 'readiness once the cluster is back')
  const res = await postEvent(app, messagingEvent(newConversationId(), 0.9))
  t.equal(res.statusCode, 200, res.body)
})
