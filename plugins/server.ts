// Process entry: configure logging, listen, and close gracefully on SIGTERM/SIGINT: stop accepting, let
// in-flight webhooks and handoffs finish within SHUTDOWN_GRACE_MS, close the store, exit 0 (1 if the grace
// period runs out or closing fails).
import closeWithGrace from 'close-with-grace'
import { build } from './app.js'
import { createLogger } from '../src/logger.js'

export async function start (): Promise<void> {
  const app = await build({ loggerInstance: createLogger(process.env.LOG_LEVEL ?? 'info') })
  app.log.level = app.config.logLevel
  const log = app.log
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
  })
  await app.listen({ port: app.config.port, host: app.config.host })
}

start().catch((err: unknown) => {
  // Configuration errors land here before the logger exists.
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
