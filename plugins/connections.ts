// Limits on the HTTP server's clients: a whole request must arrive within REQUEST_TIMEOUT_MS (408 and the
// socket closed otherwise), idle keep-alive connections close after KEEP_ALIVE_TIMEOUT_MS, and at most
// MAX_CONNECTIONS are open (lowered to fit the file-descriptor limit); more are refused at once.
// Fastify is created before the configuration is read, so these are set on its server here, before listen.
import fp from 'fastify-plugin'
import { connectionCap, openFileLimit } from '../src/fd-limit.js'

/** Node checks request and header timeouts on this period (its default, 30 s, would let a body run 30 s over). */
export const TIMEOUT_CHECK_EVERY_MS = 1000
/** Node's own default header timeout, kept when the request timeout is longer. */
const HEADERS_TIMEOUT_MS = 60_000
/** One warning per episode of refused connections, not one per connection. */
const WARN_EVERY_MS = 10_000

export default fp(async (app) => {
  const { server: limits, genesys, botConnector } = app.config
  const { server } = app
  server.requestTimeout = limits.requestTimeoutMs
  server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, limits.requestTimeoutMs)
  server.keepAliveTimeout = limits.keepAliveTimeoutMs

  const cap = connectionCap(limits.maxConnections, openFileLimit(), genesys.maxConnections + (botConnector?.maxConnections ?? 0))
  server.maxConnections = cap.maxConnections
  if (cap.lowered) {
    app.log.warn({ maxConnections: cap.maxConnections, configured: limits.maxConnections },
      'MAX_CONNECTIONS lowered to fit the file-descriptor limit (ulimit -n); raise the limit to accept more')
  }

  let warnedAt = -Infinity
  const warn = (fields: Record<string, unknown>, msg: string): void => {
    const now = Date.now()
    if (now - warnedAt < WARN_EVERY_MS) return
    warnedAt = now
    app.log.warn(fields, msg)
  }
  // Past the cap Node closes the new connection at once: a refusal the client (or load balancer) can retry.
  server.on('drop', () => { warn({ maxConnections: cap.maxConnections }, 'connection refused: MAX_CONNECTIONS reached') })
  // Once listening, an accept that fails (descriptors exhausted) is not fatal: the listener keeps accepting
  // once some close. (A failure to listen is listen()'s own error.)
  server.once('listening', () => {
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EMFILE' || err.code === 'ENFILE') warn({ code: err.code }, 'connection refused: out of file descriptors')
      else app.log.error({ err }, 'HTTP server error')
    })
  })
}, { name: 'connections', dependencies: ['config'] })
