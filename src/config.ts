// Settings come from the environment (validated by @fastify/env against this schema) and are turned into
// one typed, nested AppConfig that the rest of the service reads.
import { GENESYS_REGIONS, isGenesysRegion } from './genesys/regions.js'
import type { Env, HandoffStrategyName } from './schemas/env.js'
import { productionProblems } from './production-checks.js'

export { EnvSchema, HANDOFF_STRATEGIES, type Env, type HandoffStrategyName } from './schemas/env.js'

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

/** A secret a caller sends in a header of this name, compared in constant time. */
export interface HeaderSecret {
  /** lower-case header name */
  header: string
  secret: string
}

export interface BotConnectorConfig {
  /** the team's bot, itself a Bot Connector v2 service: its Bot Connector URI (…/bots, …/messages below it) */
  botUrl: string
  timeoutMs: number
  maxConnections: number
  /** sent to the team's bot with every call; null sends none */
  botSecret: HeaderSecret | null
  /** what Genesys' integration must send; null accepts any caller (development only) */
  inbound: HeaderSecret | null
  /** the header Genesys' integration sends its secret in (named in the docs and the 403 message) */
  inboundHeader: string
  /** bot down, slow, failing or answering garbage: hand off (true) or answer Failed */
  handoffOnUnavailable: boolean
  /** the intent Complete answers carry when the service hands off */
  handoffIntent: string
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
  /** a shared-secret header accepted beside the signature (Genesys Data Actions cannot sign); null: none */
  webhookSharedSecret: HeaderSecret | null
  /** Digital Bot Connector v2 mode (BOT_URL set); null: off */
  botConnector: BotConnectorConfig | null
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

function botUrl (url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`BOT_URL is not a valid URL: ${url}`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`BOT_URL must be an http(s) URL: ${url}`)
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') {
    throw new Error('BOT_URL must be a plain base URL (no credentials, query or fragment); the bot\'s secret goes in BOT_SECRET')
  }
  return url.replace(/\/+$/, '')
}

function headerSecret (header: string, secret: string): HeaderSecret | null {
  return secret === '' ? null : { header: header.toLowerCase(), secret }
}

/** Whether this strategy calls the Genesys Platform API (and so needs an OAuth client). */
export function needsOAuthClient (strategy: HandoffStrategyName): boolean {
  return strategy !== 'flow'
}

/** What each way in needs, for configuration errors about the OAuth client. */
export const MODE_REQUIREMENTS = 'HANDOFF_STRATEGY=platform-api or routing-metadata calls the Genesys Platform API and needs ' +
  'GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET (an OAuth client-credentials client); the flow-based ways in ' +
  '(Bot Connector mode with BOT_URL, or a Data Action with HANDOFF_STRATEGY=flow) need no OAuth client: set HANDOFF_STRATEGY=flow'

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

export function toAppConfig (env: Env): AppConfig {
  const production = env.NODE_ENV === 'production'
  checkRegion(env.GENESYS_REGION, env.GENESYS_API_BASE_URL, env.GENESYS_LOGIN_BASE_URL)
  // The schema already requires these; this keeps the rule true for callers that build an Env themselves.
  if (needsOAuthClient(env.HANDOFF_STRATEGY) && ((env.GENESYS_CLIENT_ID ?? '') === '' || (env.GENESYS_CLIENT_SECRET ?? '') === '')) {
    throw new Error(`GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET are missing: ${MODE_REQUIREMENTS}`)
  }
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
      clientId: env.GENESYS_CLIENT_ID ?? '',
      clientSecret: env.GENESYS_CLIENT_SECRET ?? '',
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
      secret: env.SESSION_SECRET ?? '',
      cookieSecure: env.SESSION_COOKIE_SECURE ?? production
    },
    adminToken: env.ADMIN_TOKEN === '' ? null : env.ADMIN_TOKEN,
    webhookBodyLimit: env.WEBHOOK_BODY_LIMIT,
    docsEnabled: env.DOCS_ENABLED ?? !production,
    webhookSecret: env.WEBHOOK_SECRET === '' ? null : env.WEBHOOK_SECRET,
    webhookSharedSecret: headerSecret(env.WEBHOOK_SHARED_SECRET_HEADER, env.WEBHOOK_SHARED_SECRET),
    botConnector: env.BOT_URL === ''
      ? null
      : {
          botUrl: botUrl(env.BOT_URL),
          timeoutMs: env.BOT_TIMEOUT_MS,
          maxConnections: env.BOT_MAX_CONNECTIONS,
          botSecret: headerSecret(env.BOT_SECRET_HEADER, env.BOT_SECRET),
          inbound: headerSecret(env.BOT_CONNECTOR_SECRET_HEADER, env.BOT_CONNECTOR_SECRET),
          inboundHeader: env.BOT_CONNECTOR_SECRET_HEADER.toLowerCase(),
          handoffOnUnavailable: env.BOT_UNAVAILABLE_HANDOFF,
          handoffIntent: env.HANDOFF_INTENT
        },
    metrics: {
      token: env.METRICS_TOKEN === '' ? null : env.METRICS_TOKEN,
      maxIntentLabels: env.METRICS_MAX_INTENT_LABELS
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    overload: {
      maxEventLoopDelayMs: env.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      sampleIntervalMs: env.OVERLOAD_SAMPLE_INTERVAL_MS,
      retryAfterSeconds: env.OVERLOAD_RETRY_AFTER_SECONDS
    }
  }
}
