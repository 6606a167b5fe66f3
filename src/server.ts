// Process entry: configure logging, listen, and close gracefully on SIGTERM/SIGINT.
import closeWithGrace from 'close-with-grace'
import { build } from './app.js'
import { loggerOptions } from './logger.js'

export async function start (): Promise<void> {
  const app = await build({ logger: loggerOptions(process.env.LOG_LEVEL ?? 'info') })
  app.log.level = app.config.logLevel
  closeWithGrace({ delay: app.config.handoff.deadlineMs + 1000 }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an error')
    else app.log.info({ signal }, 'closing')
    await app.close()
  })
  await app.listen({ port: app.config.port, host: app.config.host })
}

start().catch((err: unknown) => {
  // Configuration errors land here before the logger exists.
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
