// The Redis store keeps every script and transaction to one hash slot: the conversation's keys share its
// {id} tag, the recent-conversations index its {index} tag, and the two never meet in one command. Checked
// on a one-node Redis Cluster (a redis-server of the test's own holding all 16384 slots), which refuses any
// command whose keys hash to different slots with CROSSSLOT.
import { join } from 'node:path'
import t from 'tap'
import { Redis } from 'ioredis'
import { RedisHistoryStore } from '../src/store/redis.js'
import { buildWithSimulator, messagingEvent, newConversationId, postEvent } from './helper.js'
import { getPage, sessionCookie } from './console-helper.js'
import { eventually, privateRedis } from './redis-helper.js'

t.test('store operations, the index and console sessions run on a Redis Cluster node without CROSSSLOT', async t => {
  const dir = t.testdir()
  const redis = await privateRedis(t, { args: ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--dir', dir] })
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  t.teardown(() => { admin.disconnect() })
  await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
  await eventually(async () => String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'), 10_000, 'the one-node cluster')
  await t.rejects(admin.eval("return redis.call('SET', KEYS[1], '1') and redis.call('SET', KEYS[2], '2')", 2, 'a', 'b'), /CROSSSLOT/,
    'the server does refuse keys of two slots in one script')

  const store = new RedisHistoryStore({
    target: { kind: 'single', url: redis.url }, keyPrefix: 'handoff:', commandTimeoutMs: 2000, connectTimeoutMs: 2000, maxEvents: 5, ttlSeconds: 600, maxConversations: 3
  })
  t.teardown(async () => { await store.close() })
  t.equal(await store.connect(), true)
  const entry = (text: string): { event: string, intent: { intent: string, confidence: number }, text: string, timestamp: string, messageId: string } =>
    ({ event: 'message', intent: { intent: 'x', confidence: 0.5 }, text, timestamp: new Date().toISOString(), messageId: text })
  for (const id of ['a', 'b', 'c', 'd']) {
    for (let i = 0; i < 7; i++) t.equal((await store.append(id, entry(`${id}${i}`))).duplicate, false)
    t.equal((await store.append(id, entry(`${id}0`))).duplicate, true)
  }
  const claim = await store.claimHandoff('b', 60_000)
  t.equal(claim.acquired, true)
  await store.recordFailure('b', { at: new Date().toISOString(), code: 'GENESYS_UNAVAILABLE', message: 'retry later', retries: 2 })
  await store.releaseHandoff('b', claim.claimId ?? '')
  const again = await store.claimHandoff('b', 60_000)
  await store.completeHandoff('b', again.claimId ?? '', { strategy: 'platform-api', skillIds: [] })
  await store.recordDecision('b', {
    at: new Date().toISOString(),
    turn: 8,
    input: { event: 'message', intent: 'x', confidence: 0.5 },
    action: 'HANDOFF',
    ruleId: 'confidence_below_threshold',
    reason: "intent 'x' confidence 0.5 is below threshold 0.75",
    threshold: 0.75,
    target: { queueId: 'q', skillIds: [], priority: null, languageId: null },
    policyVersion: '0123456789ab',
    outcome: 'handoff_initiated'
  })
  const b = await store.get('b')
  t.equal(b?.history.length, 5)
  t.equal(b?.handoff.state, 'done')
  t.equal(b?.failures?.length, 1)
  t.equal(b?.turns, 7, 'turns count past the history kept')
  t.same(b?.decisions.map(d => d.ruleId), ['confidence_below_threshold'])
  const page = await store.listRecent({ offset: 0, limit: 10 })
  t.same(page.items.map(i => i.conversationId), ['b', 'd', 'c'], 'capped at three, newest activity first')
  t.same((await store.listRecent({ state: 'done', offset: 0, limit: 10 })).items.map(i => i.conversationId), ['b'])
  await admin.del('handoff:conv:{c}:history')
  t.same((await store.listRecent({ state: 'none', offset: 0, limit: 10 })).items.map(i => i.conversationId), ['d'], 'repairs too')
  t.same((await store.append('a', entry('a7'), 2)).recent.map(e => e.text), ['a6', 'a7'], 'the append answers with the newest entries')

  // The whole service on it: webhooks, a handoff, a console session.
  const { app } = await buildWithSimulator(t, { envOverrides: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'svc:' } })
  const id = newConversationId()
  t.equal((await postEvent(app, messagingEvent(id, 0.9, { messageId: 'm1' }))).statusCode, 200)
  t.equal((await postEvent(app, messagingEvent(id, 0.1, { messageId: 'm2' }))).json().status, 'handoff_initiated')
  t.same((await app.historyStore.get(id))?.decisions.map(d => d.outcome), ['bot_continuing', 'handoff_initiated'], 'the audit trail is written')
  const cookie = await sessionCookie(app)
  const list = await getPage(app, '/console', cookie)
  t.equal(list.statusCode, 200)
  t.match(list.body, id)
  t.equal((await getPage(app, `/console/conversations/${id}`, cookie)).statusCode, 200)
})
