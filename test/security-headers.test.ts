// Security headers on every answer (issue 12, item 9): no sniffing, no framing, a CSP on every route family,
// and operator answers never cached.
import t, { type Test } from 'tap'
import { ADMIN_TOKEN, build, messagingEvent, newConversationId, postEvent } from './helper.js'
import { sessionCookie } from './console-helper.js'

type Injected = Awaited<ReturnType<Awaited<ReturnType<typeof build>>['inject']>>

function directives (header: unknown): Map<string, string> {
  return new Map(String(header).split(';').map(d => d.trim()).filter(d => d !== '').map(d => {
    const [name = '', ...values] = d.split(/\s+/)
    return [name, values.join(' ')]
  }))
}

function checkCommon (t: Test, res: Injected, what: string): void {
  t.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`)
  t.equal(res.headers['x-frame-options'], 'DENY', `${what}: no framing (old browsers)`)
  t.equal(directives(res.headers['content-security-policy']).get('frame-ancestors'), "'none'", `${what}: no framing (CSP)`)
  t.equal(res.headers['referrer-policy'], 'no-referrer', what)
}

t.test('every JSON answer, success or error, carries the headers and a CSP that allows nothing', async t => {
  const app = await build(t, { envOverrides: { WEBHOOK_SHARED_SECRET: 'shared-secret-0123456789abcdef' } })
  const id = newConversationId()
  const answers: Array<[string, Injected, number]> = [
    ['webhook 200', await postEvent(app, messagingEvent(id, 0.9), { 'x-handoff-secret': 'shared-secret-0123456789abcdef' }), 200],
    ['webhook 401', await postEvent(app, messagingEvent(id, 0.9)), 401],
    ['webhook 400', await postEvent(app, { conversationId: 'nope' }, { 'x-handoff-secret': 'shared-secret-0123456789abcdef' }), 400],
    ['webhook 415', await app.inject({ method: 'POST', url: '/webhook/messaging', payload: 'x', headers: { 'content-type': 'text/plain', 'x-handoff-secret': 'shared-secret-0123456789abcdef' } }), 415],
    ['404', await app.inject({ url: '/nowhere' }), 404],
    ['health', await app.inject({ url: '/health/live' }), 200],
    ['metrics', await app.inject({ url: '/metrics' }), 200]
  ]
  for (const [what, res, status] of answers) {
    t.equal(res.statusCode, status, what)
    checkCommon(t, res, what)
    const csp = directives(res.headers['content-security-policy'])
    t.equal(csp.get('default-src'), "'none'", `${what}: JSON needs nothing loaded`)
  }
  t.equal(answers[0]?.[1].headers['cache-control'], undefined, 'webhook answers are not marked no-store (nothing to cache there anyway)')
})

t.test('operator JSON routes are never cached', async t => {
  const app = await build(t)
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
  const id = newConversationId()
  await postEvent(app, messagingEvent(id, 0.9))
  const answers: Array<[string, Injected, number]> = [
    ['conversation 200', await app.inject({ url: `/conversations/${id}`, headers: auth }), 200],
    ['conversation 401', await app.inject({ url: `/conversations/${id}` }), 401],
    ['conversation 404', await app.inject({ url: `/conversations/${newConversationId()}`, headers: auth }), 404],
    ['sign-in 204', await app.inject({ method: 'POST', url: '/operator/session', payload: { token: ADMIN_TOKEN } }), 204],
    ['sign-in 401', await app.inject({ method: 'POST', url: '/operator/session', payload: { token: 'wrong' } }), 401],
    ['sign-out 204', await app.inject({ method: 'DELETE', url: '/operator/session' }), 204]
  ]
  for (const [what, res, status] of answers) {
    t.equal(res.statusCode, status, what)
    t.equal(res.headers['cache-control'], 'no-store', what)
    checkCommon(t, res, what)
  }
})

t.test('/docs: a CSP that lets swagger-ui run (its own scripts and styles, data: images, fetches to this origin) and nothing else', async t => {
  const app = await build(t)
  for (const url of ['/docs', '/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/json']) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, url)
    checkCommon(t, res, url)
    const csp = directives(res.headers['content-security-policy'])
    t.equal(csp.get('default-src'), "'none'", url)
    t.equal(csp.get('script-src'), "'self'", `${url}: no inline or foreign script`)
    t.equal(csp.get('connect-src'), "'self'", url)
    t.match(csp.get('img-src'), /^'self' data:$/, url)
  }
})

t.test('the console keeps its strict CSP', async t => {
  const app = await build(t)
  const cookie = await sessionCookie(app)
  for (const url of ['/console/login', '/console']) {
    const res = await app.inject({ url, cookies: url === '/console' ? { 'handoff.sid': cookie } : {} })
    t.equal(res.statusCode, 200, url)
    checkCommon(t, res, url)
    const csp = directives(res.headers['content-security-policy'])
    t.equal(csp.get('default-src'), "'none'", url)
    t.equal(csp.get('script-src'), "'self'", url)
    t.equal(csp.get('style-src'), "'self'", url)
    t.equal(csp.get('form-action'), "'self'", url)
  }
})
