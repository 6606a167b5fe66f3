import t from 'tap'
import { build as buildApp } from '../plugins/app.js'
import { checkRegion, idList } from '../src/config.js'
import { GENESYS_REGIONS } from '../src/genesys/regions.js'
import { QUEUE_ID, SKILL_ID, build, testEnv } from './helper.js'

t.test('an unknown GENESYS_REGION stops startup and lists the regions', async t => {
  const env = testEnv({ GENESYS_REGION: 'mypurecloud.example', GENESYS_API_BASE_URL: undefined, GENESYS_LOGIN_BASE_URL: undefined })
  const err = await buildApp({ env, dotenv: false }).then(async app => { await app.close(); return null }, (e: unknown) => e as Error)
  t.ok(err, 'startup failed')
  t.match(err?.message, /Invalid configuration: GENESYS_REGION 'mypurecloud\.example' is not a Genesys Cloud region/)
  for (const region of ['mypurecloud.com', 'mypurecloud.ie', 'usw2.pure.cloud', 'apse1.pure.cloud', 'use2.us-gov-pure.cloud']) {
    t.match(err?.message, region)
  }
})

t.test('one base URL override is not enough to skip the region check', async t => {
  t.throws(() => { checkRegion('nowhere.cloud', 'http://127.0.0.1:1', undefined) }, /not a Genesys Cloud region/)
  t.throws(() => { checkRegion('nowhere.cloud', '', 'http://127.0.0.1:1') }, /not a Genesys Cloud region/)
  t.doesNotThrow(() => { checkRegion('nowhere.cloud', 'http://127.0.0.1:1', 'http://127.0.0.1:2') })
})

t.test('every listed region is accepted and builds its URLs', async t => {
  for (const region of Object.keys(GENESYS_REGIONS)) t.doesNotThrow(() => { checkRegion(region) }, region)
  const app = await build(t, { envOverrides: { GENESYS_REGION: 'euw2.pure.cloud', GENESYS_API_BASE_URL: undefined, GENESYS_LOGIN_BASE_URL: undefined } })
  t.equal(app.config.genesys.apiBaseUrl, 'https://api.euw2.pure.cloud')
  t.equal(app.config.genesys.loginBaseUrl, 'https://login.euw2.pure.cloud')
})

t.test('handoff settings: strategy default, skill list, priority, language, context bounds', async t => {
  const app = await build(t, { envOverrides: { HANDOFF_SKILL_ID: ` ${SKILL_ID} ,, s2,${SKILL_ID}`, HANDOFF_PRIORITY: '3', HANDOFF_LANGUAGE_ID: 'lang-1' } })
  const { handoff } = app.config
  t.equal(handoff.strategy, 'platform-api')
  t.equal(handoff.queueId, QUEUE_ID)
  t.same(handoff.skillIds, [SKILL_ID, 's2'])
  t.equal(handoff.priority, 3)
  t.equal(handoff.languageId, 'lang-1')
  t.same(handoff.context, { redact: true, maxEvents: 10, maxValueChars: 500, maxTotalChars: 4000 })
  t.equal(handoff.queuePollIntervalMs, 250)
  t.equal(app.handoff.policy.target.priority, 3)

  const plain = await build(t, { envOverrides: { HANDOFF_SKILL_ID: '' } })
  t.same(plain.config.handoff.skillIds, [])
  t.equal(plain.config.handoff.priority, null)
  t.equal(plain.config.handoff.languageId, null)
  t.same(idList(''), [])
})

t.test('an unknown HANDOFF_STRATEGY or a bad priority is a clear startup error', async t => {
  const strategy = await buildApp({ env: testEnv({ HANDOFF_STRATEGY: 'magic' }), dotenv: false }).catch((e: unknown) => e as Error)
  t.match((strategy as Error).message, /Invalid configuration: HANDOFF_STRATEGY must be equal to one of the allowed values/)
  for (const bad of ['high', '25000001', '-25000001', '1.5', '1e3', '+']) {
    const priority = await buildApp({ env: testEnv({ HANDOFF_PRIORITY: bad }), dotenv: false }).catch((e: unknown) => e as Error)
    t.match((priority as Error).message, /Invalid configuration: HANDOFF_PRIORITY must be a whole number from -25000000 to 25000000/, bad)
  }
  const empty = await build(t, { envOverrides: { HANDOFF_PRIORITY: '' } })
  t.equal(empty.config.handoff.priority, null, 'empty means unset')
})

t.test("HANDOFF_PRIORITY takes Genesys' documented range, negative values included", async t => {
  for (const [value, expected] of [['-25000000', -25_000_000], ['25000000', 25_000_000], ['-5', -5], ['0', 0], [' 12 ', 12]] as const) {
    const app = await build(t, { envOverrides: { HANDOFF_PRIORITY: value } })
    t.equal(app.config.handoff.priority, expected, value)
  }
})
