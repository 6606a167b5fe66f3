import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import { GenesysTransport } from '../src/genesys/transport.js'
import { GenesysAuth } from '../src/genesys/auth.js'
import { GenesysClient } from '../src/genesys/client.js'

declare module 'fastify' {
  interface FastifyInstance {
    genesysAuth: GenesysAuth
    genesysClient: GenesysClient
  }
}

export interface GenesysAuthPluginOptions {
  /** send Genesys traffic through this dispatcher (tests pass a MockAgent) */
  dispatcher?: Dispatcher
  now?: () => number
}

export default fp<GenesysAuthPluginOptions>(async (app, opts) => {
  const { genesys } = app.config
  const { telemetry } = app
  const transport = new GenesysTransport({
    dispatcher: opts.dispatcher,
    maxConnections: genesys.maxConnections,
    requestTimeoutMs: genesys.requestTimeoutMs,
    maxRetries: genesys.maxRetries,
    retryMaxDelayMs: genesys.retryMaxDelayMs,
    telemetry,
    now: opts.now
  })
  const auth = new GenesysAuth({
    transport,
    loginBaseUrl: genesys.loginBaseUrl,
    clientId: genesys.clientId,
    clientSecret: genesys.clientSecret,
    telemetry,
    now: opts.now
  })
  app.decorate('genesysAuth', auth)
  app.decorate('genesysClient', new GenesysClient({ transport, auth, apiBaseUrl: genesys.apiBaseUrl, now: opts.now }))
  app.addHook('onClose', async () => { await transport.close() })
}, { name: 'genesys-auth', dependencies: ['config', 'telemetry'] })
