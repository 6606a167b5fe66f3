// Behind a TLS-terminating proxy the request reaches the service over http: only with TRUST_PROXY does the
// service believe the proxy's X-Forwarded-Proto, so the operator session cookie (Secure) can be set.
import t from 'tap'
import { ADMIN_TOKEN, build } from './helper.js'
import { build as buildApp } from '../plugins/app.js'
import { testEnv } from './helper.js'

async function signIn (t: Parameters<typeof build>[0], env: Record<string, unknown>, headers: Record<string, string>): Promise<{ status: number, cookie: string | undefined, app: Awaited<ReturnType<typeof build>> }> {
  const app = await build(t, { envOverrides: { SESSION_COOKIE_SECURE: true, ...env } })
  const res = await app.inject({ method: 'POST', url: '/operator/session', payload: { token: ADMIN_TOKEN }, headers })
  const setCookie = res.headers['set-cookie']
  return { status: res.statusCode, cookie: Array.isArray(setCookie) ? setCookie[0] : setCookie, app }
}

const VIA_TLS_PROXY = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' }

t.test('without TRUST_PROXY the forwarded https is not believed: no Secure cookie can be set', async t => {
  const { status, cookie } = await signIn(t, {}, VIA_TLS_PROXY)
  t.equal(status, 204)
  t.equal(cookie, undefined, 'no session cookie over what looks like plain http')
})

for (const trust of ['127.0.0.1', '127.0.0.0/8, ::1', 'loopback', 'true', '1']) {
  t.test(`TRUST_PROXY=${trust}: the proxy's https is believed and the Secure session cookie is set and works`, async t => {
    const { status, cookie, app } = await signIn(t, { TRUST_PROXY: trust }, VIA_TLS_PROXY)
    t.equal(status, 204)
    t.match(cookie, /^handoff\.sid=[^;]+;.*\bSecure\b/i)
    t.match(cookie, /HttpOnly/i)
    const session = (cookie ?? '').split(';')[0] ?? ''
    const read = await app.inject({ method: 'GET', url: '/conversations/4ff43965-ec45-4f8c-8019-d83551de6d0a', headers: { cookie: session, ...VIA_TLS_PROXY } })
    t.equal(read.statusCode, 404, 'signed in (no history for it, but not 401)')
  })
}

t.test('a peer outside the trusted range cannot claim https', async t => {
  const { cookie } = await signIn(t, { TRUST_PROXY: '10.0.0.0/8' }, VIA_TLS_PROXY)
  t.equal(cookie, undefined)
})

t.test('a trusted proxy without x-forwarded-proto: still plain http, no cookie', async t => {
  const { cookie } = await signIn(t, { TRUST_PROXY: '127.0.0.1' }, {})
  t.equal(cookie, undefined)
})

t.test('an invalid TRUST_PROXY is a configuration error naming the setting', async t => {
  for (const value of ['not-an-address', '10.0.0.0/99', '-1', '1.5']) {
    await t.rejects(buildApp({ env: testEnv({ TRUST_PROXY: value }) }), /Invalid configuration: TRUST_PROXY/, value)
  }
})
