// Settings come from the environment, are validated against EnvSchema and the checks in config-checks.ts
// (every problem collected, then reported at once), and are turned into one typed, nested AppConfig that the
// rest of the service reads.
import { Ajv } from 'ajv'
import { EnvSchema, type Env, type HandoffStrategyName } from './schemas/env.js'
import { baseUrl, botUrl, envProblems, parsePriority, redisConfig, regionProblem } from './config-checks.js'
import type { RedisTarget } from './store/redis-connection.js'
import { ConfigError, schemaProblems, type ConfigProblem, type SchemaError } from './config-problems.js'
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js'

export { EnvSchema, HANDOFF_STRATEGIES, type Env, type HandoffStrategyName } from './schemas/env.js'
export { SAMPLE_SECRETS, productionProblems } from './config-checks.js'
export { ConfigError, type ConfigProblem } from './config-problems.js'

export interface RedisConfig {
  target: RedisTarget
  keyPrefix: string
  commandTimeoutMs: number
  connectTimeoutMs: number
  /** replicas that must confirm an accepted event (WAIT) before it is acknowledged */
  waitReplicas: number
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
  /** fetch a token and read the handoff queue at startup */
  startupCheck: boolean
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
    /** the embedded store's estimated heap bytes at most */
    maxBytes: number
    /** how long a delivered messageId is remembered to drop redeliveries */
    dedupeTtlSeconds: number
    /** store message text as received instead of with card numbers and e-mail addresses masked */
    storeRawText: boolean
    /** decisions kept per conversation in its audit trail (0: none) */
    maxDecisions: number
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
  /** readiness answers 503 this long after SIGTERM before the listener closes */
  shutdownDrainMs: number
  /** the HTTP server's limits on slow and idle clients */
  server: {
    /** a whole request (headers and body) must arrive within this */
    requestTimeoutMs: number
    /** idle keep-alive connections are closed after this */
    keepAliveTimeoutMs: number
    /** open client connections at most (before the file-descriptor limit lowers it) */
    maxConnections: number
  }
  /** peers whose X-Forwarded-* headers are believed (TRUST_PROXY) */
  trustProxy: TrustProxy
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

/** Throws when the region is not one Genesys runs (unless both base URLs are overridden). */
export function checkRegion (region: string, apiBaseUrl?: string, loginBaseUrl?: string): void {
  const found = regionProblem(region, apiBaseUrl, loginBaseUrl)
  if (found !== null) throw new Error(found.text)
}

/** `a, b,,a` → ['a', 'b']: a comma-separated list of ids, blanks and repeats dropped. */
export function idList (value: string): string[] {
  return [...new Set(value.split(',').map(s => s.trim()).filter(s => s !== ''))]
}

// Coerces strings to the schema's types and fills defaults; reports every error, not the first.
const validateEnv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, allowUnionTypes: true, addUsedSchema: false })
  .compile(EnvSchema)
const ENV_NAMES = Object.keys(EnvSchema.properties)
// Settings required only in some modes: when (in the problem's text), and which mode needs what (said once).
const CONDITIONS = {
  SESSION_SECRET: 'when ADMIN_TOKEN is set (it signs the operator session cookies)',
  GENESYS_CLIENT_ID: 'unless HANDOFF_STRATEGY=flow',
  GENESYS_CLIENT_SECRET: 'unless HANDOFF_STRATEGY=flow'
}
const NOTES = { GENESYS_CLIENT_ID: MODE_REQUIREMENTS, GENESYS_CLIENT_SECRET: MODE_REQUIREMENTS }

/**
 * The configuration from raw variables (process.env and .env merged): validated, checked and converted, or a
 * ConfigError naming every bad variable.
 */
export function loadConfig (raw: Record<string, unknown>): AppConfig {
  const data: Record<string, unknown> = {}
  for (const name of ENV_NAMES) if (raw[name] !== undefined) data[name] = raw[name]
  const given = { ...data }
  const problems = validateEnv(data) ? [] : schemaProblems((validateEnv.errors ?? []) as SchemaError[], given, CONDITIONS, NOTES)
  const env = data as Env
  problems.push(...envProblems(env, new Set(problems.map(p => p.variable))))
  // In the order the variables are documented (.env.example follows the schema); production rules in their own order.
  const order = (p: ConfigProblem): number => p.kind === 'production' ? Infinity : ENV_NAMES.indexOf(p.variable)
  if (problems.length > 0) throw new ConfigError(problems.sort((a, b) => order(a) - order(b) || 0))
  return toAppConfig(env)
}

/** The AppConfig of a valid environment (throws ConfigError listing what the schema cannot check). */
export function toAppConfig (env: Env): AppConfig {
  const problems = envProblems(env)
  if (problems.length > 0) throw new ConfigError(problems)
  const production = env.NODE_ENV === 'production'
  const url = (name: string, override: string | undefined, host: string): string => {
    const found = baseUrl(name, override, host)
    if ('url' in found) return found.url
    throw new ConfigError([found])
  }
  const priority = parsePriority(env.HANDOFF_PRIORITY)
  return {
    production,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    genesys: {
      clientId: env.GENESYS_CLIENT_ID ?? '',
      clientSecret: env.GENESYS_CLIENT_SECRET ?? '',
      region: env.GENESYS_REGION,
      apiBaseUrl: url('GENESYS_API_BASE_URL', env.GENESYS_API_BASE_URL, `api.${env.GENESYS_REGION}`),
      loginBaseUrl: url('GENESYS_LOGIN_BASE_URL', env.GENESYS_LOGIN_BASE_URL, `login.${env.GENESYS_REGION}`),
      maxRetries: env.GENESYS_MAX_RETRIES,
      requestTimeoutMs: env.GENESYS_REQUEST_TIMEOUT_MS,
      retryMaxDelayMs: env.GENESYS_RETRY_MAX_DELAY_MS,
      maxConnections: env.GENESYS_MAX_CONNECTIONS,
      startupCheck: env.GENESYS_STARTUP_CHECK
    },
    handoff: {
      strategy: env.HANDOFF_STRATEGY,
      queueId: env.HANDOFF_QUEUE_ID,
      skillIds: idList(env.HANDOFF_SKILL_ID),
      priority: 'priority' in priority ? priority.priority : null,
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
      maxBytes: env.HISTORY_MAX_BYTES,
      dedupeTtlSeconds: env.MESSAGE_DEDUPE_TTL_SECONDS,
      storeRawText: env.STORE_RAW_TEXT,
      maxDecisions: env.HISTORY_MAX_DECISIONS
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
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    server: {
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: env.MAX_CONNECTIONS
    },
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
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
