// Settings that are fine for a trial but unsafe in production: missing authentication, sample or weak
// secrets, credentials over plain HTTP. NODE_ENV=production refuses to start with any of them.
import type { Env } from './schemas/env.js'

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
  if (env.WEBHOOK_SECRET === '' && env.WEBHOOK_SHARED_SECRET === '') {
    problems.push('WEBHOOK_SECRET or WEBHOOK_SHARED_SECRET is required (unauthenticated webhooks would be accepted)')
  }
  if (env.BOT_URL !== '' && env.BOT_CONNECTOR_SECRET === '') {
    problems.push('BOT_CONNECTOR_SECRET is required when BOT_URL turns the Bot Connector mode on (any caller could drive the bot and trigger handoffs)')
  }
  for (const [name, value] of [['GENESYS_API_BASE_URL', env.GENESYS_API_BASE_URL], ['GENESYS_LOGIN_BASE_URL', env.GENESYS_LOGIN_BASE_URL]] as const) {
    if (value !== undefined && value !== '' && !value.startsWith('https://')) problems.push(`${name} must be an https:// URL (the client secret and tokens would travel in clear)`)
  }
  if (env.SESSION_COOKIE_SECURE === false) problems.push('SESSION_COOKIE_SECURE=false would send operator session cookies over plain HTTP')
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
    if (value === '') continue
    const weak = weakSecret(value)
    if (weak !== null) problems.push(`${name} ${weak}`)
    else if (value.length < minLength) problems.push(`${name} must be at least ${minLength} characters`)
  }
  return problems
}
