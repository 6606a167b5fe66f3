// Settings come from the environment (validated by @fastify/env against this schema) and are turned into
// one typed, nested AppConfig that the rest of the service reads.
import { GENESYS_REGIONS, isGenesysRegion } from './genesys/regions.js'
import { redisTarget, type RedisTarget } from './store/redis-connection.js'
import type { Env, HandoffStrategyName } from './schemas/env.js'
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js'

export { EnvSchema, HANDOFF_STRATEGIES, type Env, type HandoffStrategyName } from './schemas/env.js'

export interface RedisConfig {
  target: RedisTarget
  keyPrefix: string
  commandTimeoutMs: number
  connectTimeoutMs: number
}

export interface GenesysConfig {
  clientId: string
  clientSecret: string
  region: string
  apiBaseUrl: string
  loginBaseUrl: string
  maxRetries: number
  requestTimeoutMs: number
  retryMaxDelayMs: number
  maxConnections: number
}

export interface ContextPacketLimits {
  /** transcript lines: the last N history events */
  maxEvents: number
  /** any one attribute value is cut to this many characters */
  maxValueChars: number
  /** all attribute names and values together stay within this many characters */
  maxTotalChars: number
}

export interface AppConfig {
  production: boolean
  port: number
  host: string
  logLevel: string
  genesys: GenesysConfig
  handoff: {
    strategy: HandoffStrategyName
    queueId: string
    skillIds: string[]
    priority: number | null
    languageId: string | null
    deadlineMs: number
    threshold: number
    queuePollIntervalMs: number
    context: ContextPacketLimits & { redact: boolean }
  }
  history: {
    maxEvents: number
    ttlSeconds: number
    maxConversations: number
    /** how long a delivered messageId is remembered to drop redeliveries */
    dedupeTtlSeconds: number
  }
  /** shared store for several instances; null → embedded memory store */
  redis: RedisConfig | null
  session: {
    /** set whenever adminToken is (the schema requires it then) */
    secret: string
    cookieSecure: boolean
  }
  adminToken: string | null
  webhookBodyLimit: number
  docsEnabled: boolean
  /** HMAC key for X-Hub-Signature-256; null accepts unsigned webhooks (development only) */
  webhookSecret: string | null
  webhook: {
    /** a signed X-Timestamp further than this from now is refused */
    toleranceSeconds: number
    /** refuse signed webhooks without X-Timestamp */
    requireTimestamp: boolean
    /** messageId is required (a replay inside the window is then recorded once) */
    requireMessageId: boolean
  }
  metrics: {
    /** bearer token GET /metrics requires; null leaves it open */
    token: string | null
    /** distinct intent label values before the rest count as "other" */
    maxIntentLabels: number
  }
  shutdownGraceMs: number
  /** peers whose X-Forwarded-* headers are believed (TRUST_PROXY) */
  trustProxy: TrustProxy
  overload: {
    /** 0 disables the check */
    maxEventLoopDelayMs: number
    sampleIntervalMs: number
    retryAfterSeconds: number
  }
}

function baseUrl (name: string, override: string | undefined, host: string): string {
  const url = override !== undefined && override !== '' ? override : `https://${host}`
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`${name} is not a valid URL: ${url}`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`${name} must be an http(s) URL: ${url}`)
  }
  return url.replace(/\/+$/, '')
}

/** The shared store's settings; null → embedded memory store. */
function redisConfig (env: Env): RedisConfig | null {
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
  return {
    target,
    keyPrefix: env.REDIS_KEY_PREFIX,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS
  }
}

/** A region must be one Genesys runs, unless both base URLs are given explicitly (simulator, proxy). */
export function checkRegion (region: string, apiBaseUrl?: string, loginBaseUrl?: string): void {
  const overridden = (apiBaseUrl ?? '') !== '' && (loginBaseUrl ?? '') !== ''
  if (overridden || isGenesysRegion(region)) return
  throw new Error(`GENESYS_REGION '${region}' is not a Genesys Cloud region; use one of: ${Object.keys(GENESYS_REGIONS).join(', ')} ` +
    '(or set both GENESYS_API_BASE_URL and GENESYS_LOGIN_BASE_URL)')
}

/** `a, b,,a` → ['a', 'b']: a comma-separated list of ids, blanks and repeats dropped. */
export function idList (value: string): string[] {
  return [...new Set(value.split(',').map(s => s.trim()).filter(s => s !== ''))]
}

/** Genesys' documented range for a conversation's routing priority. */
export const MAX_PRIORITY = 25_000_000

function priority (value: string): number | null {
  const text = value.trim()
  if (text === '') return null
  const number = /^-?\d{1,8}$/.test(text) ? Number(text) : NaN
  if (!(Math.abs(number) <= MAX_PRIORITY)) {
    throw new Error(`HANDOFF_PRIORITY must be a whole number from -${MAX_PRIORITY} to ${MAX_PRIORITY} (or empty for the queue's default), not '${value}'`)
  }
  return number
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

/** Why the settings are unsafe for production (empty when they are fine). */
export function productionProblems (env: Env): string[] {
  const problems: string[] = []
  if (env.WEBHOOK_SECRET === '') problems.push('WEBHOOK_SECRET is required (unsigned webhooks would be accepted)')
  for (const [name, value] of [['GENESYS_API_BASE_URL', env.GENESYS_API_BASE_URL], ['GENESYS_LOGIN_BASE_URL', env.GENESYS_LOGIN_BASE_URL]] as const) {
    if (value !== undefined && value !== '' && !value.startsWith('https://')) problems.push(`${name} must be an https:// URL (the client secret and tokens would travel in clear)`)
  }
  if (env.SESSION_COOKIE_SECURE === false) problems.push('SESSION_COOKIE_SECURE=false would send operator session cookies over plain HTTP')
  const secrets: Array<[string, string, number]> = [
    ['WEBHOOK_SECRET', env.WEBHOOK_SECRET, MIN_TOKEN_LENGTH],
    ['SESSION_SECRET', env.SESSION_SECRET ?? '', 32],
    ['GENESYS_CLIENT_SECRET', env.GENESYS_CLIENT_SECRET, 0],
    ['ADMIN_TOKEN', env.ADMIN_TOKEN, MIN_TOKEN_LENGTH],
    ['METRICS_TOKEN', env.METRICS_TOKEN, MIN_TOKEN_LENGTH]
  ]
  for (const [name, value, minLength] of secrets) {
    if (value === '') continue
    const weak = weakSecret(value)
    if (weak !== null) problems.push(`${name} ${weak}`)
    else if (value.length < minLength) problems.push(`${name} must be at least ${minLength} characters`)
  }
  return problems
}

export function toAppConfig (env: Env): AppConfig {
  const production = env.NODE_ENV === 'production'
  checkRegion(env.GENESYS_REGION, env.GENESYS_API_BASE_URL, env.GENESYS_LOGIN_BASE_URL)
  if (production) {
    const problems = productionProblems(env)
    if (problems.length > 0) throw new Error(`Refusing to start with NODE_ENV=production: ${problems.join('; ')}`)
  }
  return {
    production,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    genesys: {
      clientId: env.GENESYS_CLIENT_ID,
      clientSecret: env.GENESYS_CLIENT_SECRET,
      region: env.GENESYS_REGION,
      apiBaseUrl: baseUrl('GENESYS_API_BASE_URL', env.GENESYS_API_BASE_URL, `api.${env.GENESYS_REGION}`),
      loginBaseUrl: baseUrl('GENESYS_LOGIN_BASE_URL', env.GENESYS_LOGIN_BASE_URL, `login.${env.GENESYS_REGION}`),
      maxRetries: env.GENESYS_MAX_RETRIES,
      requestTimeoutMs: env.GENESYS_REQUEST_TIMEOUT_MS,
      retryMaxDelayMs: env.GENESYS_RETRY_MAX_DELAY_MS,
      maxConnections: env.GENESYS_MAX_CONNECTIONS
    },
    handoff: {
      strategy: env.HANDOFF_STRATEGY,
      queueId: env.HANDOFF_QUEUE_ID,
      skillIds: idList(env.HANDOFF_SKILL_ID),
      priority: priority(env.HANDOFF_PRIORITY),
      languageId: env.HANDOFF_LANGUAGE_ID.trim() === '' ? null : env.HANDOFF_LANGUAGE_ID.trim(),
      deadlineMs: env.HANDOFF_DEADLINE_MS,
      threshold: env.INTENT_CONFIDENCE_THRESHOLD,
      queuePollIntervalMs: env.HANDOFF_QUEUE_POLL_INTERVAL_MS,
      context: {
        redact: env.HANDOFF_CONTEXT_REDACT,
        maxEvents: env.HANDOFF_CONTEXT_MAX_EVENTS,
        maxValueChars: env.HANDOFF_CONTEXT_MAX_VALUE_CHARS,
        maxTotalChars: env.HANDOFF_CONTEXT_MAX_TOTAL_CHARS
      }
    },
    history: {
      maxEvents: env.HISTORY_MAX_EVENTS,
      ttlSeconds: env.HISTORY_TTL_SECONDS,
      maxConversations: env.HISTORY_MAX_CONVERSATIONS,
      dedupeTtlSeconds: env.MESSAGE_DEDUPE_TTL_SECONDS
    },
    redis: redisConfig(env),
    session: {
      secret: env.SESSION_SECRET ?? '',
      cookieSecure: env.SESSION_COOKIE_SECURE ?? production
    },
    adminToken: env.ADMIN_TOKEN === '' ? null : env.ADMIN_TOKEN,
    webhookBodyLimit: env.WEBHOOK_BODY_LIMIT,
    docsEnabled: env.DOCS_ENABLED ?? !production,
    webhookSecret: env.WEBHOOK_SECRET === '' ? null : env.WEBHOOK_SECRET,
    webhook: {
      toleranceSeconds: env.WEBHOOK_TOLERANCE_SECONDS,
      requireTimestamp: env.WEBHOOK_REQUIRE_TIMESTAMP,
      requireMessageId: env.WEBHOOK_REQUIRE_MESSAGE_ID
    },
    metrics: {
      token: env.METRICS_TOKEN === '' ? null : env.METRICS_TOKEN,
      maxIntentLabels: env.METRICS_MAX_INTENT_LABELS
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    overload: {
      maxEventLoopDelayMs: env.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      sampleIntervalMs: env.OVERLOAD_SAMPLE_INTERVAL_MS,
      retryAfterSeconds: env.OVERLOAD_RETRY_AFTER_SECONDS
    }
  }
}
