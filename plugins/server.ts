// Process entry: configure logging, listen, and shut down gracefully on SIGTERM/SIGINT: readiness fails for
// SHUTDOWN_DRAIN_MS while the listener still accepts (load balancers stop sending), then the listener closes
// and in-flight webhooks and handoffs get SHUTDOWN_GRACE_MS to finish; the store closes and the process exits 0.
// If the grace period runs out, the remaining connections are cut, the handoff claims still held are released
// (another instance takes over at once) and the process exits 1.
import closeWithGrace from 'close-with-grace'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { build } from './app.js'
import { createLogger } from '../src/logger.js'
import { ConfigError } from '../src/config.js'
import { LOG_LEVELS } from '../src/schemas/env.js'
import { VERIFY_WINDOW_MS } from '../src/strategies/platform-api.js'

/** Time close-with-grace allows beyond drain and grace for releasing claims before it exits anyway. */
const RELEASE_MS = 2000

/** Closes the app within graceMs; false if the grace period ran out first. */
async function closeWithin (app: FastifyInstance, graceMs: number): Promise<boolean> {
  const closed = app.close().then(() => true)
  const timer = new AbortController()
  try {
    return await Promise.race([closed, sleep(graceMs, false, { signal: timer.signal })])
  } finally {
    timer.abort()
  }
}

export async function start (log: Logger): Promise<void> {
  const app = await build({ loggerInstance: log })
  app.log.level = app.config.logLevel
  const { shutdownDrainMs: drainMs, shutdownGraceMs: graceMs } = app.config
  closeWithGrace({
    delay: drainMs + graceMs + RELEASE_MS,
    // SIGHUP reloads the escalation policy files (plugins/policy.ts) instead of closing.
    skip: app.policy.files.length > 0 ? ['SIGHUP'] : [],
    logger: { error: (message: unknown) => { log.error(typeof message === 'string' ? message : { err: message }, 'shutdown problem') } },
    onTimeout: (delay: number) => { log.error({ delayMs: delay }, 'shutdown did not finish; exiting') }
  }, async ({ signal, err }) => {
    if (err !== undefined) {
      log.error({ err }, 'closing after an error')
    } else {
      log.info({ signal, drainMs }, 'draining: readiness answers 503 so load balancers stop sending')
      await app.shutdown.drain()
    }
    log.info({ graceMs }, 'closing: no new connections, waiting for requests in flight')
    // Fastify stops listening, waits for in-flight requests, then runs onClose hooks (store, Genesys pool).
    if (await closeWithin(app, graceMs)) {
      log.info('closed')
      // Log writes are asynchronous and close-with-grace exits next: a write still in flight at exit is lost
      // (pino's exit hook only writes what has not started), so wait until every line is out.
      await new Promise<void>(resolve => { log.flush(() => { resolve() }) })
      return
    }
    // Before the connections are cut: that would let close() go on to close the store. A transfer sent just
    // before may still be in Genesys' hands, so each claim is held for the transfer-check window.
    const released = await app.handoff.releaseClaims(VERIFY_WINDOW_MS)
    app.server.closeAllConnections()
    log.error({ graceMs, releasedClaims: released }, 'shutdown grace period ran out; exiting with requests still in flight')
    await new Promise<never>(() => { log.flush(() => process.exit(1)) })
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
