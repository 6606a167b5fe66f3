// Operator routes. Reached with `Authorization: Bearer <ADMIN_TOKEN>` (scripts) or with a cookie session
// opened by POST /operator/session (browsers); sessions live on the history store.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import type { FastifyRequest } from 'fastify'
import { bearerMatches, safeEqual } from '../../src/safe-equal.js'
import { NotFoundError, UnauthorizedError } from '../../src/errors.js'
import { ERRORS } from '../../src/error-catalogue.js'
import { ConversationParams, ConversationSnapshotSchema } from '../../src/schemas/conversation.js'
import { errorResponses } from '../../src/schemas/errors.js'

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

  const token: string = adminToken
  const tokenMatches = (candidate: string): boolean => safeEqual(candidate, token)

  function authorize (request: FastifyRequest): void {
    const header = request.headers.authorization
    if (header !== undefined) {
      if (bearerMatches(header, token)) return
    } else if (request.session.operator === true) {
      return
    }
    throw new UnauthorizedError('operator authentication required')
  }

  app.post('/operator/session', {
    schema: {
      tags: ['operators'],
      summary: 'Open an operator cookie session (browsers)',
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 1000, description: 'ADMIN_TOKEN' }) }),
      response: { 204: Type.Null({ description: 'Signed in; the handoff.sid cookie is set' }), ...errorResponses([ERRORS.unauthorized]) }
    }
  }, async (request, reply) => {
    if (!tokenMatches(request.body.token)) throw new UnauthorizedError('invalid operator token', false)
    await request.session.regenerate()
    request.session.operator = true
    return await reply.code(204).send(null)
  })

  app.delete('/operator/session', {
    schema: { tags: ['operators'], summary: 'Close the operator session', response: { 204: Type.Null({ description: 'Signed out' }) } }
  }, async (request, reply) => {
    await request.session.destroy()
    return await reply.code(204).send(null)
  })

  app.get('/conversations/:conversationId', {
    onRequest: async (request) => { authorize(request) },
    schema: {
      tags: ['operators'],
      summary: "A conversation's recorded history and handoff state",
      security: [{ bearerAuth: [] }, { cookieAuth: [] }],
      params: ConversationParams,
      response: {
        200: ConversationSnapshotSchema,
        ...errorResponses([ERRORS.validation, ERRORS.unauthorized, ERRORS.notFound])
      }
    }
  }, async (request) => {
    const conversationId = request.params.conversationId.toLowerCase()
    const snapshot = await app.historyStore.get(conversationId)
    if (snapshot === null) throw new NotFoundError(`conversation ${conversationId} has no recorded history`)
    return snapshot
  })
}

export default conversationRoutes
