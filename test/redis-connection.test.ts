// Choosing the Redis topology from the settings, and the rule that lets the Lua scripts run on a cluster:
// every key a script touches arrives in KEYS.
import t from 'tap'
import { build, testEnv } from './helper.js'
import { loadConfig } from '../src/config.js'
import { hostPorts, redisTarget, type RedisTargetSettings } from '../src/store/redis-connection.js'
import { REDIS_SCRIPTS } from '../src/store/redis-scripts.js'

const none: RedisTargetSettings = { url: '', clusterNodes: '', sentinels: '', sentinelName: '', username: '', password: '', sentinelPassword: '' }

t.test('no setting: the embedded store', async t => {
  t.equal(redisTarget(none), null)
})

t.test('REDIS_URL: one Redis, credentials inside the URL', async t => {
  t.same(redisTarget({ ...none, url: 'rediss://:pw@redis.internal:6380/2' }), { kind: 'single', url: 'rediss://:pw@redis.internal:6380/2' })
  t.throws(() => redisTarget({ ...none, url: 'redis://r:6379', password: 'hunter2' }), /REDIS_PASSWORD does not apply to REDIS_URL: put the credentials in the URL/)
  t.throws(() => redisTarget({ ...none, url: 'http://r:6379' }), /REDIS_URL must use redis:\/\//)
})

t.test('REDIS_CLUSTER_NODES: seeds as host:port, credentials for every node', async t => {
  t.same(redisTarget({ ...none, clusterNodes: ' redis-0:6379, 10.0.0.2:7000,[::1]:7001,, ', username: 'svc', password: 'pw' }), {
    kind: 'cluster',
    nodes: [{ host: 'redis-0', port: 6379 }, { host: '10.0.0.2', port: 7000 }, { host: '::1', port: 7001 }],
    username: 'svc',
    password: 'pw'
  })
  t.throws(() => redisTarget({ ...none, clusterNodes: 'redis-0:6379', sentinelName: 'mymaster' }), /REDIS_SENTINEL_NAME applies to REDIS_SENTINELS only/)
})

t.test('REDIS_SENTINELS needs REDIS_SENTINEL_NAME', async t => {
  t.same(redisTarget({ ...none, sentinels: 's1:26379,s2:26379', sentinelName: ' mymaster ', password: 'pw', sentinelPassword: 'spw' }), {
    kind: 'sentinel',
    sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }],
    name: 'mymaster',
    password: 'pw',
    sentinelPassword: 'spw'
  })
  t.throws(() => redisTarget({ ...none, sentinels: 's1:26379' }), /REDIS_SENTINEL_NAME is required/)
})

t.test('exactly one topology; settings that need one are refused without it', async t => {
  t.throws(() => redisTarget({ ...none, url: 'redis://r:6379', clusterNodes: 'a:1' }), /REDIS_CLUSTER_NODES cannot be combined with REDIS_URL: set only one of/)
  t.throws(() => redisTarget({ ...none, clusterNodes: 'a:1', sentinels: 'b:2', sentinelName: 'm' }), /REDIS_SENTINELS cannot be combined with REDIS_CLUSTER_NODES/)
  t.throws(() => redisTarget({ ...none, password: 'pw' }), /REDIS_PASSWORD needs REDIS_CLUSTER_NODES or REDIS_SENTINELS/)
})

t.test('host:port lists: clear errors that name the setting', async t => {
  for (const bad of ['redis-0', 'redis-0:', 'redis-0:0', 'redis-0:70000', 'redis://a:1', 'a b:1', 'user@a:1']) {
    t.throws(() => hostPorts('REDIS_CLUSTER_NODES', bad), /REDIS_CLUSTER_NODES must be a comma-separated list of host:port/, bad)
  }
})

t.test('the service refuses two topologies at startup, naming them', async t => {
  await t.rejects(build(t, { envOverrides: { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'm' } }),
    /Invalid configuration: REDIS_SENTINELS cannot be combined with REDIS_URL/)
})

t.test('REDIS_WAIT_REPLICAS: 1 with Sentinel unless set, 0 otherwise; refused on a cluster', async t => {
  const waits = (extra: Record<string, unknown>): number | undefined => loadConfig(testEnv(extra)).redis?.waitReplicas
  const sentinel = { REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'm' }
  t.equal(waits(sentinel), 1)
  t.equal(waits({ ...sentinel, REDIS_WAIT_REPLICAS: '0' }), 0)
  t.equal(waits({ ...sentinel, REDIS_WAIT_REPLICAS: '2' }), 2)
  t.equal(waits({ REDIS_URL: 'redis://r:6379' }), 0)
  t.equal(waits({ REDIS_URL: 'redis://r:6379', REDIS_WAIT_REPLICAS: '1' }), 1)
  t.equal(waits({ REDIS_CLUSTER_NODES: 'a:1' }), 0)
  for (const bad of ['', 'x', '-1', '17', '1.5']) t.throws(() => waits({ ...sentinel, REDIS_WAIT_REPLICAS: bad }), /REDIS_WAIT_REPLICAS must match pattern/, bad)
  t.throws(() => waits({ REDIS_CLUSTER_NODES: 'a:1', REDIS_WAIT_REPLICAS: '1' }), /REDIS_WAIT_REPLICAS is not supported with REDIS_CLUSTER_NODES/)
  await t.rejects(build(t, { envOverrides: { REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_WAIT_REPLICAS: 1 } }),
    /Invalid configuration: REDIS_WAIT_REPLICAS is not supported with REDIS_CLUSTER_NODES/)
})

t.test('every key a Lua script touches is one of its declared KEYS (so Redis Cluster can route it)', async t => {
  for (const [name, { lua, numberOfKeys }] of Object.entries(REDIS_SCRIPTS)) {
    // Loop variables used as KEYS indexes, with their highest value: `for i = 2, 4 do`.
    const loops = new Map([...lua.matchAll(/for (\w+) = (\d+), (\d+) do/g)].map(m => [m[1]!, [Number(m[2]), Number(m[3])] as const]))
    const indexes = (ref: string): number[] => {
      if (/^\d+$/.test(ref)) return [Number(ref)]
      const range = loops.get(ref)
      if (range === undefined) throw new Error(`${name}: KEYS[${ref}] with an index that is not a literal or a bounded loop`)
      return Array.from({ length: range[1] - range[0] + 1 }, (_, i) => range[0] + i)
    }
    const calls = [...lua.matchAll(/redis\.call\(\s*([^,)]+)\s*,\s*([^,)]+)/g)]
    t.ok(calls.length > 0, `${name} calls Redis`)
    for (const [, command, key] of calls) {
      t.match(command, /^'[A-Z]+'$/, `${name}: literal command name`)
      const ref = /^KEYS\[(\w+)\]$/.exec(key?.trim() ?? '')?.[1]
      t.ok(ref !== undefined, `${name}: ${command ?? ''} works on a declared key, not ${key ?? ''}`)
      t.ok(indexes(ref ?? '0').every(i => i >= 1 && i <= numberOfKeys), `${name}: KEYS[${ref ?? '?'}] within numberOfKeys ${numberOfKeys}`)
    }
    const used = new Set([...lua.matchAll(/KEYS\[(\w+)\]/g)].flatMap(m => indexes(m[1]!)))
    t.same([...used].sort(), Array.from({ length: numberOfKeys }, (_, i) => i + 1), `${name} declares exactly the keys it uses`)
  }
})
