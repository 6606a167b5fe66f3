// The real process: SIGHUP re-reads the policy file and the service keeps running (close-with-grace would
// otherwise treat SIGHUP as a shutdown), and SIGTERM still closes it gracefully.
import t from 'tap'
import { spawn } from 'node:child_process'
import { EventEmitter, once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CLIENT_ID, CLIENT_SECRET, QUEUE_ID, SESSION_SECRET, simulator } from './helper.js'

const root = fileURLToPath(new URL('..', import.meta.url))

t.test('SIGHUP reloads the policy of the running process; SIGTERM closes it', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-process-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = join(dir, 'policy.yaml')
  writeFileSync(file, 'defaults: { threshold: 0.6 }\n')
  const sim = await simulator(t)
  const child = spawn(process.execPath, ['--import', 'tsx', 'plugins/server.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'debug',
      GENESYS_CLIENT_ID: CLIENT_ID,
      GENESYS_CLIENT_SECRET: CLIENT_SECRET,
      GENESYS_API_BASE_URL: sim.url,
      GENESYS_LOGIN_BASE_URL: sim.url,
      HANDOFF_QUEUE_ID: QUEUE_ID,
      SESSION_SECRET,
      POLICY_FILE: file
    },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const exited = once(child, 'exit')
  const lines: Array<Record<string, unknown>> = []
  const logged = new EventEmitter()
  let buffered = ''
  child.stdout.on('data', (chunk) => {
    buffered += String(chunk)
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    for (const part of parts.filter(p => p.trim() !== '')) {
      const line = JSON.parse(part) as Record<string, unknown>
      lines.push(line)
      logged.emit(String(line.msg), line)
    }
  })
  const [loaded] = await once(logged, 'escalation policy loaded') as [Record<string, unknown>]
  t.equal(loaded.source, file)

  // Saving the file is noticed on its own ...
  writeFileSync(file, 'defaults: { threshold: 0.9 }\n')
  const [reloaded] = await once(logged, 'policy reloaded') as [Record<string, unknown>]
  t.match(reloaded, { role: 'live', previousVersion: loaded.policyVersion })
  t.not(reloaded.policyVersion, loaded.policyVersion)
  // ... and SIGHUP reads it again without stopping the service.
  child.kill('SIGHUP')
  let again: Record<string, unknown> | undefined
  while (again?.reason !== 'SIGHUP') [again] = await once(logged, 'policy file read again, unchanged') as [Record<string, unknown>]
  t.equal(again.policyVersion, reloaded.policyVersion)
  t.equal(child.exitCode, null, 'still running')
  t.notOk(lines.some(l => String(l.msg).startsWith('closing')), 'SIGHUP did not start a shutdown')

  child.kill('SIGTERM')
  const [code] = await exited as [number | null]
  t.equal(code, 0)
})
