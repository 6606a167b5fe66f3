// Startup check of Redis persistence: a Redis that loses its data on restart (no appendonly) can lose a
// finished-handoff record and a pending claim, and so can one that evicts keys (maxmemory-policy other than
// noeviction), so the service warns; CONFIG being disabled is tolerated.
import t from 'tap'
import { build } from './helper.js'
import { eventually, privateRedis } from './redis-helper.js'

async function startWith (t: Parameters<typeof build>[0], opts: Parameters<typeof privateRedis>[1]): Promise<{ lines: Array<Record<string, unknown>>, ready: () => Promise<number> }> {
  const redis = await privateRedis(t, opts)
  const lines: Array<Record<string, unknown>> = []
  const app = await build(t, {
    envOverrides: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'persistence:' },
    logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } } }
  })
  return { lines, ready: async () => (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode }
}

t.test('Redis without appendonly: a warning at startup naming the setting', async t => {
  const { lines, ready } = await startWith(t, {})
  await eventually(async () => lines.some(l => l.msg === 'redis persistence'), 5000, 'the persistence check')
  const line = lines.find(l => l.msg === 'redis persistence')
  t.equal(line?.level, 40, 'warn')
  t.equal(line?.appendonly, 'no')
  t.match(line?.advice, /appendonly yes/)
  t.equal(await ready(), 200, 'still serves')
})

t.test('Redis with appendonly yes: no warning', async t => {
  const { lines } = await startWith(t, { persistent: true })
  await eventually(async () => lines.some(l => l.msg === 'redis persistence'), 5000, 'the persistence check')
  const line = lines.find(l => l.msg === 'redis persistence')
  t.equal(line?.level, 30, 'info')
  t.equal(line?.appendonly, 'yes')
})

t.test('CONFIG disabled (managed Redis): tolerated, said once at info', async t => {
  const { lines, ready } = await startWith(t, { args: ['--rename-command', 'CONFIG', ''] })
  await eventually(async () => lines.some(l => l.msg === 'redis persistence'), 5000, 'the persistence check')
  const line = lines.find(l => l.msg === 'redis persistence')
  t.equal(line?.level, 30)
  t.equal(line?.appendonly, 'unknown')
  t.match(line?.advice, /appendonly yes/)
  await eventually(async () => lines.some(l => l.msg === 'redis eviction policy'), 5000, 'the eviction check')
  const eviction = lines.find(l => l.msg === 'redis eviction policy')
  t.equal(eviction?.level, 30)
  t.equal(eviction?.maxmemoryPolicy, 'unknown')
  t.match(eviction?.advice, /maxmemory-policy noeviction/)
  t.equal(await ready(), 200)
})

t.test('Redis with an eviction policy: a warning naming maxmemory-policy', async t => {
  const { lines, ready } = await startWith(t, { args: ['--maxmemory-policy', 'volatile-lru'] })
  await eventually(async () => lines.some(l => l.msg === 'redis eviction policy'), 5000, 'the eviction check')
  const line = lines.find(l => l.msg === 'redis eviction policy')
  t.equal(line?.level, 40, 'warn')
  t.equal(line?.maxmemoryPolicy, 'volatile-lru')
  t.match(line?.advice, /maxmemory-policy noeviction/)
  t.equal(await ready(), 200, 'still serves')
})

t.test('Redis with noeviction: said at info', async t => {
  const { lines } = await startWith(t, { args: ['--maxmemory-policy', 'noeviction'] })
  await eventually(async () => lines.some(l => l.msg === 'redis eviction policy'), 5000, 'the eviction check')
  const line = lines.find(l => l.msg === 'redis eviction policy')
  t.equal(line?.level, 30)
  t.equal(line?.maxmemoryPolicy, 'noeviction')
})
