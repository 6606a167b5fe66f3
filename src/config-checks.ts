// Checks the schema cannot express: Genesys region and URLs, the priority, the Redis URL, and what
// production refuses. Each returns problems instead of throwing, so all of them are reported together.
import { parseTrustProxy } from './trust-proxy.js'
import { redisTarget } from './store/redis-connection.js'
import type { RedisConfig } from './config.js'
import { GENESYS_REGIONS, isGenesysRegion } from './genesys/regions.js'
import { problem, redactCredentials, type ConfigProblem } from './config-problems.js'
import type { Env } from './schemas/env.js'

/** The base URL (override or region default) without its trailing slash, or the problem with it. */
export function baseUrl (name: string, override: string | undefined, host: string): { url: string } | ConfigProblem {
  const url = override !== undefined && override !== '' ? override : `https://${host}`
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return problem(name, `is not a valid URL: ${redactCredentials(url)}`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return problem(name, `must be an http(s) URL: ${redactCredentials(url)}`)
  // Genesys is reached with OAuth client credentials; a password here would only end up in logs.
  if (parsed.username !== '' || parsed.password !== '') return problem(name, `must not carry credentials: ${redactCredentials(url)}`)
  return { url: url.replace(/\/+$/, '') }
}

/** The shared store's settings; null → embedded memory store. Throws naming the setting that is wrong. */
export function redisConfig (env: Env): RedisConfig | null {
  const target = redisTarget({
    url: env.REDIS_URL,
    clusterNodes: env.REDIS_CLUSTER_NODES,
    sentinels: env.REDIS_SENTINELS,
    sentinelName: env.REDIS_SENTINEL_NAME,
    username: env.REDIS_USERNAME,
    password: env.REDIS_PASSWORD,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD
  })
  if (target === null) return null
  // A hash tag in the prefix would put every conversation on one cluster slot.
  if (target.kind === 'cluster' && /[{}]/.test(env.REDIS_KEY_PREFIX)) throw new Error('REDIS_KEY_PREFIX must not contain { or } on a Redis Cluster')
  // A Sentinel failover promotes a replica: what only the old master held is gone, so by default an event is
  // acknowledged once a replica has it too.
  const waitReplicas = env.REDIS_WAIT_REPLICAS !== 'auto' ? Number(env.REDIS_WAIT_REPLICAS) : target.kind === 'sentinel' ? 1 : 0
  // WAIT has no key, so a cluster client cannot send it to the master that took the write.
  if (target.kind === 'cluster' && waitReplicas > 0) throw new Error('REDIS_WAIT_REPLICAS is not supported with REDIS_CLUSTER_NODES (leave it auto or 0)')
  return {
    target,
    keyPrefix: env.REDIS_KEY_PREFIX,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS,
    waitReplicas
  }
}

function redisProblem (env: Env): ConfigProblem | null {
  try {
    redisConfig(env)
    return null
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err)
    const variable = /REDIS_[A-Z_]+/.exec(text)?.[0] ?? 'REDIS_URL'
    return problem(variable, text.startsWith(variable + ' ') ? text.slice(variable.length + 1) : text)
  }
}

/** The team's bot as a plain base URL; throws naming BOT_URL when it is not one. */
export function botUrl (url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error('BOT_URL is not a valid URL')
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('BOT_URL must be an http(s) URL')
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') {
    throw new Error('BOT_URL must be a plain base URL (no credentials, query or fragment); the bot\'s secret goes in BOT_SECRET')
  }
  return url.replace(/\/+$/, '')
}

function thrownProblem (variable: string, check: () => unknown): ConfigProblem | null {
  try {
    check()
    return null
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err)
    return problem(variable, redactCredentials(text.startsWith(variable + ' ') ? text.slice(variable.length + 1) : text))
  }
}

/** A region must be one Genesys runs, unless both base URLs are given explicitly (simulator, proxy). */
export function regionProblem (region: string, apiBaseUrl?: string, loginBaseUrl?: string): ConfigProblem | null {
  const overridden = (apiBaseUrl ?? '') !== '' && (loginBaseUrl ?? '') !== ''
  if (overridden || isGenesysRegion(region)) return null
  return problem('GENESYS_REGION', `'${region}' is not a Genesys Cloud region; use one of: ${Object.keys(GENESYS_REGIONS).join(', ')} ` +
    '(or set both GENESYS_API_BASE_URL and GENESYS_LOGIN_BASE_URL)')
}

/** `''` → null (the queue's default); otherwise a whole number from 0. */
/** Genesys' documented range for a conversation's routing priority. */
export const MAX_PRIORITY = 25_000_000

export function parsePriority (value: string): { priority: number | null } | ConfigProblem {
  const text = value.trim()
  if (text === '') return { priority: null }
  const number = /^-?\d{1,8}$/.test(text) ? Number(text) : NaN
  if (!(Math.abs(number) <= MAX_PRIORITY)) {
    return problem('HANDOFF_PRIORITY', `must be a whole number from -${MAX_PRIORITY} to ${MAX_PRIORITY} (or empty for the queue's default), not '${redactCredentials(value)}'`)
  }
  return { priority: number }
}

// Values shipped in samples, the demo, the compose file and the docs: never acceptable as real secrets.
export const SAMPLE_SECRETS = new Set([
  'demo-secret', 'demo-admin-token', 'demo-webhook-secret', 'secret', 'password', 'changeme', 'change-me',
  'admin', 'token', 'webhook-secret', 'session-secret'
])
const PLACEHOLDER = /change[-_ ]?me|replace[-_ ]?me|example|placeholder|your[-_ ]|x{8,}/i
const MIN_TOKEN_LENGTH = 16

function weakSecret (value: string): string | null {
  if (SAMPLE_SECRETS.has(value.toLowerCase()) || PLACEHOLDER.test(value)) return 'is a sample/default value'
  if (new Set(value).size < 4) return 'is too repetitive'
  return null
}

/** Why the settings are unsafe for production (empty when they are fine); `skip` holds variables already reported. */
export function productionProblems (env: Env, skip: ReadonlySet<string> = new Set()): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const add = (variable: string, text: string): void => { if (!skip.has(variable)) problems.push(problem(variable, text, 'production')) }
  if (env.WEBHOOK_SECRET === '' && env.WEBHOOK_SHARED_SECRET === '') add('WEBHOOK_SECRET', 'or WEBHOOK_SHARED_SECRET is required (unauthenticated webhooks would be accepted)')
  if (env.BOT_URL !== '' && env.BOT_CONNECTOR_SECRET === '') {
    add('BOT_CONNECTOR_SECRET', 'is required when BOT_URL turns the Bot Connector mode on (any caller could drive the bot and trigger handoffs)')
  }
  for (const [name, value] of [['GENESYS_API_BASE_URL', env.GENESYS_API_BASE_URL], ['GENESYS_LOGIN_BASE_URL', env.GENESYS_LOGIN_BASE_URL]] as const) {
    if (value !== undefined && value !== '' && !value.startsWith('https://')) add(name, 'must be an https:// URL (the client secret and tokens would travel in clear)')
  }
  if (env.SESSION_COOKIE_SECURE === false && !skip.has('SESSION_COOKIE_SECURE')) {
    problems.push({ variable: 'SESSION_COOKIE_SECURE', text: 'SESSION_COOKIE_SECURE=false would send operator session cookies over plain HTTP', kind: 'production' })
  }
  const secrets: Array<[string, string, number]> = [
    ['WEBHOOK_SECRET', env.WEBHOOK_SECRET, MIN_TOKEN_LENGTH],
    ['WEBHOOK_SHARED_SECRET', env.WEBHOOK_SHARED_SECRET, MIN_TOKEN_LENGTH],
    ['BOT_CONNECTOR_SECRET', env.BOT_CONNECTOR_SECRET, MIN_TOKEN_LENGTH],
    ['BOT_SECRET', env.BOT_SECRET, 0],
    ['SESSION_SECRET', env.SESSION_SECRET ?? '', 32],
    ['GENESYS_CLIENT_SECRET', env.GENESYS_CLIENT_SECRET ?? '', 0],
    ['ADMIN_TOKEN', env.ADMIN_TOKEN, MIN_TOKEN_LENGTH],
    ['METRICS_TOKEN', env.METRICS_TOKEN, MIN_TOKEN_LENGTH]
  ]
  for (const [name, value, minLength] of secrets) {
    if (value === '' || value === undefined) continue
    const weak = weakSecret(value)
    if (weak !== null) add(name, weak)
    else if (value.length < minLength) add(name, `must be at least ${minLength} characters`)
  }
  return problems
}

/** Every problem the schema cannot see, for the variables it accepted (`skip` holds those it did not). */
export function envProblems (env: Env, skip: ReadonlySet<string> = new Set()): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const push = (found: ConfigProblem | null): void => { if (found !== null && !skip.has(found.variable)) problems.push(found) }
  push(regionProblem(env.GENESYS_REGION, env.GENESYS_API_BASE_URL, env.GENESYS_LOGIN_BASE_URL))
  for (const [name, override, host] of [
    ['GENESYS_API_BASE_URL', env.GENESYS_API_BASE_URL, `api.${env.GENESYS_REGION}`],
    ['GENESYS_LOGIN_BASE_URL', env.GENESYS_LOGIN_BASE_URL, `login.${env.GENESYS_REGION}`]
  ] as const) {
    const url = baseUrl(name, override, host)
    // A bad region already makes the default URL meaningless: only a bad override is worth its own line.
    if ('variable' in url && override !== undefined && override !== '') push(url)
  }
  const priority = parsePriority(env.HANDOFF_PRIORITY ?? '')
  if ('variable' in priority) push(priority)
  push(redisProblem(env))
  if (env.BOT_URL !== '') push(thrownProblem('BOT_URL', () => botUrl(env.BOT_URL)))
  try {
    parseTrustProxy(env.TRUST_PROXY ?? '')
  } catch (err) {
    push(problem('TRUST_PROXY', redactCredentials(err instanceof Error ? err.message.replace(/^TRUST_PROXY /, '') : String(err))))
  }
  if (env.NODE_ENV === 'production') problems.push(...productionProblems(env, skip))
  return problems
}
