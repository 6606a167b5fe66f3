// Where the shared store lives and how to reach it: one Redis (REDIS_URL), a Redis Cluster
// (REDIS_CLUSTER_NODES) or a Sentinel-managed master (REDIS_SENTINELS + REDIS_SENTINEL_NAME). Every kind of
// client gets the same failure behaviour: commands fail fast while disconnected (503 for the caller instead
// of a queue) and the client keeps reconnecting for as long as the process runs.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import { Type, type Static } from 'typebox'
import { REDIS_SCRIPTS } from './redis-scripts.js'
import { redactCredentials } from '../config-problems.js'

const HostPort = Type.Object({ host: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }) })
const Credentials = {
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String())
}

export const RedisTargetSchema = Type.Union([
  Type.Object({ kind: Type.Literal('single'), url: Type.String() }),
  Type.Object({ kind: Type.Literal('cluster'), nodes: Type.Array(HostPort, { minItems: 1 }), ...Credentials }),
  Type.Object({
    kind: Type.Literal('sentinel'),
    sentinels: Type.Array(HostPort, { minItems: 1 }),
    /** the master group name the sentinels monitor */
    name: Type.String({ minLength: 1 }),
    ...Credentials,
    sentinelPassword: Type.Optional(Type.String())
  })
])
export type RedisTarget = Static<typeof RedisTargetSchema>
export type RedisClient = Redis | Cluster

/** The settings that choose the target; exactly one of url, clusterNodes, sentinels is non-empty. */
export interface RedisTargetSettings {
  url: string
  clusterNodes: string
  sentinels: string
  sentinelName: string
  username: string
  password: string
  sentinelPassword: string
}

/** Longest pause between reconnect attempts. */
const MAX_RECONNECT_DELAY_MS = 2000
const reconnectDelay = (attempt: number): number => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS)

/** The configured target, null for none (embedded store); throws a message naming the bad setting. */
export function redisTarget (settings: RedisTargetSettings): RedisTarget | null {
  const chosen = [['REDIS_URL', settings.url], ['REDIS_CLUSTER_NODES', settings.clusterNodes], ['REDIS_SENTINELS', settings.sentinels]]
    .filter(([, value]) => value?.trim() !== '').map(([name]) => name)
  if (chosen.length > 1) throw new Error(`${chosen[1] ?? ''} cannot be combined with ${chosen[0] ?? ''}: set only one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS`)
  const credentials = {
    ...(settings.username !== '' ? { username: settings.username } : {}),
    ...(settings.password !== '' ? { password: settings.password } : {})
  }
  const extra = (names: Array<[string, string]>): string | undefined => names.find(([, value]) => value !== '')?.[0]
  const credentialSetting = extra([['REDIS_USERNAME', settings.username], ['REDIS_PASSWORD', settings.password], ['REDIS_SENTINEL_PASSWORD', settings.sentinelPassword]])
  if (chosen[0] === 'REDIS_URL') {
    if (credentialSetting !== undefined) throw new Error(`${credentialSetting} does not apply to REDIS_URL: put the credentials in the URL (redis://user:password@host:port)`)
    return { kind: 'single', url: redisUrl(settings.url) }
  }
  if (chosen[0] === 'REDIS_CLUSTER_NODES') {
    const sentinelSetting = extra([['REDIS_SENTINEL_NAME', settings.sentinelName], ['REDIS_SENTINEL_PASSWORD', settings.sentinelPassword]])
    if (sentinelSetting !== undefined) throw new Error(`${sentinelSetting} applies to REDIS_SENTINELS only`)
    return { kind: 'cluster', nodes: hostPorts('REDIS_CLUSTER_NODES', settings.clusterNodes), ...credentials }
  }
  if (chosen[0] === 'REDIS_SENTINELS') {
    if (settings.sentinelName.trim() === '') throw new Error('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the master group name the sentinels monitor)')
    return {
      kind: 'sentinel',
      sentinels: hostPorts('REDIS_SENTINELS', settings.sentinels),
      name: settings.sentinelName.trim(),
      ...credentials,
      ...(settings.sentinelPassword !== '' ? { sentinelPassword: settings.sentinelPassword } : {})
    }
  }
  const orphan = extra([['REDIS_SENTINEL_NAME', settings.sentinelName]]) ?? credentialSetting
  if (orphan !== undefined) throw new Error(`${orphan} needs REDIS_CLUSTER_NODES or REDIS_SENTINELS`)
  return null
}

function redisUrl (url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // Never echo the value: it may carry a password.
    throw new Error('REDIS_URL is not a valid URL (expected redis://[:password@]host:port[/db])')
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must use redis:// or rediss://, not ${parsed.protocol}//`)
  }
  return url
}

/** `host:port, host2:port` → [{ host, port }]; IPv6 hosts in brackets ([::1]:6379). */
export function hostPorts (name: string, value: string): Array<{ host: string, port: number }> {
  const entries = value.split(',').map(s => s.trim()).filter(s => s !== '')
  return entries.map(entry => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/@[\]]+):(\d{1,5})$/.exec(entry)
    const port = Number(match?.[2])
    if (match === null || port < 1 || port > 65535) throw new Error(`${name} must be a comma-separated list of host:port (credentials go in REDIS_USERNAME/REDIS_PASSWORD), not '${redactCredentials(entry)}'`)
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port }
  })
}

export interface RedisClientOptions {
  keyPrefix: string
  commandTimeoutMs: number
  connectTimeoutMs: number
}

/** A client for the target with the store's scripts registered; not connected yet (see connectWithin). */
export function createRedisClient (target: RedisTarget, opts: RedisClientOptions): RedisClient {
  const common = {
    connectTimeout: opts.connectTimeoutMs,
    commandTimeout: opts.commandTimeoutMs,
    // Fail fast while disconnected: a webhook gets a 503 now instead of waiting in a queue.
    maxRetriesPerRequest: 0
  } satisfies RedisOptions
  if (target.kind === 'cluster') {
    const options: ClusterOptions = {
      keyPrefix: opts.keyPrefix,
      scripts: REDIS_SCRIPTS,
      lazyConnect: true,
      enableOfflineQueue: false,
      // Concurrent webhooks share one write per node and event-loop tick.
      enableAutoPipelining: true,
      clusterRetryStrategy: reconnectDelay,
      redisOptions: { ...common, username: target.username, password: target.password }
    }
    return new Cluster(target.nodes, options)
  }
  const options: RedisOptions = {
    ...common,
    keyPrefix: opts.keyPrefix,
    scripts: REDIS_SCRIPTS,
    lazyConnect: true,
    enableOfflineQueue: false,
    retryStrategy: reconnectDelay,
    enableAutoPipelining: true
  }
  if (target.kind === 'single') return new Redis(target.url, options)
  return new Redis({
    ...options,
    sentinels: target.sentinels,
    name: target.name,
    username: target.username,
    password: target.password,
    sentinelPassword: target.sentinelPassword,
    // Follow a promotion as soon as the sentinels announce it, not only when the old master drops us.
    failoverDetector: true,
    // A demoted master answers writes with READONLY until it closes our connection: reconnect at once.
    reconnectOnError: (err) => err.message.startsWith('READONLY') ? 1 : false
  })
}

/** Connects, waiting at most `ms`; false if the store is not there yet (the client keeps trying). */
export async function connectWithin (client: RedisClient, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>(resolve => { timer = setTimeout(() => { resolve(false) }, ms) })
  try {
    return await Promise.race([client.connect().then(() => true, () => false), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Reconnects a client that ended without being closed: ioredis ends a Sentinel client when a failover notice
 * cuts its reconnect short (the master had just died). Returns the function that stops this, for close().
 */
export function reviveWhenEnded (client: RedisClient, delayMs = MAX_RECONNECT_DELAY_MS): () => void {
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const onEnd = (): void => {
    if (stopped) return
    // A failed attempt ends the client again, which schedules the next one.
    timer = setTimeout(() => { if (!stopped) client.connect().catch(() => {}) }, delayMs)
  }
  client.on('end', onEnd)
  return () => {
    stopped = true
    clearTimeout(timer)
    client.off('end', onEnd)
  }
}

/**
 * Readiness: every node that owns data answers. On a cluster that is the master of every slot, so a master
 * that is down shows at once, before the cluster itself declares the failure; a failed check also refreshes
 * the client's slot map, so a master that came back (or a promoted replica) is found without other traffic.
 */
export async function pingAll (client: RedisClient): Promise<void> {
  if (!(client instanceof Cluster)) {
    await client.ping()
    return
  }
  try {
    const masters = new Map(client.nodes('master').map(node => [`${node.options.host ?? ''}:${node.options.port ?? ''}`, node]))
    const owners = new Set(client.slots.map(nodes => nodes[0]).filter(key => key !== undefined))
    if (owners.size === 0) throw new Error('no cluster slots known yet')
    await Promise.all([...owners].map(async owner => {
      const node = masters.get(owner)
      if (node === undefined) throw new Error('the master of some cluster slots is unreachable')
      await node.ping()
    }))
  } catch (err) {
    client.refreshSlotsCache()
    throw err
  }
}
