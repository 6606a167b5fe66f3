// Real Redis topologies for tests, each from the redis-server binary in a temporary directory and stopped at
// teardown: a 3-master Redis Cluster (redis-cli --cluster create) and a Sentinel group (one master, one
// replica, sentinels). Servers can be killed and restarted to act out outages and failovers.
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { eventually, freePort } from './redis-helper.js'

interface Teardown { teardown: (fn: () => unknown) => void }

const run = promisify(execFile)
const HOST = '127.0.0.1'

export const CLUSTER_PASSWORD = 'cluster-test-password-4b9e1f'

/** One redis-server (or sentinel) process with its own directory; kill() and start() act out an outage. */
export class RedisProcess {
  private child: ChildProcess | null = null
  constructor (readonly port: number, readonly dir: string, private readonly args: string[], private readonly password?: string) {}

  get address (): string { return `${HOST}:${this.port}` }

  async start (): Promise<void> {
    if (this.child !== null) return
    const proc = spawn('redis-server', [join(this.dir, 'redis.conf'), ...this.args], { cwd: this.dir, stdio: 'ignore' })
    this.child = proc
    proc.once('exit', () => { if (this.child === proc) this.child = null })
    await eventually(async () => await this.ping(), 10_000, `redis-server on ${this.port}`)
  }

  /** SIGKILL: no shutdown, no save, connections cut, as when a machine dies. */
  async kill (): Promise<void> {
    const proc = this.child
    if (proc === null) return
    this.child = null
    const exited = once(proc, 'exit')
    proc.kill('SIGKILL')
    await exited
  }

  /** SIGSTOP: the process keeps its connections but answers nothing, as when a machine stalls; thaw() resumes it. */
  freeze (): void { this.child?.kill('SIGSTOP') }

  thaw (): void { this.child?.kill('SIGCONT') }

  /** A client to this one process (no cluster or sentinel logic), closed after the test. */
  client (t: Teardown): Redis {
    const client = new Redis({ host: HOST, port: this.port, password: this.password, lazyConnect: true, maxRetriesPerRequest: 1 })
    client.on('error', () => {})
    t.teardown(() => { client.disconnect() })
    return client
  }

  private async ping (): Promise<boolean> {
    const probe = new Redis({ host: HOST, port: this.port, password: this.password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => {})
    try {
      await probe.connect()
      return await probe.ping() === 'PONG'
    } catch {
      return false
    } finally {
      probe.disconnect()
    }
  }
}

async function tempDir (t: Teardown, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `handoff-${name}-`))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

/** Writes the config file of one server; `lines` are redis.conf lines. */
async function serverProcess (t: Teardown, root: string, name: string, lines: string[], opts: { password?: string, args?: string[] } = {}): Promise<RedisProcess> {
  const port = await freePort()
  const dir = join(root, name)
  await mkdir(dir)
  const base = [`port ${port}`, `bind ${HOST}`, 'save ""', 'appendonly no', `dir ${dir}`, 'loglevel warning', `logfile ${join(dir, 'log')}`]
  await writeFile(join(dir, 'redis.conf'), [...base, ...lines].join('\n') + '\n')
  const proc = new RedisProcess(port, dir, opts.args ?? [], opts.password)
  t.teardown(async () => { await proc.kill() })
  return proc
}

export interface TestCluster {
  masters: RedisProcess[]
  /** REDIS_CLUSTER_NODES value: every master as a seed */
  seeds: string
  /** waits until every master reports cluster_state:ok */
  healthy: () => Promise<void>
}

/** Three masters, no replicas, password-protected, persisted with AOF; slots spread by redis-cli. */
export async function startCluster (t: Teardown): Promise<TestCluster> {
  const root = await tempDir(t, 'cluster')
  const masters: RedisProcess[] = []
  for (let i = 0; i < 3; i++) {
    const busPort = await freePort()
    masters.push(await serverProcess(t, root, `node${i}`, [
      'cluster-enabled yes', `cluster-port ${busPort}`, 'cluster-config-file nodes.conf',
      // quick failure detection keeps the outage test short
      'cluster-node-timeout 1000', `requirepass ${CLUSTER_PASSWORD}`, `masterauth ${CLUSTER_PASSWORD}`,
      // no replicas here: a killed master keeps its data through the append-only file
      'appendonly yes', 'appendfsync always'
    ], { password: CLUSTER_PASSWORD }))
  }
  await Promise.all(masters.map(async m => { await m.start() }))
  await run('redis-cli', ['-a', CLUSTER_PASSWORD, '--no-auth-warning', '--cluster', 'create', ...masters.map(m => m.address),
    '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 })
  const healthy = async (): Promise<void> => {
    await eventually(async () => {
      for (const m of masters) {
        const probe = new Redis({ host: HOST, port: m.port, password: CLUSTER_PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
        probe.on('error', () => {})
        try {
          await probe.connect()
          const info = await probe.cluster('INFO')
          if (!/cluster_state:ok/.test(info) || !/cluster_known_nodes:3/.test(info)) return false
        } catch {
          return false
        } finally {
          probe.disconnect()
        }
      }
      return true
    }, 20_000, 'cluster_state:ok on every master')
  }
  await healthy()
  return { masters, seeds: masters.map(m => m.address).join(','), healthy }
}

export interface TestSentinelGroup {
  master: RedisProcess
  replicas: RedisProcess[]
  sentinels: RedisProcess[]
  name: string
  /** REDIS_SENTINELS value */
  seeds: string
  /** the port the sentinels currently name as master */
  masterPort: () => Promise<number>
  /** promotes the replica (SENTINEL FAILOVER) and waits until the sentinels report the new master */
  failover: () => Promise<number>
}

/**
 * A master, its replica and `sentinels` sentinels (quorum 1). The master refuses writes while no replica is
 * attached (min-replicas-to-write 1), so a demoted master cannot accept writes the promoted replica never sees.
 */
export async function startSentinelGroup (t: Teardown, opts: { sentinels?: number, replicas?: number } = {}): Promise<TestSentinelGroup> {
  const root = await tempDir(t, 'sentinel')
  const name = 'handoff-test'
  const dataLines = ['min-replicas-to-write 1', 'min-replicas-max-lag 10', 'repl-diskless-sync yes', 'repl-diskless-sync-delay 0']
  const master = await serverProcess(t, root, 'master', dataLines)
  await master.start()
  const replicas: RedisProcess[] = []
  for (let i = 0; i < (opts.replicas ?? 2); i++) {
    const replica = await serverProcess(t, root, `replica${i}`, [...dataLines, `replicaof ${HOST} ${master.port}`])
    await replica.start()
    replicas.push(replica)
  }
  const sentinels: RedisProcess[] = []
  for (let i = 0; i < (opts.sentinels ?? 1); i++) {
    const sentinel = await serverProcess(t, root, `sentinel${i}`, [
      `sentinel monitor ${name} ${HOST} ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`
    ], { args: ['--sentinel'] })
    await sentinel.start()
    sentinels.push(sentinel)
  }
  const probe = sentinels[0]!.client(t)
  const masterPort = async (): Promise<number> => {
    const [, port] = await probe.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name) as [string, string]
    return Number(port)
  }
  // The sentinel must have seen the replica before it can promote it, and the replica must be in sync.
  const masterClient = master.client(t)
  await eventually(async () => {
    const known = await probe.call('SENTINEL', 'REPLICAS', name) as string[][]
    const info = await masterClient.info('replication')
    return known.length === replicas.length && new RegExp(`connected_slaves:${replicas.length}`).test(info)
  }, 20_000, 'the sentinel to discover the synced replicas')
  const failover = async (): Promise<number> => {
    const before = await masterPort()
    await probe.call('SENTINEL', 'FAILOVER', name)
    await eventually(async () => await masterPort() !== before, 20_000, 'the sentinels to name the promoted replica')
    return await masterPort()
  }
  return { master, replicas, sentinels, name, seeds: sentinels.map(s => s.address).join(','), masterPort, failover }
}
