// Sheds load when the event loop lags: requests get 503 with Retry-After at once instead of all timing out.
// Liveness and metrics stay answered (a busy process is alive, and its metrics explain why it is busy).
import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** under-pressure's per-route handler; returning nothing lets the request through */
    pressureHandler?: () => undefined
  }
}

/** Route config that exempts a route from load shedding. */
export const EXEMPT_FROM_OVERLOAD = { pressureHandler: () => undefined }

export default fp(async (app) => {
  const { overload } = app.config
  await app.register(underPressure, {
    maxEventLoopDelay: overload.maxEventLoopDelayMs,
    sampleInterval: overload.sampleIntervalMs,
    retryAfter: overload.retryAfterSeconds,
    message: 'Service overloaded; retry later'
  })
}, { name: 'overload', dependencies: ['config'] })
