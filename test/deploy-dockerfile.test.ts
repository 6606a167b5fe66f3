// The Dockerfile checked without a container engine: its final image is replayed into a temporary directory
// (test/dockerfile-replay.ts), its CMD runs as an unprivileged user with NODE_ENV=production against the
// Genesys simulator behind TLS, and its HEALTHCHECK command runs against that process.
//
// RUN lines become: `npm ci --omit=dev` → the same command with --offline (production dependencies installed
// for real, from this machine's npm cache, no network); the build stage's full `npm ci` → a link to this
// checkout's node_modules; `npm cache clean` → skipped (it would empty this machine's cache); `npx tsc -p X`
// → TypeScript's own transpiler on the same config, without type checking (npm run check does that), because
// a full compile takes longer than this test may.
import t from 'tap'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import ts from 'typescript'
import { CLIENT_ID, CLIENT_SECRET, QUEUE_ID, SESSION_SECRET, WEBHOOK_SECRET, messagingEvent, newConversationId, simulator, transferCalls } from './helper.js'
import { freePort, redisEnv, uniquePrefix } from './redis-helper.js'
import { ROOT, readText, repoFile, readYamlDocuments, serviceFacts, setting } from './deploy-helper.js'
import { readDockerfile, replay, type ImageState } from './dockerfile-replay.js'
import { signature } from '../src/webhook-signature.js'

interface Teardown { teardown: (fn: () => unknown) => void }
const exec = promisify(execFile)

/** What each RUN line of the Dockerfile becomes here (see the file comment). */
async function run (command: string, state: ImageState): Promise<void> {
  const cwd = join(state.root, state.workdir)
  for (const step of command.split('&&').map(s => s.trim())) {
    const words = step.split(/\s+/)
    if (words[0] === 'npm' && words[1] === 'ci' && words.includes('--omit=dev')) {
      await exec('npm', [...words.slice(1), '--offline'], { cwd, timeout: 120_000 })
    } else if (words[0] === 'npm' && words[1] === 'ci') {
      await symlink(join(ROOT, 'node_modules'), join(cwd, 'node_modules'))
    } else if (words[0] === 'npm' && words[1] === 'cache' && words[2] === 'clean') {
      continue
    } else if (words[0] === 'npx' && words[1] === 'tsc' && words[2] === '-p' && words.length === 4) {
      await transpile(join(cwd, words[3]!))
    } else {
      throw new Error(`RUN ${step}: not replayed here; teach test/deploy-dockerfile.test.ts`)
    }
  }
}

/** Emits what `tsc -p config` would, file by file, without type checking. */
async function transpile (configPath: string): Promise<void> {
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile)
  if (error !== undefined) throw new Error(`${configPath}: ${String(error.messageText)}`)
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configPath))
  const { outDir, rootDir = dirname(configPath) } = parsed.options
  if (outDir === undefined) throw new Error(`${configPath}: no outDir`)
  // The package is an ES module ("type": "module"), so NodeNext emits ES module syntax for .ts files.
  const options = { ...parsed.options, module: ts.ModuleKind.ESNext }
  for (const file of parsed.fileNames) {
    const out = join(outDir, relative(rootDir, file)).replace(/\.ts$/, '.js')
    const result = ts.transpileModule(await readFile(file, 'utf8'), { compilerOptions: options, fileName: file })
    await mkdir(dirname(out), { recursive: true })
    await writeFile(out, result.outputText)
    if (result.sourceMapText !== undefined) await writeFile(`${out}.map`, result.sourceMapText)
  }
}

/** An HTTPS front for the simulator with a throwaway certificate, as Genesys is reached in production. */
async function tlsFront (t: Teardown, target: string): Promise<{ url: string, caFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tls-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await exec('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')])
  await chmod(dir, 0o755)
  const upstream = new URL(target)
  const server = createHttpsServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (req, res) => {
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    forward.on('error', () => { res.writeHead(502).end() })
    req.pipe(forward)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(async () => { server.closeAllConnections(); server.close() })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return { url: `https://127.0.0.1:${address.port}`, caFile: join(dir, 'cert.pem') }
}

/** The image's USER if this machine has it, else `nobody`: a user with no rights over the replayed files. */
async function hostUser (name: string): Promise<{ name: string, uid: number, gid: number } | null> {
  if (process.getuid?.() !== 0) return null
  for (const candidate of [name, 'nobody']) {
    try {
      const [uid, gid] = await Promise.all([exec('id', ['-u', candidate]), exec('id', ['-g', candidate])])
      return { name: candidate, uid: Number(uid.stdout), gid: Number(gid.stdout) }
    } catch {}
  }
  throw new Error('no unprivileged user on this machine')
}

/**
 * The command as the container would run it. tap adds its process-info hook to the NODE_OPTIONS of every
 * process a test spawns; in a process running as another user that hook cannot write its record and turns a
 * clean exit into exit code 1, so it is taken out here.
 */
function asInContainer (command: string[], env: Record<string, string>): [string, string[]] {
  return ['env', ['-u', 'NODE_OPTIONS', ...(env.NODE_OPTIONS !== undefined ? [`NODE_OPTIONS=${env.NODE_OPTIONS}`] : []), ...command]]
}

const stages = await readDockerfile(repoFile('Dockerfile'))
const final = stages.at(-1)!
const kubernetesMemoryRequest = (() => {
  const deployment = readYamlDocuments(repoFile('deploy/kubernetes/base/deployment.yaml'))[0] as { spec: { template: { spec: { containers: Array<{ resources: { requests: { memory: string } } }> } } } }
  const quantity = deployment.spec.template.spec.containers[0]!.resources.requests.memory
  const match = /^(\d+)Mi$/.exec(quantity)
  if (match === null) throw new Error(`memory request ${quantity} not in Mi`)
  return Number(match[1]) * 1024 * 1024
})()

t.test('the image as written: production mode, an unprivileged user, the service port, exec-form CMD and HEALTHCHECK on readiness', async t => {
  const facts = await serviceFacts(t)
  const image = stages.flatMap(s => s.instructions)
  const keyword = (k: string): Array<{ args: string }> => final.instructions.filter(i => i.keyword === k)
  t.ok(image.some(i => i.keyword === 'ENV' && /\bNODE_ENV=production\b/.test(i.args)), 'NODE_ENV=production')
  const user = keyword('USER').at(-1)?.args
  t.ok(user !== undefined && !['root', '0', '0:0'].includes(user), `runs as ${user ?? 'root'}`)
  t.same(keyword('EXPOSE').map(i => i.args), [String(setting('PORT'))], 'exposes the default PORT')
  t.match(keyword('CMD').at(-1)?.args, /^\[/, 'CMD in exec form: the process gets SIGTERM itself')
  const health = keyword('HEALTHCHECK').at(-1)?.args ?? ''
  t.match(health, /CMD \[/, 'HEALTHCHECK in exec form (no shell needed)')
  const path = /\/health\/[a-z]+/.exec(health)?.[0] ?? ''
  t.equal(path, '/health/ready')
  t.ok(await facts.serves('GET', path), `the service serves GET ${path}`)
  const ignored = readText('.dockerignore').split('\n')
  for (const entry of ['.env', 'node_modules', '.git']) t.ok(ignored.includes(entry), `.dockerignore keeps ${entry} out of the build context`)
})

t.test('the replayed image runs its CMD unprivileged in production against Genesys over TLS, passes its HEALTHCHECK and drains on SIGTERM', async t => {
  const image = await replay(stages, { context: ROOT, run })
  t.teardown(async () => { await rm(image.root, { recursive: true, force: true }) })
  await chmod(image.root, 0o755)
  t.ok(image.cmd !== undefined && image.healthcheck !== undefined)
  const cmd = image.cmd!
  const healthcheck = image.healthcheck!.command
  t.equal(image.env.NODE_ENV, 'production')

  const sim = await simulator(t)
  const genesys = await tlsFront(t, sim.url)
  const port = await freePort()
  const env: Record<string, string> = {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    ...image.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    GENESYS_CLIENT_ID: CLIENT_ID,
    GENESYS_CLIENT_SECRET: CLIENT_SECRET,
    GENESYS_API_BASE_URL: genesys.url,
    GENESYS_LOGIN_BASE_URL: genesys.url,
    HANDOFF_QUEUE_ID: QUEUE_ID,
    SESSION_SECRET,
    WEBHOOK_SECRET,
    // the throwaway certificate authority of the TLS front, as a private CA would be given to the container
    NODE_EXTRA_CA_CERTS: genesys.caFile,
    // on Redis like every pod of a Deployment (keys under a prefix of this test, removed afterwards)
    ...redisEnv(uniquePrefix(t)) as Record<string, string>
  }
  const user = await hostUser(image.user)
  t.comment(`CMD ${cmd.join(' ')} as ${user?.name ?? 'the current (unprivileged) user'} in ${image.workdir}`)
  const cwd = join(image.root, image.workdir)
  const asUser = user === null ? {} : { uid: user.uid, gid: user.gid }
  const healthy = async (): Promise<boolean> => await new Promise(resolve => {
    const check = spawn(...asInContainer(healthcheck, env), { cwd, env, ...asUser, stdio: 'ignore' })
    check.on('exit', code => { resolve(code === 0) })
  })

  t.equal(await healthy(), false, 'the HEALTHCHECK fails while nothing listens')
  let output = ''
  const child: ChildProcess = spawn(...asInContainer(cmd, env), { cwd, env, ...asUser, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })

  const until = Date.now() + 30_000
  while (!await healthy()) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`the service did not become healthy:\n${output}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  t.pass('the HEALTHCHECK passes once the service is ready')
  const status = await readFile(`/proc/${child.pid ?? 0}/status`, 'utf8')
  if (user !== null) t.match(status, new RegExp(`\\nUid:\\s+${user.uid}\\s`), `the process runs as uid ${user.uid}`)

  const id = newConversationId()
  const body = JSON.stringify(messagingEvent(id, 0.2))
  const res = await fetch(`http://127.0.0.1:${port}/webhook/messaging`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature(WEBHOOK_SECRET, body) },
    body
  })
  const answer = await res.json() as { status: string }
  t.equal(res.status, 200, JSON.stringify(answer))
  t.equal(answer.status, 'handoff_initiated', 'a signed webhook hands off through Genesys over TLS')
  t.equal(transferCalls(sim).length, 1)
  const unsigned = await fetch(`http://127.0.0.1:${port}/webhook/messaging`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  t.equal(unsigned.status, 401, 'production refuses an unsigned webhook')

  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${child.pid ?? 0}/status`, 'utf8'))?.[1]) * 1024
  t.ok(rss > 0 && rss < kubernetesMemoryRequest, `RSS ${Math.round(rss / 2 ** 20)} MiB fits the Kubernetes memory request (${kubernetesMemoryRequest / 2 ** 20} MiB)`)

  child.kill('SIGTERM')
  const [code] = await exited
  t.equal(code, 0, 'SIGTERM: drained and exited 0')
  if (code !== 0) t.comment(output)
  t.match(output, /"msg":"closed"/, 'logged its shutdown')
  t.equal(await healthy(), false, 'the HEALTHCHECK fails once it stopped')
})
