// What the real process says when it starts and stops: the summary line, the Genesys check, one line per
// request, and `closing` before `closed` with asynchronous log writes.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { startupSummary, maskUrlPassword } from '../src/startup-summary.js'
import { loadConfig } from '../src/config.js'
import { ADMIN_TOKEN, CLIENT_ID, CLIENT_SECRET, QUEUE_ID, messagingEvent, newConversationId, simulator } from './helper.js'
import { simulatorEnv, startServer } from './process-helper.js'

t.test('the summary names the build, store, region, ways in and how they are protected; secrets stay out', async t => {
  const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  const config = loadConfig({
    NODE_ENV: 'production',
    GENESYS_CLIENT_ID: CLIENT_ID,
    GENESYS_CLIENT_SECRET: 'Zq8rT2vX9mK4pL7wN3bF6hJ1',
    GENESYS_REGION: 'mypurecloud.de',
    HANDOFF_QUEUE_ID: QUEUE_ID,
    WEBHOOK_SECRET: '3f9a1c7e5b2d8f4a6c0e1b3d5f7a9c2e',
    REDIS_URL: 'rediss://app:s3cret-Redis-pass@redis.internal:6380/2'
  })
  const { fields, warnings } = startupSummary(config, version, 'v22.12.0')
  t.same(fields, {
    version,
    node: 'v22.12.0',
    mode: 'production',
    store: 'redis rediss://app:****@redis.internal:6380/2',
    region: 'mypurecloud.de',
    strategy: 'platform-api',
    queueId: QUEUE_ID,
    threshold: 0.75,
    waysIn: ['webhook POST /webhook/messaging'],
    signatures: 'on',
    storedText: 'masked',
    docs: 'off',
    metrics: 'closed',
    genesysCheck: 'on'
  })
  t.same(warnings, ['GET /metrics answers 401 until METRICS_TOKEN is set (it is closed by default outside development)'])
  t.equal(maskUrlPassword('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379')
  t.equal(maskUrlPassword('redis://:pw@h:1/0'), 'redis://:****@h:1/0')
})

t.test('the process: summary and Genesys check at startup, one line per request, closing before closed', async t => {
  const sim = await simulator(t)
  // Neither WEBHOOK_SECRET nor a strategy: the summary reports the defaults.
  const server = await startServer(t, { ...simulatorEnv(sim.url), ADMIN_TOKEN })
  const { url } = server
  const summary = await server.waitForLog('genesys-handoff-service ', l => / started$/.test(String(l.msg)))
  t.match(summary, { level: 30, node: process.version, store: 'embedded (memory, this process only)', strategy: 'platform-api', signatures: 'off', docs: '/docs', metrics: 'open' })
  t.match(await server.waitForLog('webhook signatures are off'), { level: 40 })
  t.match(await server.waitForLog('', l => l.genesys !== undefined), { genesys: 'ok', queueName: 'Handoff queue' })
  t.equal((await fetch(`${url}/health/ready`).then(async r => await r.json()) as { genesys: string }).genesys, 'ok')

  const res = await fetch(`${url}/webhook/messaging`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'proc-1' }, body: JSON.stringify(messagingEvent(newConversationId(), 0.9)) })
  t.equal(res.status, 200)
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)

  const messages = server.lines.map(l => String(l.msg))
  const closing = messages.findIndex(m => m.startsWith('closing'))
  t.ok(closing > messages.findIndex(m => m === 'request completed'), 'the request line came first')
  t.ok(closing >= 0 && closing < messages.indexOf('closed'), 'closing before closed')
  t.equal(messages.at(-1), 'closed', 'closed is the last line, flushed before the exit')
  t.equal(server.lines.filter(l => l.reqId === 'proc-1' && l.msg === 'request completed').length, 1)
  t.notMatch(JSON.stringify(server.lines), CLIENT_SECRET)
})
