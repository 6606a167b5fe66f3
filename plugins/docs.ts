// OpenAPI 3 from the route schemas (@fastify/swagger), and the interactive page at /docs when enabled.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Genesys handoff service',
        description: 'Receives web-messaging events, decides from intent confidence whether the bot carries on, and hands the conversation to a human queue in Genesys Cloud exactly once.',
        version: '0.1.0'
      },
      tags: [
        { name: 'webhook', description: 'Messaging events from Genesys or the bot platform' },
        { name: 'operators', description: 'Conversation history and handoff state for operators' },
        { name: 'health', description: 'Liveness and readiness probes' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'handoff.sid', description: 'operator session from POST /operator/session' }
        }
      }
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
  })
  if (app.config.docsEnabled) await app.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'docs', dependencies: ['config'] })
