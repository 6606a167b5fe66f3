import { openSync } from 'node:fs'
import pino, { type BaseLogger, type Logger } from 'pino'
import { HttpError } from './errors.js'

/** What the domain modules log through (a request's child logger in the service). */
export type Log = Pick<BaseLogger, 'error' | 'warn' | 'info' | 'debug'>

// Keys that may hold a credential, censored wherever they appear under the containers below (or at the top
// of a log line). Paths are spelled out rather than wildcards: pino's `*.x` paths cost ~33 µs on every log
// line (measured, 32 paths), exact ones next to nothing.
const SECRET_KEYS = [
  'authorization', 'cookie', '["x-hub-signature-256"]', 'signature',
  // the default shared-secret headers (Data Actions, Bot Connector)
  '["x-handoff-secret"]', '["x-bot-connector-secret"]',
  'clientSecret', 'client_secret', 'accessToken', 'access_token', 'token', 'secret',
  'sessionSecret', 'adminToken', 'webhookSecret', 'metricsToken', 'webhookSharedSecret', 'botSecret', 'inbound'
]
const CONTAINERS = [
  '', 'headers', 'req', 'req.headers', 'request', 'request.headers', 'res.headers', 'response', 'response.headers',
  'body', 'err', 'options', 'opts',
  // the AppConfig, logged whole or under `config`
  'genesys', 'session', 'metrics', 'botConnector', 'config', 'config.genesys', 'config.session', 'config.metrics', 'config.botConnector'
]

function path (container: string, key: string): string {
  if (container === '') return key
  return key.startsWith('[') ? container + key : `${container}.${key}`
}

export const REDACT_PATHS = [
  ...CONTAINERS.flatMap(container => SECRET_KEYS.map(key => path(container, key))),
  // a Redis URL may carry a password; a Redis error may carry the command's arguments
  ...['url', 'password', 'sentinelPassword'].flatMap(key => [`redis.target.${key}`, `config.redis.target.${key}`]),
  'err.command', 'err.args'
]

export function loggerOptions (level: string): { level: string, redact: { paths: string[], censor: string } } {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }
  }
}

/** Bytes per write to the log destination (see createLogger). */
export const LOG_MAX_WRITE = 4096

/**
 * The service's logger: JSON lines to stdout (or `dest`), written asynchronously so a busy process batches
 * its writes instead of blocking on one write per line; pino flushes what is left when the process exits.
 */
export function createLogger (level: string, dest: number | string = 1): Logger {
  // A file is opened here, synchronously, so the destination is ready even if the process exits at once.
  const fd = typeof dest === 'number' ? dest : openSync(dest, 'a')
  // maxWrite: while a write is in flight, sonic-boom appends each new line to a pending string and measures
  // that whole string again (Buffer.byteLength) per line; at its 16 KB default that was 4% of the webhook's
  // CPU. 4 KB chunks (PIPE_BUF: atomic on a pipe) keep the measuring cheap; a longer line is still written whole.
  return pino(loggerOptions(level), pino.destination({ dest: fd, sync: false, maxWrite: LOG_MAX_WRITE }))
}

/**
 * An error as log fields: an expected failure (HttpError: a Genesys refusal, an outage, an ended
 * conversation) by its code and message, without a stack; anything else whole, stack included.
 */
export function errorFields (err: unknown): Record<string, unknown> {
  if (err instanceof HttpError) return { errorCode: err.code, error: err.message }
  return { err }
}
