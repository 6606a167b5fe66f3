// Operator routes. Reached with `Authorization: Bearer <ADMIN_TOKEN>` (scripts) or with a cookie session
// opened by POST /operator/session (browsers); sessions live on the history store.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import type { FastifyRequest } from 'fastify'
import { safeEqual } from '../../src/safe-equal.js'
import { HttpError } from '../../src/errors.js'
import { UUID_PATTERN } from './webhook.js'

declare module 'fastify' {
  interface Session {
    operator?: boolean
  }
}

const SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000

const conversationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const adminToken = app.config.adminToken
  if (adminToken === null) return

  await app.register(fastifyCookie)
  await app.register(fastifySession, {
    secret: app.config.session.secret,
    store: app.historyStore.sessions,
    cookieName: 'handoff.sid',
    saveUninitialized: false,
    cookie: { secure: app.config.session.cookieSecure, httpOnly: true, sameSite: 'strict', maxAge: SESSION_MAX_AGE_MS, path: '/' }
  })

  const tokenMatches = (candidate: string): boolean => safeEqual(candidate, adminToken)

  function authorize (request: FastifyRequest): void {
    const header = request.headers.authorization
    if (header !== undefined) {
      const match = /^Bearer (.+)$/.exec(header)
      if (match?.[1] !== undefined && tokenMatches(match[1])) return
    } else if (request.session.operator === true) {
      return
    }
    throw new HttpError(401, 'UNAUTHORIZED', 'operator authentication required', { 'www-authenticate': 'Bearer' })
  }

  app.post('/operator/session', {
    schema: { body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 1000 }) }) }
  }, async (request, reply) => {
    if (!tokenMatches(request.body.token)) throw new HttpError(401, 'UNAUTHORIZED', 'invalid operator token')
    await request.session.regenerate()
    request.session.operator = true
    return await reply.code(204).send()
  })

  app.delete('/operator/session', async (request, reply) => {
    await request.session.destroy()
    return await reply.code(204).send()
  })

  app.get('/conversations/:conversationId', {
    onRequest: async (request) => { authorize(request) },
    schema: { params: Type.Object({ conversationId: Type.String({ pattern: UUID_PATTERN }) }) }
  }, async (request) => {
    const { conversationId } = request.params
    const snapshot = await app.historyStore.get(conversationId)
    if (snapshot === null) throw new HttpError(404, 'NOT_FOUND', `conversation ${conversationId} has no recorded history`)
    return snapshot
  })
}

export default conversationRoutes
