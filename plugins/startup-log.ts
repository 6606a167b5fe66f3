// The startup summary, logged once when the service listens.
import fp from 'fastify-plugin'
import { startupSummary } from '../src/startup-summary.js'
import { SERVICE_VERSION } from '../src/version.js'

export default fp(async (app) => {
  app.addHook('onListen', async () => {
    const { fields, warnings } = startupSummary(app.config, SERVICE_VERSION)
    app.log.info(fields, `genesys-handoff-service ${SERVICE_VERSION} started`)
    for (const warning of warnings) app.log.warn(warning)
  })
}, { name: 'startup-log', dependencies: ['config'] })
