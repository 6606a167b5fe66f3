// The real process: SIGHUP re-reads the policy file and the service keeps running (close-with-grace would
// otherwise treat SIGHUP as a shutdown), and SIGTERM still closes it gracefully.
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { simulator } from './helper.js'
import { simulatorEnv, startServer } from './process-helper.js'

t.test('SIGHUP reloads the policy of the running process; SIGTERM closes it', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-process-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = join(dir, 'policy.yaml')
  writeFileSync(file, 'defaults: { threshold: 0.6 }\n')
  const sim = await simulator(t)
  const server = await startServer(t, { ...simulatorEnv(sim.url), LOG_LEVEL: 'debug', POLICY_FILE: file })
  const loaded = await server.waitForLog('escalation policy loaded')
  t.equal(loaded.source, file)

  // Saving the file is noticed on its own ...
  writeFileSync(file, 'defaults: { threshold: 0.9 }\n')
  const reloaded = await server.waitForLog('policy reloaded')
  t.match(reloaded, { role: 'live', previousVersion: loaded.policyVersion })
  t.not(reloaded.policyVersion, loaded.policyVersion)
  // ... and SIGHUP reads it again without stopping the service.
  server.child.kill('SIGHUP')
  const again = await server.waitForLog('policy file read again, unchanged', l => l.reason === 'SIGHUP')
  t.equal(again.policyVersion, reloaded.policyVersion)
  t.equal(server.child.exitCode, null, 'still running')
  t.notOk(server.lines.some(l => String(l.msg).startsWith('closing')), 'SIGHUP did not start a shutdown')

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
})
