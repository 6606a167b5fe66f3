// Shutdown in two steps (plugins/server.ts drives them): drain, then close. While draining, readiness answers
// 503 (plugins/routes/health.ts) and everything else is served, so load balancers stop sending first. Once
// closing, a request that still arrives (a kept-alive connection) gets 503 SHUTTING_DOWN with Retry-After,
// answers close their connection, and a request whose body is still arriving is cut: nothing was done for it,
// and it must not hold the shutdown until REQUEST_TIMEOUT_MS.
import fp from 'fastify-plugin'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyRequest } from 'fastify'
import { ShuttingDownError } from '../src/errors.js'

/** Retry-After on a request refused while closing: another instance can take it at once. */
export const CLOSING_RETRY_AFTER_SECONDS = 2

export interface Shutdown {
  /** readiness fails: SIGTERM was received */
  readonly draining: boolean
  /** fails readiness, then waits SHUTDOWN_DRAIN_MS while the listener still accepts */
  drain: () => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    shutdown: Shutdown
  }
}

export default fp(async (app) => {
  const drainMs = app.config.shutdownDrainMs
  let draining = false
  let closing = false
  /** requests whose body has not fully arrived */
  const receiving = new Set<FastifyRequest>()

  app.decorate('shutdown', {
    get draining () { return draining },
    drain: async () => {
      draining = true
      if (drainMs > 0) await sleep(drainMs)
    }
  })

  // Callback-style hooks: they run on every request, and an async hook costs a promise and a microtask.
  app.addHook('onRequest', (request, reply, done) => {
    if (closing) {
      done(new ShuttingDownError(CLOSING_RETRY_AFTER_SECONDS))
      return
    }
    receiving.add(request)
    // However the request ends (answered, 408, the client gone), it is not kept.
    reply.raw.once('close', () => { receiving.delete(request) })
    done()
  })
  // The body has arrived: from here on it is work in flight, which close() waits for.
  app.addHook('preValidation', (request, _reply, done) => {
    receiving.delete(request)
    done()
  })

  app.addHook('onSend', (_request, reply, payload, done) => {
    // Its keep-alive connection would otherwise hold close() until it idles out.
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })

  app.addHook('preClose', async () => {
    draining = true
    closing = true
    for (const request of receiving) request.raw.socket?.destroy()
    receiving.clear()
  })
}, { name: 'shutdown', dependencies: ['config'] })
