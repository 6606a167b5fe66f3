import t from 'tap'
import { build as buildApp } from '../plugins/app.js'
import { build, testEnv } from './helper.js'

t.test('a missing required setting stops startup naming every missing variable', async t => {
  const err = await buildApp({ env: { LOG_LEVEL: 'silent', ADMIN_TOKEN: 'operator-token-7f3a9c' } }).then(() => null, (e: unknown) => e as Error)
  t.ok(err, 'startup failed')
  t.match(err?.message, /^Invalid configuration: missing required setting/)
  for (const name of ['GENESYS_CLIENT_ID', 'GENESYS_CLIENT_SECRET', 'HANDOFF_QUEUE_ID', 'SESSION_SECRET']) {
    t.match(err?.message, name)
  }
})

t.test('SESSION_SECRET is required only when ADMIN_TOKEN turns the operator routes on', async t => {
  const { SESSION_SECRET: _unused, ...withoutSecret } = testEnv({ ADMIN_TOKEN: '' })
  const app = await buildApp({ env: withoutSecret })
  t.teardown(async () => { await app.close() })
  t.equal(app.config.adminToken, null)
  const err = await buildApp({ env: { ...withoutSecret, ADMIN_TOKEN: 'operator-token-7f3a9c' } }).then(() => null, (e: unknown) => e as Error)
  t.match(err?.message, /missing required setting\(s\) SESSION_SECRET/)
  t.notMatch(err?.message, /must match "then" schema/)
})

t.test('invalid values are named', async t => {
  await t.rejects(buildApp({ env: testEnv({ INTENT_CONFIDENCE_THRESHOLD: '1.5', GENESYS_MAX_RETRIES: 'many' }) }),
    /INTENT_CONFIDENCE_THRESHOLD must be <= 1.*GENESYS_MAX_RETRIES must be integer|GENESYS_MAX_RETRIES must be integer.*INTENT_CONFIDENCE_THRESHOLD/)
  await t.rejects(buildApp({ env: testEnv({ SESSION_SECRET: 'short' }) }), /SESSION_SECRET must NOT have fewer than 32 characters/)
  await t.rejects(buildApp({ env: testEnv({ GENESYS_API_BASE_URL: 'not a url' }) }), /GENESYS_API_BASE_URL is not a valid URL/)
  await t.rejects(buildApp({ env: testEnv({ GENESYS_LOGIN_BASE_URL: 'ftp://x' }) }), /GENESYS_LOGIN_BASE_URL must be an http\(s\) URL/)
})

t.test('defaults and derived values', async t => {
  const app = await build(t, { envOverrides: { GENESYS_API_BASE_URL: '', GENESYS_LOGIN_BASE_URL: '', HANDOFF_SKILL_ID: '', GENESYS_REGION: 'mypurecloud.de' } })
  const c = app.config
  t.equal(c.port, 3000)
  t.equal(c.host, '0.0.0.0')
  t.equal(c.handoff.threshold, 0.75)
  t.same(c.handoff.skillIds, [])
  t.equal(c.genesys.apiBaseUrl, 'https://api.mypurecloud.de')
  t.equal(c.genesys.loginBaseUrl, 'https://login.mypurecloud.de')
  t.equal(c.genesys.maxRetries, 4)
  t.equal(c.session.cookieSecure, false)
})

t.test('overrides are read and coerced from strings', async t => {
  const app = await build(t, {
    envOverrides: {
      INTENT_CONFIDENCE_THRESHOLD: '0.6',
      HISTORY_MAX_EVENTS: '7',
      GENESYS_API_BASE_URL: 'https://api.genesys.test/',
      GENESYS_LOGIN_BASE_URL: 'https://login.genesys.test',
      NODE_ENV: 'production',
      WEBHOOK_SECRET: 'f3a9c1d7e5b2a8c4d6e0f1a2b3c4d5e6'
    }
  })
  t.equal(app.config.handoff.threshold, 0.6)
  t.equal(app.config.history.maxEvents, 7)
  t.equal(app.config.genesys.apiBaseUrl, 'https://api.genesys.test', 'trailing slash dropped')
  t.equal(app.config.session.cookieSecure, true, 'secure cookies in production')
})
