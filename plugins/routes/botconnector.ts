// Digital Bot Connector v2, the bot-service side Genesys' integration calls (its Bot Connector URI is
// <service>/botconnector). Every route wants the integration's secret header; a wrong or missing one is 403.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { BotConnectorForbiddenError } from '../../src/errors.js'
import { ERRORS } from '../../src/error-catalogue.js'
import { assertUtf8 } from '../../src/media-type.js'
import { safeEqual } from '../../src/safe-equal.js'
import {
  BotConnectorRequestSchema, BotConnectorResponseSchema, BotListSchema, BotParams, BotSchema
} from '../../src/schemas/botconnector.js'
import { errorResponses } from '../../src/schemas/errors.js'

const botConnectorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.botConnector
  const config = app.config.botConnector
  if (service === null || config === null) return
  const { inbound, inboundHeader } = config
  const security = [{ botConnectorSecret: [] }]
  // JSON only: any other body is 415, not a string the schema then rejects.
  app.removeContentTypeParser('text/plain')

  // Checked before the body is read, so an unauthenticated caller costs nothing; then the body's charset.
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (inbound !== null) {
      const value = request.headers[inbound.header]
      if (typeof value !== 'string' || !safeEqual(value, inbound.secret)) throw new BotConnectorForbiddenError(inboundHeader)
    }
    assertUtf8(request.headers['content-type'])
  })

  app.get('/botconnector/bots', {
    schema: {
      tags: ['botconnector'],
      summary: "The team's bots (from BOT_URL), each version listing the handoff intent",
      security,
      response: { 200: BotListSchema, ...errorResponses([ERRORS.botConnectorForbidden, ERRORS.botUnavailable, ERRORS.overloaded]) }
    }
  }, async (request) => await service.bots(request.log, request.id))

  app.get('/botconnector/bots/:botId', {
    schema: {
      tags: ['botconnector'],
      summary: 'One bot of the list, with its versions and intents',
      security,
      params: BotParams,
      response: {
        200: BotSchema,
        ...errorResponses([ERRORS.validation, ERRORS.botConnectorForbidden, ERRORS.botNotFound, ERRORS.botUnavailable, ERRORS.overloaded])
      }
    }
  }, async (request) => await service.bot(request.params.botId, request.log, request.id))

  app.post('/botconnector/messages', {
    bodyLimit: app.config.webhookBodyLimit,
    schema: {
      tags: ['botconnector'],
      summary: "One customer turn: forwarded to the team's bot, decided, and answered with the bot's answer or Complete/handoff",
      description: 'Never answers 5xx for a failing bot or store: the customer is handed off (reason bot_unavailable / ' +
        'store_unavailable), or with BOT_UNAVAILABLE_HANDOFF=false the answer is Failed with errorInfo. Only load shedding answers 503.',
      security,
      body: BotConnectorRequestSchema,
      response: {
        200: BotConnectorResponseSchema,
        ...errorResponses([ERRORS.validation, ERRORS.invalidJson, ERRORS.botConnectorForbidden, ERRORS.tooLarge, ERRORS.mediaType, ERRORS.unsupportedCharset, ERRORS.overloaded])
      }
    }
  }, async (request) => await service.turn(request.body, { log: request.log, requestId: request.id }))
}

export default botConnectorRoutes
