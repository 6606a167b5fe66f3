// Settings come from the environment (validated by @fastify/env against this schema) and are turned into
// one typed, nested AppConfig that the rest of the service reads.
import { GENESYS_REGIONS, isGenesysRegion } from './genesys/regions.js'

export const HANDOFF_STRATEGIES = ['platform-api', 'routing-metadata'] as const
export type HandoffStrategyName = typeof HANDOFF_STRATEGIES[number]

export const envSchema = {
  type: 'object',
  required: ['GENESYS_CLIENT_ID', 'GENESYS_CLIENT_SECRET', 'HANDOFF_QUEUE_ID', 'SESSION_SECRET'],
  properties: {
    NODE_ENV: { type: 'string', default: 'development' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    HOST: { type: 'string', default: '0.0.0.0' },
    LOG_LEVEL: {
      type: 'string',
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info'
    },
    GENESYS_CLIENT_ID: { type: 'string', minLength: 1 },
    GENESYS_CLIENT_SECRET: { type: 'string', minLength: 1 },
    GENESYS_REGION: { type: 'string', minLength: 1, default: 'mypurecloud.com' },
    GENESYS_API_BASE_URL: { type: 'string' },
    GENESYS_LOGIN_BASE_URL: { type: 'string' },
    GENESYS_MAX_RETRIES: { type: 'integer', minimum: 0, maximum: 10, default: 4 },
    GENESYS_REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 5000 },
    GENESYS_RETRY_MAX_DELAY_MS: { type: 'integer', minimum: 0, default: 10000 },
    GENESYS_MAX_CONNECTIONS: { type: 'integer', minimum: 1, default: 32 },
    HANDOFF_QUEUE_ID: { type: 'string', minLength: 1 },
    HANDOFF_STRATEGY: { type: 'string', enum: HANDOFF_STRATEGIES, default: 'platform-api' },
    HANDOFF_SKILL_ID: { type: 'string', default: '' },
    // A string so an empty value means "unset", as with the other optional settings.
    HANDOFF_PRIORITY: { type: 'string', default: '' },
    HANDOFF_LANGUAGE_ID: { type: 'string', default: '' },
    HANDOFF_DEADLINE_MS: { type: 'integer', minimum: 100, default: 15000 },
    HANDOFF_QUEUE_POLL_INTERVAL_MS: { type: 'integer', minimum: 10, maximum: 10000, default: 250 },
    HANDOFF_CONTEXT_REDACT: { type: 'boolean', default: true },
    HANDOFF_CONTEXT_MAX_EVENTS: { type: 'integer', minimum: 0, maximum: 100, default: 10 },
    HANDOFF_CONTEXT_MAX_VALUE_CHARS: { type: 'integer', minimum: 20, maximum: 10000, default: 500 },
    HANDOFF_CONTEXT_MAX_TOTAL_CHARS: { type: 'integer', minimum: 200, maximum: 50000, default: 4000 },
    INTENT_CONFIDENCE_THRESHOLD: { type: 'number', minimum: 0, maximum: 1, default: 0.75 },
    SESSION_SECRET: { type: 'string', minLength: 32 },
    SESSION_COOKIE_SECURE: { type: 'boolean' },
    ADMIN_TOKEN: { type: 'string', default: '' },
    HISTORY_MAX_EVENTS: { type: 'integer', minimum: 1, maximum: 10000, default: 50 },
    HISTORY_TTL_SECONDS: { type: 'integer', minimum: 1, default: 86400 },
    HISTORY_MAX_CONVERSATIONS: { type: 'integer', minimum: 1, default: 200000 },
    WEBHOOK_BODY_LIMIT: { type: 'integer', minimum: 1024, default: 65536 },
    DOCS_ENABLED: { type: 'boolean' },
    MESSAGE_DEDUPE_TTL_SECONDS: { type: 'integer', minimum: 1, default: 3600 },
    REDIS_URL: { type: 'string', default: '' },
    REDIS_KEY_PREFIX: { type: 'string', minLength: 1, maxLength: 100, default: 'handoff:' },
    REDIS_COMMAND_TIMEOUT_MS: { type: 'integer', minimum: 50, default: 1000 },
    REDIS_CONNECT_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 3000 },
    WEBHOOK_SECRET: { type: 'string', default: '' },
    METRICS_TOKEN: { type: 'string', default: '' },
    METRICS_MAX_INTENT_LABELS: { type: 'integer', minimum: 0, maximum: 1000, default: 50 },
    SHUTDOWN_GRACE_MS: { type: 'integer', minimum: 0, default: 25000 },
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: { type: 'integer', minimum: 0, default: 1000 },
    OVERLOAD_SAMPLE_INTERVAL_MS: { type: 'integer', minimum: 10, default: 1000 },
    OVERLOAD_RETRY_AFTER_SECONDS: { type: 'integer', minimum: 1, default: 10 },
    // --- escalation policy ---
    POLICY_FILE: { type: 'string', default: '' },
    SHADOW_POLICY_FILE: { type: 'string', default: '' }
    // --- end escalation policy ---
  }
} as const

export interface Env {
  NODE_ENV: string
  PORT: number
  HOST: string
  LOG_LEVEL: string
  GENESYS_CLIENT_ID: string
  GENESYS_CLIENT_SECRET: string
  GENESYS_REGION: string
  GENESYS_API_BASE_URL?: string
  GENESYS_LOGIN_BASE_URL?: string
  GENESYS_MAX_RETRIES: number
  GENESYS_REQUEST_TIMEOUT_MS: number
  GENESYS_RETRY_MAX_DELAY_MS: number
  GENESYS_MAX_CONNECTIONS: number
  HANDOFF_QUEUE_ID: string
  HANDOFF_STRATEGY: HandoffStrategyName
  HANDOFF_SKILL_ID: string
  HANDOFF_PRIORITY: string
  HANDOFF_LANGUAGE_ID: string
  HANDOFF_DEADLINE_MS: number
  HANDOFF_QUEUE_POLL_INTERVAL_MS: number
  HANDOFF_CONTEXT_REDACT: boolean
  HANDOFF_CONTEXT_MAX_EVENTS: number
  HANDOFF_CONTEXT_MAX_VALUE_CHARS: number
  HANDOFF_CONTEXT_MAX_TOTAL_CHARS: number
  INTENT_CONFIDENCE_THRESHOLD: number
  SESSION_SECRET: string
  SESSION_COOKIE_SECURE?: boolean
  ADMIN_TOKEN: string
  HISTORY_MAX_EVENTS: number
  HISTORY_TTL_SECONDS: number
  HISTORY_MAX_CONVERSATIONS: number
  WEBHOOK_BODY_LIMIT: number
  DOCS_ENABLED?: boolean
  MESSAGE_DEDUPE_TTL_SECONDS: number
  REDIS_URL: string
  REDIS_KEY_PREFIX: string
  REDIS_COMMAND_TIMEOUT_MS: number
  REDIS_CONNECT_TIMEOUT_MS: number
  WEBHOOK_SECRET: string
  METRICS_TOKEN: string
  METRICS_MAX_INTENT_LABELS: number
  SHUTDOWN_GRACE_MS: number
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: number
  OVERLOAD_SAMPLE_INTERVAL_MS: number
  OVERLOAD_RETRY_AFTER_SECONDS: number
  POLICY_FILE: string
  SHADOW_POLICY_FILE: string
}

export interface RedisConfig {
  url: string
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
    secret: string
    cookieSecure: boolean
  }
  adminToken: string | null
  webhookBodyLimit: number
  docsEnabled: boolean
  /** HMAC key for X-Hub-Signature-256; null accepts unsigned webhooks (development only) */
  webhookSecret: string | null
  metrics: {
    /** bearer token GET /metrics requires; null leaves it open */
    token: string | null
    /** distinct intent label values before the rest count as "other" */
    maxIntentLabels: number
  }
  shutdownGraceMs: number
  overload: {
    /** 0 disables the check */
    maxEventLoopDelayMs: number
    sampleIntervalMs: number
    retryAfterSeconds: number
  }
  /** escalation policy files (JSON or YAML); null: today's single threshold / no shadow */
  policy: {
    file: string | null
    shadowFile: string | null
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

function priority (value: string): number | null {
  const text = value.trim()
  if (text === '') return null
  if (!/^\d{1,8}$/.test(text)) throw new Error(`HANDOFF_PRIORITY must be a whole number from 0 (or empty for the queue's default), not '${value}'`)
  return Number(text)
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
  if (env.SESSION_SECRET.length < 32) problems.push('SESSION_SECRET must be at least 32 characters')
  for (const [name, value] of [['GENESYS_API_BASE_URL', env.GENESYS_API_BASE_URL], ['GENESYS_LOGIN_BASE_URL', env.GENESYS_LOGIN_BASE_URL]] as const) {
    if (value !== undefined && value !== '' && !value.startsWith('https://')) problems.push(`${name} must be an https:// URL (the client secret and tokens would travel in clear)`)
  }
  if (env.SESSION_COOKIE_SECURE === false) problems.push('SESSION_COOKIE_SECURE=false would send operator session cookies over plain HTTP')
  const secrets: Array<[string, string, number]> = [
    ['WEBHOOK_SECRET', env.WEBHOOK_SECRET, MIN_TOKEN_LENGTH],
    ['SESSION_SECRET', env.SESSION_SECRET, 32],
    ['GENESYS_CLIENT_SECRET', env.GENESYS_CLIENT_SECRET, 0],
    ['ADMIN_TOKEN', env.ADMIN_TOKEN, MIN_TOKEN_LENGTH],
    ['METRICS_TOKEN', env.METRICS_TOKEN, MIN_TOKEN_LENGTH]
  ]
  for (const [name, value, minLength] of secrets) {
    if (value === '') continue
    const weak = weakSecret(value)
    if (weak !== null) problems.push(`${name} ${weak}`)
    else if (value.length < minLength && name !== 'SESSION_SECRET') problems.push(`${name} must be at least ${minLength} characters`)
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
    redis: env.REDIS_URL === ''
      ? null
      : {
          url: redisUrl(env.REDIS_URL),
          keyPrefix: env.REDIS_KEY_PREFIX,
          commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
          connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS
        },
    session: {
      secret: env.SESSION_SECRET,
      cookieSecure: env.SESSION_COOKIE_SECURE ?? production
    },
    adminToken: env.ADMIN_TOKEN === '' ? null : env.ADMIN_TOKEN,
    webhookBodyLimit: env.WEBHOOK_BODY_LIMIT,
    docsEnabled: env.DOCS_ENABLED ?? !production,
    webhookSecret: env.WEBHOOK_SECRET === '' ? null : env.WEBHOOK_SECRET,
    metrics: {
      token: env.METRICS_TOKEN === '' ? null : env.METRICS_TOKEN,
      maxIntentLabels: env.METRICS_MAX_INTENT_LABELS
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    overload: {
      maxEventLoopDelayMs: env.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      sampleIntervalMs: env.OVERLOAD_SAMPLE_INTERVAL_MS,
      retryAfterSeconds: env.OVERLOAD_RETRY_AFTER_SECONDS
    },
    policy: {
      file: env.POLICY_FILE.trim() === '' ? null : env.POLICY_FILE.trim(),
      shadowFile: env.SHADOW_POLICY_FILE.trim() === '' ? null : env.SHADOW_POLICY_FILE.trim()
    }
  }
}
