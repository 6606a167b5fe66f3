import t from 'tap'
import { ADMIN_TOKEN, build, buildWithSimulator, messagingEvent, newConversationId, postEvent } from './helper.js'

t.test('GET /conversations/:id needs the admin bearer token', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  await postEvent(app, messagingEvent(id, 0.9, { text: 'first' }))
  await postEvent(app, messagingEvent(id, 0.1, { text: 'second' }))

  const none = await app.inject({ url: `/conversations/${id}` })
  t.equal(none.statusCode, 401)
  t.equal(none.headers['www-authenticate'], 'Bearer')
  t.notMatch(none.body, /first/)
  const wrong = await app.inject({ url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } })
  t.equal(wrong.statusCode, 401)
  const basic = await app.inject({ url: `/conversations/${id}`, headers: { authorization: `Basic ${ADMIN_TOKEN}` } })
  t.equal(basic.statusCode, 401)

  const ok = await app.inject({ url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  t.equal(ok.statusCode, 200)
  const body = ok.json()
  t.equal(body.conversationId, id)
  t.same(body.history.map((e: { text: string }) => e.text), ['first', 'second'])
  t.equal(body.handoff.state, 'done')
  t.match(body.handoff.at, /^\d{4}-/)
  t.equal(body.handoff.details.queueId, app.config.handoff.queueId)
})

t.test('unknown conversation is 404, a malformed id 400 (after auth)', async t => {
  const app = await build(t)
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
  t.equal((await app.inject({ url: `/conversations/${newConversationId()}`, headers: auth })).statusCode, 404)
  t.equal((await app.inject({ url: '/conversations/..%2F..%2Fetc', headers: auth })).statusCode, 400)
  t.equal((await app.inject({ url: '/conversations/..%2F..%2Fetc' })).statusCode, 401, 'no hints without auth')
})

t.test('without ADMIN_TOKEN the operator routes are not registered', async t => {
  const app = await build(t, { envOverrides: { ADMIN_TOKEN: '' } })
  const res = await app.inject({ url: `/conversations/${newConversationId()}`, headers: { authorization: 'Bearer anything' } })
  t.equal(res.statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/operator/session', payload: { token: 'x' } })).statusCode, 404)
})

t.test('browser operators sign in for a cookie session kept on the store', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  await postEvent(app, messagingEvent(id, 0.9))

  const bad = await app.inject({ method: 'POST', url: '/operator/session', payload: { token: 'nope' } })
  t.equal(bad.statusCode, 401)
  t.equal(bad.headers['set-cookie'], undefined)

  const login = await app.inject({ method: 'POST', url: '/operator/session', payload: { token: ADMIN_TOKEN } })
  t.equal(login.statusCode, 204)
  const cookie = login.cookies.find(c => c.name === 'handoff.sid')
  t.ok(cookie, 'session cookie set')
  t.equal(cookie?.httpOnly, true)
  t.equal(cookie?.sameSite, 'Strict')

  const read = await app.inject({ url: `/conversations/${id}`, cookies: { 'handoff.sid': cookie?.value ?? '' } })
  t.equal(read.statusCode, 200)
  t.equal(read.json().history.length, 1)

  const forged = await app.inject({ url: `/conversations/${id}`, cookies: { 'handoff.sid': 'forged.value' } })
  t.equal(forged.statusCode, 401)

  const logout = await app.inject({ method: 'DELETE', url: '/operator/session', cookies: { 'handoff.sid': cookie?.value ?? '' } })
  t.equal(logout.statusCode, 204)
  const after = await app.inject({ url: `/conversations/${id}`, cookies: { 'handoff.sid': cookie?.value ?? '' } })
  t.equal(after.statusCode, 401, 'the session is gone from the store')
})

t.test('health', async t => {
  const app = await build(t)
  const live = await app.inject({ url: '/health/live' })
  t.equal(live.statusCode, 200)
  t.same(live.json(), { status: 'ok' })
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready' })
})

t.test('readiness fails when the store does not answer', async t => {
  const app = await build(t)
  app.historyStore.ping = async () => { throw new Error('down') }
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.json().status, 'unavailable')
})
