import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import { GenesysHttp } from '../src/genesys/http.js'
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
  const http = new GenesysHttp({
    dispatcher: opts.dispatcher,
    maxConnections: genesys.maxConnections,
    requestTimeoutMs: genesys.requestTimeoutMs,
    maxRetries: genesys.maxRetries,
    retryMaxDelayMs: genesys.retryMaxDelayMs,
    onCall: (call) => { app.metrics.genesysCall(call.method, call.url, call.status) },
    now: opts.now
  })
  const auth = new GenesysAuth({
    http,
    loginBaseUrl: genesys.loginBaseUrl,
    clientId: genesys.clientId,
    clientSecret: genesys.clientSecret,
    now: opts.now
  })
  app.metrics.countTokenFetches(() => auth.tokenRequests)
  app.decorate('genesysAuth', auth)
  app.decorate('genesysClient', new GenesysClient({ http, auth, apiBaseUrl: genesys.apiBaseUrl }))
  app.addHook('onClose', async () => { await http.close() })
}, { name: 'genesys-auth', dependencies: ['config', 'metrics'] })
