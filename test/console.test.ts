// The operator console through the app: session rules, headers, pages and what they show.
import t from 'tap'
import { resolve } from 'node:path'
import { ADMIN_TOKEN, build, buildWithSimulator, messagingEvent, newConversationId, postEvent } from './helper.js'
import { HOSTILE, SESSION_COOKIE, getPage, sessionCookie, signIn } from './console-helper.js'

const EIGHT_HOURS = 8 * 3600_000
const CSP = "default-src 'none';script-src 'self';style-src 'self';img-src 'self';connect-src 'self';form-action 'self';frame-ancestors 'none';base-uri 'none'"

function clock (): { now: () => number, advance: (ms: number) => void } {
  let now = Date.now()
  return { now: () => now, advance: (ms) => { now += ms } }
}

t.test('without ADMIN_TOKEN the console is off', async t => {
  const app = await build(t, { envOverrides: { ADMIN_TOKEN: '' } })
  for (const url of ['/console', '/console/login', '/console/live.json']) t.equal((await getPage(app, url)).statusCode, 404, url)
  t.equal((await signIn(app, 'x')).statusCode, 404)
})

t.test('no access without signing in: pages send to the sign-in page, the JSON answers 401', async t => {
  const app = await build(t)
  const id = newConversationId()
  for (const url of ['/console', `/console/conversations/${id}`, '/console/live', '/console?state=done&page=2', `/console/find?id=${id}`]) {
    const res = await getPage(app, url)
    t.equal(res.statusCode, 303, url)
    t.equal(res.headers.location, '/console/login', url)
    t.equal(res.headers['cache-control'], 'no-store')
  }
  const json = await getPage(app, '/console/live.json')
  t.equal(json.statusCode, 401)
  t.equal(json.json().statusCode, 401)
  const forged = await getPage(app, '/console', 'forged.value')
  t.equal(forged.statusCode, 303, 'a cookie that is not signed by us is no session')
  const login = await getPage(app, '/console/login')
  t.equal(login.statusCode, 200)
  t.match(login.body, '<form class="login" method="post" action="/console/login">')
  t.match(login.body, 'name="token" type="password"')
})

t.test('a wrong token is refused with the sign-in page again and no session', async t => {
  const app = await build(t)
  for (const token of ['nope', '', `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1)]) {
    const res = await signIn(app, token)
    t.equal(res.statusCode, 401, JSON.stringify(token))
    t.match(res.body, 'That token is not right.')
    t.equal(res.headers['set-cookie'], undefined, 'no cookie')
    t.notMatch(res.body, ADMIN_TOKEN, 'the token is never echoed')
  }
  const json = await app.inject({ method: 'POST', url: '/console/login', payload: { token: 'x'.repeat(1001) } })
  t.equal(json.statusCode, 400, 'too long: a 400 page, not a 500')
  t.match(json.headers['content-type'], /text\/html/)
})

t.test('signing in: a signed, HttpOnly, SameSite=Strict cookie that expires, then every page', async t => {
  const app = await build(t)
  const res = await signIn(app)
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/console')
  const cookie = res.cookies.find(c => c.name === SESSION_COOKIE)
  t.ok(cookie)
  t.equal(cookie?.httpOnly, true)
  t.equal(cookie?.sameSite, 'Strict')
  t.equal(cookie?.path, '/')
  t.equal(cookie?.secure, undefined, 'not Secure in development (plain HTTP); production sets SESSION_COOKIE_SECURE')
  const expires = (cookie?.expires as Date).getTime()
  t.ok(Math.abs(expires - (Date.now() + EIGHT_HOURS)) < 60_000, 'expires 8 hours after sign-in')
  t.match(cookie?.value, /^[\w-]+\.[\w+/=-]+$/, 'value.signature')
  const value = cookie?.value ?? ''
  for (const url of ['/console', '/console/live']) t.equal((await getPage(app, url, value)).statusCode, 200, url)
  t.equal((await getPage(app, '/console/login', value)).headers.location, '/console', 'signed in: the sign-in page sends on')
  t.equal((await getPage(app, '/console/live.json', value)).statusCode, 200)
})

t.test('the console session and the JSON operator routes are one session', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  await postEvent(app, messagingEvent(id, 0.9))
  const value = await sessionCookie(app)
  const json = await app.inject({ url: `/conversations/${id}`, cookies: { [SESSION_COOKIE]: value } })
  t.equal(json.statusCode, 200, 'the console cookie opens the JSON route')
  const viaApi = await app.inject({ method: 'POST', url: '/operator/session', payload: { token: ADMIN_TOKEN } })
  const apiCookie = viaApi.cookies.find(c => c.name === SESSION_COOKIE)?.value ?? ''
  t.equal((await getPage(app, '/console', apiCookie)).statusCode, 200, 'and the API session opens the console')
  t.equal((await getPage(app, '/console/live.json', undefined)).statusCode, 401)
  const bearer = await app.inject({ url: '/console/live.json', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  t.equal(bearer.statusCode, 200, 'scripts may read the counters with the token')
})

t.test('signing in again starts a new session (no fixation)', async t => {
  const app = await build(t)
  const first = await sessionCookie(app)
  const again = await signIn(app, ADMIN_TOKEN, { cookie: first })
  const second = again.cookies.find(c => c.name === SESSION_COOKIE)?.value
  t.ok(second)
  t.not(second, first)
  t.equal((await getPage(app, '/console', first)).statusCode, 303, 'the old session is gone')
  t.equal((await getPage(app, '/console', second)).statusCode, 200)
})

t.test('a session ends 8 hours after sign-in, however much it is used', async t => {
  const c = clock()
  const app = await build(t, { now: c.now })
  const value = await sessionCookie(app)
  c.advance(EIGHT_HOURS - 1000)
  t.equal((await getPage(app, '/console', value)).statusCode, 200, 'a second before')
  t.equal((await getPage(app, '/console/live.json', value)).statusCode, 200)
  c.advance(1000)
  const expired = await getPage(app, '/console', value)
  t.equal(expired.statusCode, 303, 'at 8 hours: back to sign-in')
  t.equal(expired.headers.location, '/console/login')
  t.equal((await getPage(app, '/console/live.json', value)).statusCode, 401)
  t.equal((await app.inject({ url: `/conversations/${newConversationId()}`, cookies: { [SESSION_COOKIE]: value } })).statusCode, 401, 'for the JSON routes too')
  c.advance(-EIGHT_HOURS)
  t.equal((await getPage(app, '/console', value)).statusCode, 303, 'destroyed, not just hidden: turning the clock back does not revive it')
})

t.test('signing out destroys the session', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  await postEvent(app, messagingEvent(id, 0.9))
  const value = await sessionCookie(app)
  const out = await app.inject({ method: 'POST', url: '/console/logout', cookies: { [SESSION_COOKIE]: value } })
  t.equal(out.statusCode, 303)
  t.equal(out.headers.location, '/console/login')
  t.equal((await getPage(app, '/console', value)).statusCode, 303)
  t.equal((await app.inject({ url: `/conversations/${id}`, cookies: { [SESSION_COOKIE]: value } })).statusCode, 401)
})

t.test('sign-in attempts are limited per client address', async t => {
  const app = await build(t)
  for (let i = 0; i < 10; i++) t.equal((await signIn(app, `guess-${i}`)).statusCode, 401)
  const limited = await signIn(app)
  t.equal(limited.statusCode, 429, 'the right token too, once over the limit')
  t.match(limited.body, 'Too many sign-in attempts')
  t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60)
  t.equal(limited.headers['set-cookie'], undefined)
  t.equal(limited.headers['content-security-policy'], CSP)
  t.equal((await signIn(app, ADMIN_TOKEN, { remoteAddress: '10.1.2.3' })).statusCode, 303, 'another address is not held up')
})

t.test('every answer: strict CSP, no framing, no caching; assets cached for good under hashed names', async t => {
  const app = await build(t)
  const value = await sessionCookie(app)
  const page = await getPage(app, '/console', value)
  for (const res of [page, await getPage(app, '/console/login'), await getPage(app, '/console'), await getPage(app, `/console/conversations/${newConversationId()}`, value)]) {
    t.equal(res.headers['content-security-policy'], CSP)
    t.equal(res.headers['x-frame-options'], 'DENY')
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.equal(res.headers['cache-control'], 'no-store')
  }
  t.notMatch(page.body, /<script>|<style|style="| on[a-z]+="/, 'no inline script, style or handlers')
  const assets = [...page.body.matchAll(/(?:href|src)="(\/console\/assets\/[^"]+)"/g)].map(m => m[1] as string)
  t.same(assets.map(url => url.replace(/^.*\./, '')).sort(), ['css', 'js', 'svg'], 'a style sheet, a script, an icon')
  const types: Record<string, RegExp> = { css: /^text\/css/, js: /^text\/javascript/, svg: /^image\/svg\+xml/ }
  for (const url of assets) {
    const res = await getPage(app, url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable')
    t.match(res.headers['content-type'], types[url.replace(/^.*\./, '')] as RegExp)
    t.notMatch(res.body.replace('xmlns="http://www.w3.org/2000/svg"', ''), /https?:\/\/|\/\/[a-z]/i, 'nothing loaded from elsewhere')
  }
  const missing = await getPage(app, '/console/assets/console.000000000000.js')
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['cache-control'], 'no-store')
})

t.test('the timeline of a handed-off conversation: events, decisions, rule, chart, Genesys calls', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  await postEvent(app, messagingEvent(id, 0.91, { text: 'where is my order', intent: { intent: 'order_status', confidence: 0.91 } }))
  const handoff = await postEvent(app, messagingEvent(id, 0.41, { text: 'I want to dispute a charge', intent: { intent: 'billing_dispute', confidence: 0.41 } }))
  t.equal(handoff.json().status, 'handoff_initiated')
  await postEvent(app, messagingEvent(id, 0.2, { text: 'hello?' }))
  const value = await sessionCookie(app)
  const res = await getPage(app, `/console/conversations/${id.toUpperCase()}`, value)
  t.equal(res.statusCode, 200)
  const body = res.body
  t.match(body, 'state-handed_off')
  t.match(body, 'where is my order')
  t.match(body, /CONTINUE_BOT[\s\S]*confidence_meets_threshold/)
  t.match(body, /HANDOFF<\/span> <strong>→ handoff started<\/strong>[\s\S]*intent &#39;billing_dispute&#39; confidence 0.41 is below threshold 0.75[\s\S]*confidence_below_threshold/)
  t.match(body, 'after the handoff: none needed', 'the third event came after')
  t.equal(body.match(/<circle /g)?.length, 3, 'one chart point per turn')
  t.equal(body.match(/<circle [^>]*class="below"/g)?.length, 2)
  t.match(body, `Transfer to queue <span class="mono">${app.config.handoff.queueId}</span>: sent`)
  t.match(body, 'Routing update (skills, priority, language): done')
  t.match(body, /<dt>Handoff took<\/dt><dd>\d+ ms|<dt>Handoff took<\/dt><dd>[\d.]+ s/)
  t.match(body, /<dt>Failed attempts<\/dt><dd>0<\/dd>/)
  const list = await getPage(app, '/console?state=done', value)
  t.match(list.body, `href="/console/conversations/${id}"`)
  t.match(list.body, 'billing_question')
})

t.test('under a policy file the timeline shows the rule each event was decided by, from the audit trail', async t => {
  const policy = resolve(import.meta.dirname, '../examples/policy.example.yaml')
  const { app } = await buildWithSimulator(t, { envOverrides: { POLICY_FILE: policy, HANDOFF_QUEUE_POLL_INTERVAL_MS: 10 } })
  const id = newConversationId()
  await postEvent(app, messagingEvent(id, 0.95, { text: 'hi', intent: { intent: 'greeting', confidence: 0.3 } }))
  t.equal((await postEvent(app, messagingEvent(id, 0.99, { text: 'Can I talk to an agent?', intent: { intent: 'order_status', confidence: 0.99 } }))).json().status, 'handoff_initiated')
  const body = (await getPage(app, `/console/conversations/${id}`, await sessionCookie(app))).body
  const version = app.policy.live.version
  t.match(body, new RegExp(`CONTINUE_BOT[\\s\\S]*intent_never<div class="muted">policy ${version}`), 'greeting never hands off, whatever the confidence')
  t.match(body, new RegExp(`HANDOFF</span> <strong>→ handoff started</strong>[\\s\\S]*the customer asked for a human \\(&#39;agent&#39;\\)[\\s\\S]*human_request<div class="muted">policy ${version}`))
})

t.test('failed attempts show in the list and the timeline', async t => {
  const { app, sim } = await buildWithSimulator(t)
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', status: 400 })
  const id = newConversationId()
  const failed = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(failed.statusCode, 502, failed.body)
  const retried = await postEvent(app, messagingEvent(id, 0.1))
  t.equal(retried.json().status, 'handoff_initiated', retried.body)
  const value = await sessionCookie(app)
  const list = await getPage(app, '/console', value)
  t.match(list.body, /<td class="num bad">1<\/td>/, 'one failed attempt')
  const timeline = await getPage(app, `/console/conversations/${id}`, value)
  t.match(timeline.body, /<td class="mono">GENESYS_REJECTED<\/td><td class="text">transfer to queue rejected by Genesys: status 400/)
  t.match(timeline.body, 'state-handed_off')
  const json = (await app.inject({ url: `/conversations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()
  t.equal(json.failures.length, 1, 'the JSON route shows them too')
  t.match(json.failures[0], { code: 'GENESYS_REJECTED', retries: 0 })
  t.ok(Date.parse(json.handoff.at) >= Date.parse(json.handoff.claimedAt), 'the handoff record keeps when it started')
})

t.test('hostile transcript text is shown as text on every page', async t => {
  const { app } = await buildWithSimulator(t)
  const id = newConversationId()
  for (const [i, text] of HOSTILE.entries()) {
    const res = await postEvent(app, messagingEvent(id, 0.9, { text, intent: { intent: HOSTILE[(i + 3) % HOSTILE.length], confidence: 0.9 }, event: HOSTILE[i] }))
    t.equal(res.statusCode, 200, res.body)
  }
  const value = await sessionCookie(app)
  const pages = [
    // The timeline shows every text; the list the last intent (HOSTILE[2]).
    { url: `/console/conversations/${id}`, shows: '&lt;script&gt;window.pwned = 1&lt;/script&gt;' },
    { url: '/console', shows: '<td>&#39; onmouseover=&#39;window.pwned=3&#39; x=&#39;</td>' }
  ]
  for (const { url, shows } of pages) {
    const { body } = await getPage(app, url, value)
    t.equal(body.match(/<script/g)?.length, 1, `${url}: only the bundled script`)
    t.notMatch(body, /<img|<svg onload|<style|<!-- comment/, url)
    t.notMatch(body, /on(error|load|mouseover)="?window/, url)
    t.match(body, shows, url)
  }
  const find = await getPage(app, `/console/find?id=${encodeURIComponent(HOSTILE[1] as string)}`, value)
  t.equal(find.statusCode, 400)
  t.match(find.body, '&quot;&quot;&gt;&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;&quot; is not a conversation id')
})

t.test('find by id; unknown and malformed ids', async t => {
  const app = await build(t)
  const id = newConversationId()
  await app.historyStore.append(id, { event: 'message', intent: { intent: 'x', confidence: 0.9 }, text: 'hi', timestamp: new Date().toISOString() })
  const value = await sessionCookie(app)
  const found = await getPage(app, `/console/find?id=%20${id.toUpperCase()}%20`, value)
  t.equal(found.statusCode, 303)
  t.equal(found.headers.location, `/console/conversations/${id}`)
  const unknown = await getPage(app, `/console/conversations/${newConversationId()}`, value)
  t.equal(unknown.statusCode, 404)
  t.match(unknown.body, 'has no recorded history')
  t.equal((await getPage(app, '/console/conversations/..%2F..%2Fetc', value)).statusCode, 400)
  t.equal((await getPage(app, '/console?page=0', value)).statusCode, 400)
  t.equal((await getPage(app, '/console?state=weird', value)).statusCode, 400)
  t.equal((await getPage(app, '/console/live?refresh=0', value)).statusCode, 400)
})

t.test('paging through 2,500 conversations, 50 a page, newest first, filter kept', async t => {
  const app = await build(t)
  const n = 2500
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const id = newConversationId()
    ids.push(id)
    await app.historyStore.append(id, { event: 'message', intent: { intent: `intent-${i}`, confidence: 0.9 }, text: `m${i}`, timestamp: new Date().toISOString() })
    if (i % 10 === 0) {
      const claim = await app.historyStore.claimHandoff(id, 60_000)
      await app.historyStore.completeHandoff(id, claim.claimId ?? '', { strategy: 'platform-api' })
    }
  }
  const value = await sessionCookie(app)
  const seen: string[] = []
  for (let page = 1; page <= 50; page++) {
    const res = await getPage(app, `/console?page=${page}`, value)
    t.equal(res.statusCode, 200)
    const rows = [...res.body.matchAll(/<a href="\/console\/conversations\/([0-9a-f-]{36})">/g)].map(m => m[1] as string)
    t.equal(rows.length, 50, `page ${page}`)
    seen.push(...rows)
    if (page === 1) t.match(res.body, 'Page 1 of 50 · 2500 conversations')
    if (page === 50) t.notMatch(res.body, 'rel="next"')
  }
  t.equal(new Set(seen).size, n, 'each conversation once')
  t.same(seen, [...ids].reverse(), 'newest first')
  const done = await getPage(app, '/console?state=done&page=5', value)
  t.match(done.body, 'Page 5 of 5 · 250 conversations')
  t.match(done.body, '<a href="/console?state=done&amp;page=4" rel="prev">')
  t.equal([...done.body.matchAll(/state-handed_off/g)].length, 50)
  const past = await getPage(app, '/console?page=51', value)
  t.match(past.body, 'No conversations on this page.')
})

t.test('live counters count this instance\'s webhooks, handoffs and failures', async t => {
  const c = clock()
  const { app, sim } = await buildWithSimulator(t, { now: c.now })
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', status: 400 })
  const value = await sessionCookie(app)
  const before = (await getPage(app, '/console/live.json', value)).json()
  t.same(before.counters.webhooksTotal, 0)
  t.equal(before.counters.handoffRate, null)
  for (let i = 0; i < 3; i++) await postEvent(app, messagingEvent(newConversationId(), 0.9))
  t.equal((await postEvent(app, messagingEvent(newConversationId(), 0.1))).statusCode, 502)
  t.equal((await postEvent(app, messagingEvent(newConversationId(), 0.1))).statusCode, 200)
  c.advance(30_000)
  const after = (await getPage(app, '/console/live.json', value)).json()
  t.equal(after.windowSeconds, 30)
  t.same(after.counters, {
    webhooksPerMinute: 5,
    handoffRate: 1 / 4,
    handoffsInWindow: 1,
    failuresInWindow: 1,
    retriesInWindow: 0,
    webhooksTotal: 5,
    handoffsTotal: 1,
    failuresTotal: 1,
    retriesTotal: 0
  })
  const page = await getPage(app, '/console/live?refresh=2', value)
  t.match(page.body, 'data-live-url="/console/live.json" data-refresh-ms="2000"')
  t.match(page.body, '<div class="value" data-counter="handoffRate" data-format="percent">25.0 %</div>')
})
