// `npm run demo -- --once` end to end: both ways in are played and it exits cleanly.
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

t.test('the demo plays the webhook and the Bot Connector mode, then exits 0', async t => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/demo.ts', '--once'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += String(chunk) })
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const code = await new Promise(resolve => child.on('exit', resolve))
  t.equal(code, 0, stderr)
  t.comment(stdout)
  t.match(stdout, /== 1\. Webhook, platform-api strategy/)
  t.match(stdout, /POST \/api\/v2\/conversations\/[0-9a-f-]+\/participants\/[0-9a-f-]+\/replace\/queue -> 202/)
  t.match(stdout, /== 2\. Bot Connector mode/)
  t.match(stdout, /support-bot v1: intents .*handoff/)
  t.match(stdout, /-> 200 MoreData intent=order_status 0\.91 \(bot asked\)/)
  t.match(stdout, /-> 200 Complete intent=handoff \(bot asked\)/)
  t.match(stdout, /-> 200 Complete intent=handoff \(bot NOT asked\)/)
  t.match(stdout, /Transfer to ACD {7}queue c0ffee00-0000-4000-8000-000000000001, skills \[c0ffee00-0000-4000-8000-000000000002\], priority 10/)
  t.match(stdout, /handoffSummary="[^"]*\[card\][^"]*\[phone\]"/)
  t.notMatch(stdout, /handoffSummary="[^"]*(4111|7946)/, 'the summary is masked')
  t.match(stdout, /Platform API calls made in Bot Connector mode: 0/)
})
