// What the real process says when it starts and stops: the summary line, the Genesys check, one line per
// request, and `closing` before `closed` with asynchronous log writes.
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { startupSummary, maskUrlPassword } from '../src/startup-summary.js'
import { loadConfig } from '../src/config.js'
import { ADMIN_TOKEN, CLIENT_ID, CLIENT_SECRET, QUEUE_ID, SESSION_SECRET, messagingEvent, newConversationId, simulator } from './helper.js'

const root = fileURLToPath(new URL('..', import.meta.url))

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
  const child = spawn(process.execPath, ['--import', 'tsx', 'plugins/server.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      GENESYS_CLIENT_ID: CLIENT_ID,
      GENESYS_CLIENT_SECRET: CLIENT_SECRET,
      GENESYS_API_BASE_URL: sim.url,
      GENESYS_LOGIN_BASE_URL: sim.url,
      HANDOFF_QUEUE_ID: QUEUE_ID,
      SESSION_SECRET,
      ADMIN_TOKEN
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out = ''
  child.stdout.on('data', (chunk) => { out += String(chunk) })
  const exited = new Promise<number | null>(resolve => child.on('exit', resolve))
  const lines = (): Array<Record<string, unknown>> => out.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Record<string, unknown>)
  const waitFor = async (test: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 600; i++) {
      const found = lines().find(test)
      if (found !== undefined) return found
      if (child.exitCode !== null) break
      await sleep(50)
    }
    throw new Error(`line not found in:\n${out}`)
  }

  const listening = await waitFor(l => /^Server listening at/.test(String(l.msg)))
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(String(listening.msg))?.[1] ?? ''
  const summary = await waitFor(l => /^genesys-handoff-service .* started$/.test(String(l.msg)))
  t.match(summary, { level: 30, node: process.version, store: 'embedded (memory, this process only)', strategy: 'platform-api', signatures: 'off', docs: '/docs', metrics: 'open' })
  t.match(await waitFor(l => /webhook signatures are off/.test(String(l.msg))), { level: 40 })
  t.match(await waitFor(l => l.genesys !== undefined), { genesys: 'ok', queueName: 'Handoff queue' })
  t.equal((await fetch(`${url}/health/ready`).then(async r => await r.json()) as { genesys: string }).genesys, 'ok')

  const res = await fetch(`${url}/webhook/messaging`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'proc-1' }, body: JSON.stringify(messagingEvent(newConversationId(), 0.9)) })
  t.equal(res.status, 200)
  child.kill('SIGTERM')
  t.equal(await exited, 0)

  const messages = lines().map(l => String(l.msg))
  const closing = messages.findIndex(m => m.startsWith('closing'))
  t.ok(closing > messages.findIndex(m => m === 'request completed'), 'the request line came first')
  t.ok(closing >= 0 && closing < messages.indexOf('closed'), 'closing before closed')
  t.equal(messages.at(-1), 'closed', 'closed is the last line, flushed before the exit')
  t.equal(lines().filter(l => l.reqId === 'proc-1' && l.msg === 'request completed').length, 1)
  t.notMatch(out, CLIENT_SECRET)
})
