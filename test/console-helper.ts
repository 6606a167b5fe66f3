// Console test helpers: hostile input, signing in through the form, reading pages.
import type { FastifyInstance } from 'fastify'
import { ADMIN_TOKEN } from './helper.js'

export const SESSION_COOKIE = 'handoff.sid'

/** Text a customer (or a compromised bot platform) could send, aimed at each place a value lands. */
export const HOSTILE = [
  '<script>window.pwned = 1</script>',
  '"><img src=x onerror="window.pwned=2">',
  "' onmouseover='window.pwned=3' x='",
  '</td></tr></table><script>window.pwned=4</script>',
  '`${window.pwned=5}`', // eslint-disable-line no-template-curly-in-string -- hostile on purpose
  '<svg onload="window.pwned=6"></svg>',
  '&lt;already escaped&gt; & ampersands',
  '<!-- comment --><style>body{display:none}</style>'
]

type Injected = Awaited<ReturnType<FastifyInstance['inject']>>

/** Posts the sign-in form as a browser would (form-encoded). */
export async function signIn (app: FastifyInstance, token = ADMIN_TOKEN, opts: { cookie?: string, remoteAddress?: string } = {}): Promise<Injected> {
  return await app.inject({
    method: 'POST',
    url: '/console/login',
    payload: new URLSearchParams({ token }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    ...(opts.cookie !== undefined ? { cookies: { [SESSION_COOKIE]: opts.cookie } } : {}),
    ...(opts.remoteAddress !== undefined ? { remoteAddress: opts.remoteAddress } : {})
  })
}

/** Signs in and returns the session cookie's value. */
export async function sessionCookie (app: FastifyInstance): Promise<string> {
  const res = await signIn(app)
  const cookie = res.cookies.find(c => c.name === SESSION_COOKIE)
  if (res.statusCode !== 303 || cookie === undefined) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`)
  return cookie.value
}

export async function getPage (app: FastifyInstance, url: string, cookie?: string): Promise<Injected> {
  return await app.inject({ url, ...(cookie !== undefined ? { cookies: { [SESSION_COOKIE]: cookie } } : {}) })
}
