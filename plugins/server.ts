// Process entry: configure logging, listen, and close gracefully on SIGTERM/SIGINT: stop accepting, let
// in-flight webhooks and handoffs finish within SHUTDOWN_GRACE_MS, close the store, exit 0 (1 if the grace
// period runs out or closing fails).
import closeWithGrace from 'close-with-grace'
import type { Logger } from 'pino'
import { build } from './app.js'
import { createLogger } from '../src/logger.js'
import { ConfigError } from '../src/config.js'
import { LOG_LEVELS } from '../src/schemas/env.js'

export async function start (log: Logger): Promise<void> {
  const app = await build({ loggerInstance: log })
  app.log.level = app.config.logLevel
  closeWithGrace({
    delay: app.config.shutdownGraceMs,
    // SIGHUP reloads the escalation policy files (plugins/policy.ts) instead of closing.
    skip: app.policy.files.length > 0 ? ['SIGHUP'] : [],
    logger: { error: (message: unknown) => { log.error(typeof message === 'string' ? message : { err: message }, 'shutdown problem') } },
    onTimeout: (delay: number) => { log.error({ graceMs: delay }, 'shutdown grace period ran out; exiting with requests still in flight') }
  }, async ({ signal, err }) => {
    if (err !== undefined) log.error({ err }, 'closing after an error')
    else log.info({ signal, graceMs: app.config.shutdownGraceMs }, 'closing: no new connections, waiting for requests in flight')
    // Fastify stops listening, waits for in-flight requests, then runs onClose hooks (store, Genesys pool).
    await app.close()
    log.info('closed')
    // Log writes are asynchronous and close-with-grace exits next: a write still in flight at exit is lost
    // (pino's exit hook only writes what has not started), so wait until every line is out.
    await new Promise<void>(resolve => { log.flush(() => { resolve() }) })
  })
  await app.listen({ port: app.config.port, host: app.config.host })
}

/** A startup failure as a log line (every configuration problem listed) and as plain text on stderr. */
function reportStartupFailure (log: Logger, err: unknown): void {
  if (err instanceof ConfigError) log.fatal({ problems: err.problems.map(p => p.text) }, err.message)
  else log.fatal({ err }, 'startup failed')
  console.error(err instanceof Error ? err.message : err)
}

// Built before the configuration is read, so configuration errors are log lines too; an invalid LOG_LEVEL is
// reported with the other problems instead of failing here.
const level = process.env.LOG_LEVEL
const log = createLogger(level !== undefined && (LOG_LEVELS as readonly string[]).includes(level) ? level : 'info')
start(log).catch((err: unknown) => {
  reportStartupFailure(log, err)
  // Asynchronous writes: let the line out before exiting.
  log.flush(() => process.exit(1))
})
