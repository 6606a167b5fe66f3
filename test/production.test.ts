import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { build as buildApp } from '../plugins/app.js'
import { build, testEnv } from './helper.js'

const STRONG = {
  NODE_ENV: 'production',
  WEBHOOK_SECRET: '3f9a1c7e5b2d8f4a6c0e1b3d5f7a9c2e',
  SESSION_SECRET: 'b8e4d2f6a0c9e7b5d3f1a8c6e4b2d0f9a7c5e3b1',
  GENESYS_CLIENT_SECRET: 'Zq8rT2vX9mK4pL7wN3bF6hJ1',
  ADMIN_TOKEN: 'e1c7a9f3b5d2e8c4a6f0b9d7',
  GENESYS_API_BASE_URL: 'https://api.genesys.test',
  GENESYS_LOGIN_BASE_URL: 'https://login.genesys.test'
}

t.test('production refuses to start without webhook authentication (signature or shared secret)', async t => {
  await t.rejects(buildApp({ env: testEnv({ ...STRONG, WEBHOOK_SECRET: '' }) }),
    /Refusing to start with NODE_ENV=production: WEBHOOK_SECRET or WEBHOOK_SHARED_SECRET is required/)
  const shared = await build(t, { envOverrides: { ...STRONG, WEBHOOK_SECRET: '', WEBHOOK_SHARED_SECRET: 'c4e8a2f6b0d9e7c5a3f1b8d6' } })
  t.equal(shared.config.webhookSharedSecret?.header, 'x-handoff-secret', 'a shared secret alone is enough')
})

t.test('production refuses a short SESSION_SECRET', async t => {
  await t.rejects(buildApp({ env: testEnv({ ...STRONG, SESSION_SECRET: 'a1b2c3d4e5f6' }) }), /SESSION_SECRET must NOT have fewer than 32 characters/)
})

t.test('production refuses sample and placeholder secrets, naming each', async t => {
  const cases: Array<[string, string]> = [
    ['GENESYS_CLIENT_SECRET', 'demo-secret'],
    ['ADMIN_TOKEN', 'demo-admin-token'],
    ['WEBHOOK_SECRET', 'change-me-to-a-long-random-value'],
    ['SESSION_SECRET', 'your-session-secret-of-32-characters'],
    ['SESSION_SECRET', 'x'.repeat(40)],
    ['METRICS_TOKEN', 'changeme'],
    ['ADMIN_TOKEN', 'short-a1b2']
  ]
  for (const [name, value] of cases) {
    const err = await buildApp({ env: testEnv({ ...STRONG, [name]: value }) }).then(() => null, (e: unknown) => e as Error)
    t.match(err?.message, /Refusing to start with NODE_ENV=production/, `${name}=${value} refused`)
    t.match(err?.message, name, 'the setting is named')
    t.notMatch(err?.message, value, 'the value is not repeated')
  }
  const all = await buildApp({ env: testEnv({ ...STRONG, WEBHOOK_SECRET: '', ADMIN_TOKEN: 'demo-admin-token', GENESYS_CLIENT_SECRET: 'demo-secret' }) })
    .then(() => null, (e: unknown) => e as Error)
  t.match(all?.message, /WEBHOOK_SECRET.*GENESYS_CLIENT_SECRET.*ADMIN_TOKEN/, 'every problem in one message')
})

t.test('strong secrets start in production; development tolerates sample values', async t => {
  const app = await build(t, { envOverrides: STRONG })
  t.equal(app.config.production, true)
  t.equal(app.config.webhookSecret, STRONG.WEBHOOK_SECRET)
  const dev = await build(t, { envOverrides: { NODE_ENV: 'development', WEBHOOK_SECRET: '', GENESYS_CLIENT_SECRET: 'demo-secret' } })
  t.equal(dev.config.webhookSecret, null)
})

t.test('the server process prints the reason and exits 1', async t => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'plugins/server.ts'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', ...(testEnv({ ...STRONG, WEBHOOK_SECRET: '', PORT: '0', HOST: '127.0.0.1' }) as Record<string, string>) },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const code = await new Promise(resolve => child.on('exit', resolve))
  t.equal(code, 1)
  t.match(stderr, /Refusing to start with NODE_ENV=production: WEBHOOK_SECRET or WEBHOOK_SHARED_SECRET is required/)
})

t.test('security and operations settings default as documented', async t => {
  const env = testEnv()
  delete env.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS
  const app = await buildApp({ env })
  t.teardown(async () => { await app.close() })
  const c = app.config
  t.equal(c.webhookSecret, null)
  t.same(c.metrics, { token: null, maxIntentLabels: 50 })
  t.equal(c.shutdownGraceMs, 25000)
  t.same(c.overload, { maxEventLoopDelayMs: 1000, sampleIntervalMs: 1000, retryAfterSeconds: 10 })
  t.ok(c.shutdownGraceMs > c.handoff.deadlineMs, 'in-flight handoffs fit in the grace period')
})

t.test('production refuses plain-HTTP Genesys URLs and insecure session cookies', async t => {
  const err = await buildApp({ env: testEnv({ ...STRONG, GENESYS_API_BASE_URL: 'http://api.genesys.test', SESSION_COOKIE_SECURE: 'false' }) })
    .then(() => null, (e: unknown) => e as Error)
  t.match(err?.message, /GENESYS_API_BASE_URL must be an https:\/\/ URL/)
  t.match(err?.message, /SESSION_COOKIE_SECURE=false/)
  t.notMatch(err?.message, /GENESYS_LOGIN_BASE_URL/)
})
