// OpenAPI 3 from the route schemas (@fastify/swagger), and the interactive page at /docs when enabled.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { SERVICE_VERSION } from '../src/version.js'
import { DOCS_HEADERS } from '../src/security-headers.js'
import { securityHeaders } from './security-headers.js'

export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Genesys handoff service',
        description: 'Receives web-messaging events, decides from intent confidence whether the bot carries on, and hands the conversation to a human queue in Genesys Cloud exactly once.',
        version: SERVICE_VERSION
      },
      tags: [
        { name: 'webhook', description: 'Messaging events from a bot platform or a Genesys Data Action' },
        { name: 'botconnector', description: 'Genesys Digital Bot Connector v2 (bot-service side), when BOT_URL is set' },
        { name: 'operators', description: 'Conversation history and handoff state for operators' },
        { name: 'health', description: 'Liveness and readiness probes' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'handoff.sid', description: 'operator session from POST /operator/session' },
          botConnectorSecret: {
            type: 'apiKey',
            in: 'header',
            name: app.config.botConnector?.inboundHeader ?? 'x-bot-connector-secret',
            description: "BOT_CONNECTOR_SECRET, sent by the Bot Connector integration's credential field"
          }
        }
      }
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
  })
  if (!app.config.docsEnabled) return
  // In a scope of its own, so swagger-ui's CSP applies to its pages only.
  await app.register(async (docs) => {
    docs.addHook('onRequest', securityHeaders(DOCS_HEADERS))
    await docs.register(swaggerUi, { routePrefix: '/docs' })
  })
}, { name: 'docs', dependencies: ['config'] })
