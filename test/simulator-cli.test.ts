// The simulator as its container runs it: the CLI started from the environment, the image's HEALTHCHECK
// command (read from the Dockerfile) against its health route, and a clean stop on SIGTERM.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { request } from 'undici'
import { CLIENT_ID, CLIENT_SECRET } from './helper.js'

/** The JSON-form CMD of the HEALTHCHECK in the Dockerfile stage named `stage`. */
async function healthcheck (stage: string): Promise<string[]> {
  const dockerfile = await readFile(new URL('../Dockerfile', import.meta.url), 'utf8')
  const body = dockerfile.split(/^FROM /m).find(s => new RegExp(`^\\S+ AS ${stage}\\s*$`, 'm').test(s.split('\n')[0] ?? ''))
  const cmd = /^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(body ?? '')?.[1]
  if (cmd === undefined) throw new Error(`no HEALTHCHECK in the ${stage} stage`)
  return JSON.parse(cmd) as string[]
}

async function exitCode (argv: string[], env: Record<string, string>): Promise<number | null> {
  const [command, ...args] = argv
  const child = spawn(command ?? 'false', args, { env: { ...process.env, ...env }, stdio: 'ignore' })
  const [code] = await once(child, 'exit') as [number | null]
  return code
}

/** Starts the CLI on a free loopback port and resolves with the URL it announces. */
async function startCli (t: { teardown: (fn: () => unknown) => void }): Promise<{ child: ChildProcess, url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/simulator/cli.ts'], {
    env: { ...process.env, SIMULATOR_PORT: '0', SIMULATOR_HOST: '127.0.0.1', GENESYS_CLIENT_ID: CLIENT_ID, GENESYS_CLIENT_SECRET: CLIENT_SECRET },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /Genesys simulator listening on (http:\/\/\S+)/.exec(out)
      if (match?.[1] !== undefined) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`simulator exited (${String(code)}) before listening: ${out}`)))
  })
  return { child, url }
}

t.test('the simulator CLI answers its health route and the image health check, and stops on SIGTERM', async t => {
  const { child, url } = await startCli(t)
  t.equal(new URL(url).hostname, '127.0.0.1')
  const port = new URL(url).port

  // A queued fault for every call must not make the health route fail.
  const fault = await request(`${url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 503, times: 5 }) })
  t.equal(fault.statusCode, 204)
  await fault.body.dump()
  const health = await request(`${url}/__sim/health`)
  t.equal(health.statusCode, 200)
  t.same(await health.body.json(), { status: 'ok' })
  const calls = await request(`${url}/__sim/calls`)
  t.same(await calls.body.json(), [], 'health checks are not recorded as Genesys calls')

  const check = await healthcheck('simulator')
  t.equal(await exitCode(check, { SIMULATOR_PORT: port }), 0, 'the Dockerfile HEALTHCHECK passes while it serves')

  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0, 'clean exit on SIGTERM')
  t.equal(await exitCode(check, { SIMULATOR_PORT: port }), 1, 'the HEALTHCHECK fails once it is gone')
})
