// A misconfigured deployment says everything that is wrong at once, worded for a person, whether the
// settings come from the environment or from .env.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build as buildApp } from '../plugins/app.js'
import { ConfigError, loadConfig } from '../src/config.js'
import { testEnv } from './helper.js'

const root = fileURLToPath(new URL('..', import.meta.url))

async function configError (env: Record<string, unknown>): Promise<ConfigError> {
  const err = await buildApp({ env, dotenv: false }).then(async app => { await app.close(); return null }, (e: unknown) => e)
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(err)}`)
  return err
}

t.test('every bad variable in one error: schema, region, priority, Redis URL and production checks', async t => {
  const err = await configError({
    NODE_ENV: 'production',
    GENESYS_CLIENT_ID: '',
    GENESYS_CLIENT_SECRET: 'demo-secret',
    GENESYS_REGION: 'mypurecloud.example',
    LOG_LEVEL: 'verbose',
    HANDOFF_STRATEGY: 'magic',
    HANDOFF_PRIORITY: 'high',
    GENESYS_MAX_RETRIES: 'many',
    INTENT_CONFIDENCE_THRESHOLD: '1.5',
    HANDOFF_CONTEXT_REDACT: 'yes',
    REDIS_URL: 'http://user:hunter2@cache:6379',
    ADMIN_TOKEN: 'demo-admin-token',
    WEBHOOK_SECRET: ''
  })
  const texts = err.problems.map(p => p.text)
  t.same(err.problems.map(p => p.variable).sort(), [
    'ADMIN_TOKEN', 'GENESYS_CLIENT_ID', 'GENESYS_CLIENT_SECRET', 'GENESYS_MAX_RETRIES', 'GENESYS_REGION', 'HANDOFF_CONTEXT_REDACT',
    'HANDOFF_PRIORITY', 'HANDOFF_QUEUE_ID', 'HANDOFF_STRATEGY', 'INTENT_CONFIDENCE_THRESHOLD', 'LOG_LEVEL', 'REDIS_URL', 'SESSION_SECRET', 'WEBHOOK_SECRET'
  ], 'each bad variable once')
  t.ok(texts.includes('GENESYS_CLIENT_ID is required (it is empty)'), 'an empty required value')
  t.ok(texts.includes('HANDOFF_QUEUE_ID is required'), 'an absent one')
  t.ok(texts.includes('SESSION_SECRET is required when ADMIN_TOKEN is set (it signs the operator session cookies)'), 'a conditional one')
  t.ok(texts.includes("LOG_LEVEL must be equal to one of the allowed values: fatal, error, warn, info, debug, trace, silent (got 'verbose')"))
  t.ok(texts.includes("HANDOFF_STRATEGY must be equal to one of the allowed values: platform-api, routing-metadata, flow (got 'magic')"))
  t.ok(texts.includes("GENESYS_MAX_RETRIES must be integer (got 'many')"))
  t.ok(texts.includes("INTENT_CONFIDENCE_THRESHOLD must be <= 1 (got '1.5')"))
  t.ok(texts.includes("HANDOFF_CONTEXT_REDACT must be true or false (got 'yes')"))
  t.ok(texts.some(p => /^GENESYS_REGION 'mypurecloud\.example' is not a Genesys Cloud region; use one of: mypurecloud\.com/.test(p)))
  t.ok(texts.some(p => /^HANDOFF_PRIORITY must be a whole number from -25000000 to 25000000/.test(p)))
  t.ok(texts.includes('REDIS_URL must use redis:// or rediss://, not http://'))
  t.same(err.problems.filter(p => p.kind === 'production').map(p => p.variable).sort(), ['ADMIN_TOKEN', 'GENESYS_CLIENT_SECRET', 'WEBHOOK_SECRET'])
  t.notOk(texts.some(p => /fewer than 1 characters|must have required property/.test(p)), 'no schema-validator wording for missing values')

  const message = err.message
  t.match(message, /^Invalid configuration: missing required setting\(s\) GENESYS_CLIENT_ID, HANDOFF_QUEUE_ID, SESSION_SECRET; /)
  t.match(message, /; Refusing to start with NODE_ENV=production: WEBHOOK_SECRET or WEBHOOK_SHARED_SECRET is required .*ADMIN_TOKEN is a sample\/default value/)
  for (const text of texts.filter(p => !/is required/.test(p))) t.ok(message.includes(text), `message includes: ${text.slice(0, 40)}`)
  t.notMatch(message, 'hunter2', 'the Redis password is never repeated')
  t.notMatch(message, 'demo-admin-token', 'nor a secret value')
  t.notMatch(message, '\n', 'one line')
})

t.test('a value the schema rejects is not checked again by the rules after it', async t => {
  const err = await configError(testEnv({ NODE_ENV: 'production', SESSION_SECRET: 'short', WEBHOOK_SECRET: '3f9a1c7e5b2d8f4a6c0e1b3d5f7a9c2e', GENESYS_API_BASE_URL: 'https://api.genesys.test', GENESYS_LOGIN_BASE_URL: 'https://login.genesys.test', GENESYS_CLIENT_SECRET: 'Zq8rT2vX9mK4pL7wN3bF6hJ1', ADMIN_TOKEN: 'e1c7a9f3b5d2e8c4a6f0b9d7' }))
  t.same(err.problems.map(p => p.text), ['SESSION_SECRET must NOT have fewer than 32 characters'])
})

t.test('loadConfig is the pure path the plugin takes', async t => {
  t.equal(loadConfig(testEnv()).handoff.queueId, testEnv().HANDOFF_QUEUE_ID)
  t.throws(() => loadConfig({}), ConfigError)
})

interface Exit { code: number | null, stdout: string, stderr: string }

async function runServer (env: Record<string, string>, cwd = root): Promise<Exit> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'plugins/server.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += String(chunk) })
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

t.test('LOG_LEVEL=verbose gives the same clear error from the environment and from .env', async t => {
  const base = testEnv({ LOG_LEVEL: undefined, OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' }) as Record<string, string>
  delete base.LOG_LEVEL
  const expected = "LOG_LEVEL must be equal to one of the allowed values: fatal, error, warn, info, debug, trace, silent (got 'verbose')"

  const fromEnv = await runServer({ ...base, LOG_LEVEL: 'verbose' })
  t.equal(fromEnv.code, 1)
  t.equal(fromEnv.stderr.trim(), `Invalid configuration: ${expected}`, 'stderr says it plainly')
  const line = JSON.parse(fromEnv.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>
  t.match(line, { level: 60, msg: `Invalid configuration: ${expected}`, problems: [expected] }, 'and as a fatal log line')
  t.notMatch(fromEnv.stderr + fromEnv.stdout, /unknown level|default level/i, 'not pino\'s own message')

  const dir = await mkdtemp(join(tmpdir(), 'handoff-env-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, '.env'), 'LOG_LEVEL=verbose\n')
  const fromFile = await runServer(base, dir)
  t.equal(fromFile.code, 1)
  t.equal(fromFile.stderr.trim(), fromEnv.stderr.trim(), 'the same error from .env')

  // The environment wins over .env, as documented.
  await writeFile(join(dir, '.env'), 'LOG_LEVEL=verbose\nHANDOFF_STRATEGY=magic\n')
  const both = await runServer({ ...base, LOG_LEVEL: 'warn' }, dir)
  t.equal(both.code, 1)
  t.notMatch(both.stderr, 'LOG_LEVEL')
  t.match(both.stderr, /HANDOFF_STRATEGY must be equal to one of the allowed values: platform-api, routing-metadata, flow \(got 'magic'\)/)
})
