import fp from 'fastify-plugin'
import { Telemetry } from '../src/telemetry.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** this instance's instrumentation channels; the metrics plugin subscribes */
    telemetry: Telemetry
  }
}

export default fp(async (app) => {
  app.decorate('telemetry', new Telemetry())
}, { name: 'telemetry' })
