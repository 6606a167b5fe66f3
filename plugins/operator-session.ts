// Operator sign-in, shared by the operator route plugins (JSON operator routes and the console): scripts send
// `Authorization: Bearer <ADMIN_TOKEN>`, browsers hold a cookie session. The session is signed, HttpOnly,
// SameSite=Strict, Secure outside development and lives on the history store, so any instance behind the
// load balancer accepts it. It expires SESSION_MAX_AGE_MS after sign-in, however often it is used.
// Register it inside each route plugin (it decorates that plugin's scope only): webhooks never pay for a
// session lookup.
import fp from 'fastify-plugin'
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import type { FastifyRequest } from 'fastify'
import type { RateLimitOptions } from '@fastify/rate-limit'
import { TooManySignInAttemptsError } from '../src/errors.js'
import { bearerMatches, safeEqual } from '../src/safe-equal.js'

declare module 'fastify' {
  interface Session {
    operator?: boolean
    /** when the operator signed in (ms) */
    signedInAt?: number
  }
  interface FastifyInstance {
    operators: OperatorAuth
  }
}

export const SESSION_COOKIE = 'handoff.sid'
export const SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000

export interface OperatorAuth {
  /** constant-time comparison with ADMIN_TOKEN */
  tokenMatches: (candidate: string) => boolean
  /** starts a fresh session (a new id: no fixation) for a signed-in operator */
  signIn: (request: FastifyRequest) => Promise<void>
  signOut: (request: FastifyRequest) => Promise<void>
  /** a signed-in session that has not expired; an expired one is destroyed */
  hasSession: (request: FastifyRequest) => Promise<boolean>
  /** the Bearer token when an Authorization header is sent, else the session */
  isOperator: (request: FastifyRequest) => Promise<boolean>
}

export interface OperatorSessionOptions {
  /** clock for session expiry (tests) */
  now?: () => number
  /** sign-in attempts per client address per minute (default 10) */
  loginAttemptsPerMinute?: number
}

/**
 * Route config for a sign-in route (its plugin registers @fastify/rate-limit with global: false): attempts
 * per client address (request.ip, which follows TRUST_PROXY), right or wrong, counted by this instance.
 */
export function signInRateLimit (opts: OperatorSessionOptions): RateLimitOptions {
  return {
    max: opts.loginAttemptsPerMinute ?? 10,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => new TooManySignInAttemptsError(context.after, context.ttl / 1000)
  }
}

export default fp<OperatorSessionOptions>(async (app, opts) => {
  const token = app.config.adminToken
  if (token === null) throw new Error('operator routes need ADMIN_TOKEN')
  const now = opts.now ?? Date.now

  await app.register(fastifyCookie)
  await app.register(fastifySession, {
    secret: app.config.session.secret,
    store: app.historyStore.sessions,
    cookieName: SESSION_COOKIE,
    saveUninitialized: false,
    // Not rolling: a session ends SESSION_MAX_AGE_MS after sign-in, even in a tab that polls.
    rolling: false,
    cookie: { secure: app.config.session.cookieSecure, httpOnly: true, sameSite: 'strict', maxAge: SESSION_MAX_AGE_MS, path: '/' }
  })

  const hasSession = async (request: FastifyRequest): Promise<boolean> => {
    const { session } = request
    if (session.operator !== true) return false
    if (typeof session.signedInAt === 'number' && now() - session.signedInAt < SESSION_MAX_AGE_MS) return true
    await session.destroy()
    return false
  }

  app.decorate('operators', {
    tokenMatches: (candidate: string) => safeEqual(candidate, token),
    async signIn (request: FastifyRequest) {
      await request.session.regenerate()
      request.session.operator = true
      request.session.signedInAt = now()
    },
    async signOut (request: FastifyRequest) {
      await request.session.destroy()
    },
    hasSession,
    async isOperator (request: FastifyRequest) {
      const header = request.headers.authorization
      return header !== undefined ? bearerMatches(header, token) : await hasSession(request)
    }
  } satisfies OperatorAuth)
}, { name: 'operator-session', dependencies: ['config', 'history-store'] })
