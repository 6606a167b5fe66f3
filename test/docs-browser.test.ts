// /docs in headless Chromium (Debian's chromium, driven by playwright-core) with the service's CSP on:
// swagger-ui loads, renders every route and runs "Try it out" without a CSP violation or a foreign request.
import { existsSync } from 'node:fs'
import t from 'tap'
import { chromium, type Browser } from 'playwright-core'
import { build } from './helper.js'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync']

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`

t.test('swagger-ui at /docs works under its CSP', { skip }, async t => {
  const app = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening')
  const base = `http://127.0.0.1:${address.port}`

  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
  t.teardown(async () => { await browser.close() })
  const page = await (await browser.newContext()).newPage()
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()) })
  page.on('pageerror', (err) => { problems.push(err.message) })
  page.on('request', (request) => { if (!request.url().startsWith(base) && !request.url().startsWith('data:')) problems.push(`request off the service: ${request.url()}`) })

  const res = await page.goto(`${base}/docs`)
  t.match(res?.headers()['content-security-policy'], /script-src 'self'/, 'the page is served with its CSP')
  await page.locator('.swagger-ui .info .title', { hasText: 'Genesys handoff service' }).waitFor({ timeout: 20_000 })
  t.ok(await page.locator('.opblock-summary-path[data-path="/webhook/messaging"]').count() > 0, 'the routes are listed')

  // "Try it out" on the liveness probe: swagger-ui fetches this origin.
  const live = page.locator('.opblock-summary-path[data-path="/health/live"]').first()
  await live.click()
  await page.locator('button.try-out__btn').first().click()
  await page.locator('button.execute').first().click()
  await page.locator('.live-responses-table .response-col_status', { hasText: '200' }).first().waitFor({ timeout: 20_000 })
  t.same(problems, [], 'no script errors, no CSP violations, nothing loaded from elsewhere')
})
