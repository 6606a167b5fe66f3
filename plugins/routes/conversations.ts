// Operator routes. Reached with `Authorization: Bearer <ADMIN_TOKEN>` (scripts) or with a cookie session
// opened by POST /operator/session or the console's sign-in page (browsers); see plugins/operator-session.ts.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { HttpError } from '../../src/errors.js'
import operatorSession, { type OperatorSessionOptions } from '../operator-session.js'
import { ConversationParams, ConversationSnapshot, errors } from './schemas.js'

const conversationRoutes: FastifyPluginAsyncTypebox<OperatorSessionOptions> = async (app, opts) => {
  if (app.config.adminToken === null) return
  await app.register(operatorSession, { now: opts.now })

  async function authorize (request: FastifyRequest): Promise<void> {
    if (await app.operators.isOperator(request)) return
    throw new HttpError(401, 'UNAUTHORIZED', 'operator authentication required', { 'www-authenticate': 'Bearer' })
  }

  app.post('/operator/session', {
    schema: {
      tags: ['operators'],
      summary: 'Open an operator cookie session (browsers)',
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 1000, description: 'ADMIN_TOKEN' }) }),
      response: { 204: Type.Null({ description: 'Signed in; the handoff.sid cookie is set' }), 401: errors[401] }
    }
  }, async (request, reply) => {
    if (!app.operators.tokenMatches(request.body.token)) throw new HttpError(401, 'UNAUTHORIZED', 'invalid operator token')
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
        200: ConversationSnapshot,
        400: errors[400]([{ statusCode: 400, error: 'Bad Request', code: 'FST_ERR_VALIDATION', message: 'params/conversationId must match pattern "^[0-9a-fA-F]{8}-…$"' }]),
        401: errors[401],
        404: errors[404]
      }
    }
  }, async (request) => {
    const conversationId = request.params.conversationId.toLowerCase()
    const snapshot = await app.historyStore.get(conversationId)
    if (snapshot === null) throw new HttpError(404, 'NOT_FOUND', `conversation ${conversationId} has no recorded history`)
    return snapshot
  })
}

export default conversationRoutes
