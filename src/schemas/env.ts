// The environment the service is configured from, validated at startup (src/config.ts loadConfig). Required
// settings have no default; SESSION_SECRET is required only when ADMIN_TOKEN turns the operator routes on, and
// the Genesys OAuth client only when a handoff strategy calls the Platform API (flow needs none).
import { Type, type Static } from 'typebox'

export const HANDOFF_STRATEGIES = ['platform-api', 'routing-metadata', 'flow'] as const
export type HandoffStrategyName = typeof HANDOFF_STRATEGIES[number]

/** An HTTP header name (token characters), as an integration's credential field names one. */
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export const EnvSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  LOG_LEVEL: Type.Enum(LOG_LEVELS, { default: 'info' }),
  // Empty means unset, as with the other optional settings; the Platform API strategies require both (below).
  GENESYS_CLIENT_ID: Type.Optional(Type.String()),
  GENESYS_CLIENT_SECRET: Type.Optional(Type.String()),
  GENESYS_REGION: Type.String({ minLength: 1, default: 'mypurecloud.com' }),
  GENESYS_API_BASE_URL: Type.Optional(Type.String()),
  GENESYS_LOGIN_BASE_URL: Type.Optional(Type.String()),
  GENESYS_MAX_RETRIES: Type.Integer({ minimum: 0, maximum: 10, default: 4 }),
  GENESYS_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5000 }),
  GENESYS_RETRY_MAX_DELAY_MS: Type.Integer({ minimum: 0, default: 10000 }),
  GENESYS_MAX_CONNECTIONS: Type.Integer({ minimum: 1, default: 32 }),
  // Fetch a token and read the handoff queue at startup (skipped when no OAuth client is configured).
  GENESYS_STARTUP_CHECK: Type.Boolean({ default: true }),
  HANDOFF_QUEUE_ID: Type.String({ minLength: 1 }),
  HANDOFF_STRATEGY: Type.Enum(HANDOFF_STRATEGIES, { default: 'platform-api' }),
  HANDOFF_SKILL_ID: Type.String({ default: '' }),
  // A string so an empty value means "unset", as with the other optional settings.
  HANDOFF_PRIORITY: Type.String({ default: '' }),
  HANDOFF_LANGUAGE_ID: Type.String({ default: '' }),
  HANDOFF_DEADLINE_MS: Type.Integer({ minimum: 100, default: 15000 }),
  HANDOFF_QUEUE_POLL_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 10000, default: 250 }),
  HANDOFF_CONTEXT_REDACT: Type.Boolean({ default: true }),
  HANDOFF_CONTEXT_MAX_EVENTS: Type.Integer({ minimum: 0, maximum: 100, default: 10 }),
  HANDOFF_CONTEXT_MAX_VALUE_CHARS: Type.Integer({ minimum: 20, maximum: 10000, default: 500 }),
  HANDOFF_CONTEXT_MAX_TOTAL_CHARS: Type.Integer({ minimum: 200, maximum: 50000, default: 4000 }),
  INTENT_CONFIDENCE_THRESHOLD: Type.Number({ minimum: 0, maximum: 1, default: 0.75 }),
  SESSION_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  SESSION_COOKIE_SECURE: Type.Optional(Type.Boolean()),
  ADMIN_TOKEN: Type.String({ default: '' }),
  HISTORY_MAX_EVENTS: Type.Integer({ minimum: 1, maximum: 10000, default: 50 }),
  HISTORY_TTL_SECONDS: Type.Integer({ minimum: 1, default: 86400 }),
  HISTORY_MAX_CONVERSATIONS: Type.Integer({ minimum: 1, default: 200000 }),
  // The embedded store's bound in estimated heap bytes: histories, dedupe markers, audit trails and the handoff table.
  HISTORY_MAX_BYTES: Type.Integer({
    minimum: 1048576,
    default: 134217728,
    description: 'embedded store: estimated heap bytes at most (a quarter for handoff claims and records, the rest for histories)'
  }),
  WEBHOOK_BODY_LIMIT: Type.Integer({ minimum: 1024, default: 65536 }),
  DOCS_ENABLED: Type.Optional(Type.Boolean()),
  MESSAGE_DEDUPE_TTL_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  // Keep message text as received; by default card numbers and e-mail addresses are masked before storing.
  STORE_RAW_TEXT: Type.Boolean({ default: false }),
  REDIS_URL: Type.String({ default: '' }),
  REDIS_KEY_PREFIX: Type.String({ minLength: 1, maxLength: 100, default: 'handoff:' }),
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 1000 }),
  REDIS_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 3000 }),
  // Replicas that must hold an event before its webhook is answered (Redis WAIT); auto: 1 with Sentinel, else 0.
  REDIS_WAIT_REPLICAS: Type.String({ pattern: '^(auto|[0-9]|1[0-6])$', default: 'auto' }),
  // --- Redis topology: at most one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS (src/store/redis-connection.ts) ---
  REDIS_CLUSTER_NODES: Type.String({ default: '' }),
  REDIS_SENTINELS: Type.String({ default: '' }),
  REDIS_SENTINEL_NAME: Type.String({ default: '' }),
  REDIS_USERNAME: Type.String({ default: '' }),
  REDIS_PASSWORD: Type.String({ default: '' }),
  REDIS_SENTINEL_PASSWORD: Type.String({ default: '' }),
  // --- end Redis topology ---
  WEBHOOK_SECRET: Type.String({ default: '' }),
  // Replay protection for signed webhooks (see src/webhook-signature.ts)
  WEBHOOK_TOLERANCE_SECONDS: Type.Integer({ minimum: 1, maximum: 86400, default: 300 }),
  WEBHOOK_REQUIRE_TIMESTAMP: Type.Boolean({ default: false }),
  WEBHOOK_REQUIRE_MESSAGE_ID: Type.Boolean({ default: false }),
  WEBHOOK_SHARED_SECRET: Type.String({ default: '' }),
  WEBHOOK_SHARED_SECRET_HEADER: Type.String({ pattern: HEADER_NAME, default: 'x-handoff-secret' }),
  BOT_URL: Type.String({ default: '' }),
  BOT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 55000, default: 8000 }),
  BOT_MAX_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 1024, default: 32 }),
  BOT_SECRET: Type.String({ default: '' }),
  BOT_SECRET_HEADER: Type.String({ pattern: HEADER_NAME, default: 'x-bot-connector-secret' }),
  BOT_CONNECTOR_SECRET: Type.String({ default: '' }),
  BOT_CONNECTOR_SECRET_HEADER: Type.String({ pattern: HEADER_NAME, default: 'x-bot-connector-secret' }),
  BOT_UNAVAILABLE_HANDOFF: Type.Boolean({ default: true }),
  HANDOFF_INTENT: Type.String({ minLength: 1, maxLength: 200, default: 'handoff' }),
  METRICS_TOKEN: Type.String({ default: '' }),
  METRICS_MAX_INTENT_LABELS: Type.Integer({ minimum: 0, maximum: 1000, default: 50 }),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 25000 }),
  // On SIGTERM, readiness answers 503 this long before the listener closes (load balancers stop sending).
  SHUTDOWN_DRAIN_MS: Type.Integer({ minimum: 0, default: 5000 }),
  // A whole request (headers and body) must arrive within this, or it gets 408 and its socket is closed.
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 30000 }),
  // An idle keep-alive connection is closed after this; keep it above the load balancer's idle timeout.
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 72000 }),
  // Open client connections at most (lowered to fit the process's file-descriptor limit); more are refused.
  MAX_CONNECTIONS: Type.Integer({ minimum: 1, default: 1024 }),
  // true, false, a hop count, or proxy IPs/CIDRs (comma-separated); read by src/trust-proxy.ts
  TRUST_PROXY: Type.String({ default: '' }),
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1000 }),
  OVERLOAD_SAMPLE_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  OVERLOAD_RETRY_AFTER_SECONDS: Type.Integer({ minimum: 1, default: 10 }),
  // --- escalation policy ---
  POLICY_FILE: Type.String({ default: '' }),
  SHADOW_POLICY_FILE: Type.String({ default: '' }),
  HISTORY_MAX_DECISIONS: Type.Integer({ minimum: 0, maximum: 10000, default: 50 })
  // --- end escalation policy ---
}, {
  allOf: [
    // Operator routes (ADMIN_TOKEN) sign their session cookies with SESSION_SECRET.
    { if: { properties: { ADMIN_TOKEN: { type: 'string', minLength: 1 } }, required: ['ADMIN_TOKEN'] }, then: { required: ['SESSION_SECRET'] } },
    // Only the Platform API strategies need an OAuth client; with flow, Architect transfers.
    {
      if: { properties: { HANDOFF_STRATEGY: { const: 'flow' } }, required: ['HANDOFF_STRATEGY'] },
      else: {
        required: ['GENESYS_CLIENT_ID', 'GENESYS_CLIENT_SECRET'],
        properties: { GENESYS_CLIENT_ID: { type: 'string', minLength: 1 }, GENESYS_CLIENT_SECRET: { type: 'string', minLength: 1 } }
      }
    }
  ]
})
export type Env = Static<typeof EnvSchema>
