// Digital Bot Connector v2 mode (BOT_URL set): the client to the team's bot and the service the routes use.
import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import { BotClient } from '../src/botconnector/client.js'
import { BotConnectorService } from '../src/botconnector/service.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** null when the Bot Connector mode is off */
    botConnector: BotConnectorService | null
  }
}

export interface BotConnectorPluginOptions {
  /** calls to the team's bot go through this dispatcher (tests: MockAgent) */
  dispatcher?: Dispatcher
  now?: () => number
}

export default fp<BotConnectorPluginOptions>(async (app, opts) => {
  const config = app.config.botConnector
  if (config === null) {
    app.decorate('botConnector', null)
    return
  }
  const client = new BotClient({
    baseUrl: config.botUrl,
    timeoutMs: config.timeoutMs,
    maxConnections: config.maxConnections,
    secret: config.botSecret,
    dispatcher: opts.dispatcher,
    telemetry: app.telemetry,
    now: opts.now
  })
  app.decorate('botConnector', new BotConnectorService({
    client,
    handoff: app.handoff,
    handoffIntent: config.handoffIntent,
    handoffOnUnavailable: config.handoffOnUnavailable,
    telemetry: app.telemetry,
    now: opts.now
  }))
  if (config.inbound === null) app.log.warn('BOT_CONNECTOR_SECRET is empty: Bot Connector calls are accepted from any caller (development only)')
  app.addHook('onClose', async () => { await client.close() })
}, { name: 'botconnector', dependencies: ['config', 'telemetry', 'handoff'] })
