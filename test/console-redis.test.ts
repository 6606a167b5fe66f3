// The console behind a load balancer: two instances on the real Redis share sessions and conversations.
import t from 'tap'
import { build, buildWithSimulator, messagingEvent, newConversationId, postEvent, routingCalls } from './helper.js'
import { getPage, sessionCookie, SESSION_COOKIE } from './console-helper.js'
import { keysUnder, rawClient, redisEnv, uniquePrefix } from './redis-helper.js'

const EIGHT_HOURS = 8 * 3600_000

t.test('a session opened on one instance works on the other, and ends everywhere on sign-out', async t => {
  const prefix = uniquePrefix(t)
  const { app: a, sim } = await buildWithSimulator(t, { envOverrides: redisEnv(prefix) })
  const b = await build(t, { envOverrides: { ...redisEnv(prefix), GENESYS_API_BASE_URL: sim.url, GENESYS_LOGIN_BASE_URL: sim.url } })
  const bot = newConversationId()
  const handedOff = newConversationId()
  await postEvent(a, messagingEvent(bot, 0.9, { text: 'just browsing' }))
  await postEvent(b, messagingEvent(handedOff, 0.9, { text: 'where is my refund' }))
  t.equal((await postEvent(a, messagingEvent(handedOff, 0.2, { text: 'a person please' }))).json().status, 'handoff_initiated')
  t.equal(routingCalls(sim).length, 1)

  const cookie = await sessionCookie(a)
  const redis = rawClient(t)
  const sessions = (await keysUnder(redis, prefix)).filter(k => k.startsWith(`${prefix}session:`))
  t.equal(sessions.length, 1, 'the session lives on Redis')
  const pttl = await redis.pttl(sessions[0] as string)
  t.ok(pttl > EIGHT_HOURS - 60_000 && pttl <= EIGHT_HOURS, `and expires with the cookie (${pttl} ms)`)

  const list = await getPage(b, '/console', cookie)
  t.equal(list.statusCode, 200, 'signed in on a, reading on b')
  const rows = [...list.body.matchAll(/<a href="\/console\/conversations\/([0-9a-f-]{36})">/g)].map(m => m[1])
  t.same(rows, [handedOff, bot], 'both conversations, newest activity first, from the shared index')
  t.match((await getPage(b, '/console?state=done', cookie)).body, handedOff)
  t.notMatch((await getPage(b, '/console?state=done', cookie)).body, bot)
  const timeline = await getPage(b, `/console/conversations/${handedOff}`, cookie)
  t.equal(timeline.statusCode, 200)
  t.match(timeline.body, 'state-handed_off')
  t.match(timeline.body, 'where is my refund')
  t.match(timeline.body, 'a person please')
  t.equal((await getPage(b, '/console/live.json', cookie)).statusCode, 200)

  const out = await b.inject({ method: 'POST', url: '/console/logout', cookies: { [SESSION_COOKIE]: cookie } })
  t.equal(out.statusCode, 303)
  t.equal((await getPage(a, '/console', cookie)).headers.location, '/console/login', 'signed out on b: gone on a')
  t.equal(await redis.exists(sessions[0] as string), 0)
})

t.test('on Redis too, a session ends 8 hours after sign-in on every instance', async t => {
  const prefix = uniquePrefix(t)
  let now = Date.now()
  const clock = (): number => now
  const a = await build(t, { envOverrides: redisEnv(prefix), now: clock })
  const b = await build(t, { envOverrides: redisEnv(prefix), now: clock })
  const cookie = await sessionCookie(a)
  now += EIGHT_HOURS - 1000
  t.equal((await getPage(b, '/console', cookie)).statusCode, 200)
  now += 1000
  t.equal((await getPage(b, '/console', cookie)).statusCode, 303)
  now -= EIGHT_HOURS
  t.equal((await getPage(a, '/console', cookie)).statusCode, 303, 'destroyed on Redis, so on a too')
})
