// Operator routes. Reached with `Authorization: Bearer <ADMIN_TOKEN>` (scripts) or with a cookie session
// opened by POST /operator/session or the console's sign-in page (browsers); see plugins/operator-session.ts.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { NotFoundError, UnauthorizedError } from '../../src/errors.js'
import { ERRORS } from '../../src/error-catalogue.js'
import { ConversationParams, ConversationSnapshotSchema } from '../../src/schemas/conversation.js'
import { errorResponses } from '../../src/schemas/errors.js'
import rateLimit from '@fastify/rate-limit'
import operatorSession, { signInRateLimit, type OperatorSessionOptions } from '../operator-session.js'
import { securityHeaders } from '../security-headers.js'
import { API_HEADERS } from '../../src/security-headers.js'

const conversationRoutes: FastifyPluginAsyncTypebox<OperatorSessionOptions> = async (app, opts) => {
  if (app.config.adminToken === null) return
  await app.register(operatorSession, { now: opts.now })
  // Operator data and session answers are never kept by a browser or a proxy.
  app.addHook('onRequest', securityHeaders({ ...API_HEADERS, 'cache-control': 'no-store' }))
  await app.register(rateLimit, { global: false })

  async function authorize (request: FastifyRequest): Promise<void> {
    if (await app.operators.isOperator(request)) return
    throw new UnauthorizedError('operator authentication required')
  }

  app.post('/operator/session', {
    config: { rateLimit: signInRateLimit(opts) },
    schema: {
      tags: ['operators'],
      summary: 'Open an operator cookie session (browsers)',
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 1000, description: 'ADMIN_TOKEN' }) }),
      response: { 204: Type.Null({ description: 'Signed in; the handoff.sid cookie is set' }), ...errorResponses([ERRORS.unauthorized, ERRORS.tooManySignInAttempts]) }
    }
  }, async (request, reply) => {
    if (!app.operators.tokenMatches(request.body.token)) throw new UnauthorizedError('invalid operator token', false)
    await app.operators.signIn(request)
    return await reply.code(204).send(null)
  })

  app.delete('/operator/session', {
    schema: { tags: ['operators'], summary: 'Close the operator session', response: { 204: Type.Null({ description: 'Signed out' }) } }
  }, async (request, reply) => {
    await app.operators.signOut(request)
    return await reply.code(204).send(null)
  })

  app.get('/conversations/:conversationId', {
    onRequest: async (request) => { await authorize(request) },
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
