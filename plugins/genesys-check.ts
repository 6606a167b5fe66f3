// Checks Genesys once the service listens (not for inject-only instances such as tests or the OpenAPI
// generator): token and handoff queue. Readiness reports the result; closing stops the retries.
import fp from 'fastify-plugin'
import { GenesysStartupCheck, type Timers } from '../src/genesys/startup-check.js'

declare module 'fastify' {
  interface FastifyInstance {
    genesysCheck: GenesysStartupCheck
  }
}

export interface GenesysCheckPluginOptions {
  /** scheduling of the background retries (tests pass a manual clock) */
  timers?: Timers
  now?: () => number
}

export default fp<GenesysCheckPluginOptions>(async (app, opts) => {
  const { genesys, handoff } = app.config
  // Without an OAuth client nothing here calls the Platform API, so there is nothing to check.
  const skip = genesys.clientId === ''
    ? 'no OAuth client configured'
    : genesys.startupCheck ? null : 'GENESYS_STARTUP_CHECK=false'
  const check = new GenesysStartupCheck({
    client: app.genesysClient,
    queueId: handoff.queueId,
    region: genesys.region,
    log: app.log,
    attemptMs: handoff.deadlineMs,
    skip,
    timers: opts.timers,
    now: opts.now
  })
  app.decorate('genesysCheck', check)
  app.addHook('onListen', async () => { check.start() })
  app.addHook('preClose', async () => { check.stop() })
}, { name: 'genesys-check', dependencies: ['config', 'genesys-auth'] })
