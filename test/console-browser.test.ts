// End to end in headless Chromium (Debian's chromium, driven by playwright-core): the service listens on
// loopback with the Genesys simulator; an operator signs in, finds a handed-off conversation and reads why.
// CONSOLE_SCREENSHOTS=docs/images also saves a screenshot of each page there (for docs/console.md).
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ADMIN_TOKEN, buildWithSimulator, messagingEvent, newConversationId } from './helper.js'
import { HOSTILE } from './console-helper.js'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync']
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`

t.test('an operator signs in, opens a handed-off conversation and sees why and when', { skip }, async t => {
  const { app, sim } = await buildWithSimulator(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening')
  const base = `http://127.0.0.1:${address.port}`
  const post = async (body: Record<string, unknown>): Promise<{ status: number, json: Record<string, unknown> }> => {
    const res = await fetch(`${base}/webhook/messaging`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return { status: res.status, json: await res.json() as Record<string, unknown> }
  }

  // A few conversations the bot handles, and one that fails once, then is handed off.
  for (const [intent, confidence, text] of [['order_status', 0.93, 'Where is my order?'], ['opening_hours', 0.88, 'When do you open?'], ['password_reset', 0.81, 'I forgot my password']] as const) {
    await post(messagingEvent(newConversationId(), confidence, { intent: { intent, confidence }, text }))
  }
  const id = newConversationId()
  const turns = [
    { intent: 'order_status', confidence: 0.92, text: 'Hi, my parcel has not arrived' },
    { intent: 'order_status', confidence: 0.8, text: HOSTILE[0] },
    { intent: 'billing_dispute', confidence: 0.41, text: HOSTILE[1] }
  ]
  for (const turn of turns.slice(0, 2)) t.equal((await post(messagingEvent(id, turn.confidence, { intent: turn, text: turn.text }))).status, 200)
  // Genesys refuses the first transfer: the attempt fails and the sender delivers the event again.
  sim.state.addFault({ method: 'POST', path: '/api/v2/conversations/', status: 400 })
  const last = turns[2] as typeof turns[number]
  const failed = await post(messagingEvent(id, last.confidence, { intent: last, text: last.text }))
  t.equal(failed.status, 502)
  const handed = await post(messagingEvent(id, last.confidence, { intent: last, text: last.text }))
  t.equal(handed.json.status, 'handoff_initiated', JSON.stringify(handed.json))

  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
  t.teardown(async () => { await browser.close() })
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page: Page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()) })
  page.on('pageerror', (err) => { problems.push(err.message) })
  page.on('request', (request) => { if (!request.url().startsWith(base)) problems.push(`request off the service: ${request.url()}`) })
  const shot = async (name: string, fullPage = false): Promise<void> => {
    if (SCREENSHOTS === undefined) return
    await mkdir(SCREENSHOTS, { recursive: true })
    await page.screenshot({ path: join(SCREENSHOTS, `console-${name}.png`), fullPage })
  }

  // Not signed in: the console sends to the sign-in page; a wrong token is refused.
  await page.goto(`${base}/console`)
  t.equal(new URL(page.url()).pathname, '/console/login')
  await page.fill('input[name="token"]', 'not-the-token')
  await Promise.all([page.waitForLoadState(), page.click('button[type="submit"]')])
  t.equal(await page.textContent('p.error'), 'That token is not right.')
  t.match(problems, [/status of 401/], 'the refusal is a 401')
  problems.length = 0
  await shot('login')
  await page.fill('input[name="token"]', ADMIN_TOKEN)
  await Promise.all([page.waitForURL(`${base}/console`), page.click('form.login button[type="submit"]')])
  const cookies = await context.cookies()
  t.match(cookies.find(c => c.name === 'handoff.sid'), { httpOnly: true, sameSite: 'Strict' })
  t.equal(await page.evaluate('document.cookie'), '', 'the session cookie is out of the page script\'s reach')

  // The list: newest first, the handed-off conversation on top with its failed attempt.
  const rows = page.locator('tbody tr')
  t.equal(await rows.count(), 4)
  const top = rows.first()
  t.equal(await top.locator('td').nth(0).textContent(), id)
  t.equal(await top.locator('.state').textContent(), 'Handed off')
  t.equal(await top.locator('td').nth(2).textContent(), 'billing_dispute')
  t.equal(await top.locator('td').nth(3).textContent(), '0.41')
  t.equal(await top.locator('td').nth(8).textContent(), '1', 'one failed attempt')
  t.match(await top.locator('td').nth(7).textContent(), /^\d+ ms$|^[\d.]+ s$/, 'how long the handoff took')
  await shot('conversations')

  // Filter by state, then find the conversation by id.
  await page.click('nav.filters >> text=Handed off or ended')
  t.equal(await page.locator('tbody tr').count(), 1)
  await page.fill('form.find input[name="id"]', id.toUpperCase())
  await Promise.all([page.waitForURL(`${base}/console/conversations/${id}`), page.click('form.find button')])

  // The timeline: why and when.
  t.equal(await page.textContent('h1 .mono'), id)
  const events = page.locator('table').first().locator('tbody tr')
  t.equal(await events.count(), 4, 'every recorded event, the failed attempt\'s and the retry\'s included')
  t.equal(await events.nth(1).locator('td.text').textContent(), HOSTILE[0], 'hostile text shown exactly as typed')
  t.equal(await events.nth(2).locator('td.text').textContent(), HOSTILE[1])
  t.equal(await page.evaluate('window.pwned'), undefined, 'and never run')
  t.equal(await page.locator('img').count(), 0)
  t.match(await events.nth(0).textContent(), /CONTINUE_BOT[\s\S]*confidence_meets_threshold/)
  t.match(await events.nth(2).textContent(), /HANDOFF → attempt failed \(GENESYS_REJECTED\)[\s\S]*confidence 0.41 is below threshold 0.75[\s\S]*confidence_below_threshold/)
  t.match(await events.nth(3).textContent(), /HANDOFF → handoff started/, 'the retry took the claim')
  t.equal(await page.locator('svg.chart circle').count(), 4, 'confidence chart: a point per turn')
  t.equal(await page.locator('svg.chart circle.below').count(), 2)
  t.match(await page.textContent('.grid'), /Handed off[\s\S]*Handoff took\d+ ms|Handed off[\s\S]*Handoff took[\d.]+ s/)
  t.match(await page.textContent('.grid'), /Transfer to queue \S+: sent, replacing participant/)
  const failures = page.locator('h2:text("Failed attempts") + table tbody tr')
  t.equal(await failures.count(), 1)
  t.match(await failures.first().textContent(), /GENESYS_REJECTED[\s\S]*transfer to queue rejected by Genesys: status 400/)
  await shot('timeline', true)

  // Live counters refresh without a reload.
  await page.goto(`${base}/console/live?refresh=1`)
  const total = page.locator('[data-counter="webhooksTotal"]')
  const before = Number(await total.textContent())
  t.equal(before, 7, 'seven webhooks so far')
  for (let i = 0; i < 3; i++) await post(messagingEvent(newConversationId(), 0.9))
  // A locator, not a predicate: the page's CSP refuses the eval a string predicate would need.
  await page.locator('[data-counter="webhooksTotal"]', { hasText: /^10$/ }).waitFor({ timeout: 15_000 })
  t.match(await page.textContent('[data-live-status]'), /^Updated /)
  await shot('live')

  // Sign out: the session is gone.
  await Promise.all([page.waitForURL(`${base}/console/login`), page.click('header form button')])
  await page.goto(`${base}/console`)
  t.equal(new URL(page.url()).pathname, '/console/login')
  t.same(problems, [], 'no script errors, no CSP violations, nothing loaded from elsewhere')
})
