// A small HTTP model of the Genesys Cloud endpoints the service calls, for the demo, local trials and the
// integration tests. It checks credentials and bearer tokens like Genesys does, answers with
// Genesys-shaped error bodies and ININ-Correlation-Id headers, and takes injected faults at /__sim.
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import formbody from '@fastify/formbody'
import { SimulatorState, type Fault, type SimulatorOptions } from './state.js'

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string
  }
}

export interface Simulator {
  app: FastifyInstance
  state: SimulatorState
}

function genesysError (reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({
    message, code, status, contextId: reply.request.correlationId, details: [], errors: []
  })
}

export function createSimulator (opts: SimulatorOptions & { logger?: boolean }): Simulator {
  const state = new SimulatorState(opts)
  const app = Fastify({ logger: opts.logger ?? false })
  app.register(formbody)
  app.decorateRequest('correlationId', '')

  app.addHook('onRequest', async (request, reply) => {
    request.correlationId = randomUUID()
    reply.header('inin-correlation-id', request.correlationId)
    if (request.url.startsWith('/__sim')) return
    const fault = state.takeFault(request.method, request.url)
    if (fault === undefined) return
    if (fault.latencyMs !== undefined) await new Promise(resolve => setTimeout(resolve, fault.latencyMs))
    if (fault.status !== undefined) {
      if (fault.retryAfter !== undefined) reply.header('retry-after', String(fault.retryAfter))
      return genesysError(reply, fault.status, fault.code ?? faultCode(fault.status), `simulated ${fault.status}`)
    }
  })

  app.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith('/__sim') || request.url === '/oauth/token') return
    state.calls.push({
      method: request.method,
      path: request.url,
      body: request.body ?? null,
      at: new Date().toISOString(),
      status: reply.statusCode,
      correlationId: request.correlationId
    })
  })

  app.post('/oauth/token', async (request, reply) => {
    const [scheme, encoded] = (request.headers.authorization ?? '').split(' ')
    const [id, secret] = Buffer.from(encoded ?? '', 'base64').toString().split(':')
    if (scheme !== 'Basic' || id !== state.clientId || secret !== state.clientSecret) {
      return await reply.code(401).send({ error: 'invalid_client', description: 'client credentials are invalid', error_description: 'client credentials are invalid' })
    }
    const body = request.body as Record<string, string> | undefined
    if (body?.grant_type !== 'client_credentials') {
      return await reply.code(400).send({ error: 'unsupported_grant_type', description: 'grant_type must be client_credentials' })
    }
    const { token, expiresIn } = state.issueToken()
    return { access_token: token, token_type: 'bearer', expires_in: expiresIn }
  })

  app.register(async (api) => {
    api.addHook('onRequest', async (request, reply) => {
      const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')
      if (match?.[1] === undefined || !state.tokenValid(match[1])) {
        return genesysError(reply, 401, 'authentication.required', 'No authentication bearer token specified in authorization header.')
      }
    })

    api.put<{ Params: { id: string }, Body: unknown }>('/api/v2/conversations/messaging/:id', async (request, reply) => {
      const routing = (request.body as { routingMetadata?: { queue?: { id?: unknown }, skills?: unknown } } | null)?.routingMetadata
      if (typeof routing?.queue?.id !== 'string' || routing.queue.id === '' || !Array.isArray(routing.skills)) {
        return genesysError(reply, 400, 'bad.request', 'routingMetadata.queue.id and routingMetadata.skills are required')
      }
      return { id: request.params.id, routingMetadata: routing }
    })
  })

  app.register(async (control) => {
    control.get('/__sim/calls', async () => state.calls)
    control.post<{ Body: Fault }>('/__sim/faults', async (request, reply) => {
      state.addFault(request.body)
      return await reply.code(204).send()
    })
    control.post('/__sim/expire-tokens', async (_request, reply) => {
      state.expireTokens()
      return await reply.code(204).send()
    })
    control.post('/__sim/reset', async (_request, reply) => {
      state.reset()
      return await reply.code(204).send()
    })
  })

  return { app, state }
}

function faultCode (status: number): string {
  if (status === 429) return 'too.many.requests'
  if (status === 404) return 'not.found'
  if (status === 403) return 'missing.any.permissions'
  if (status >= 500) return 'internal.server.error'
  return 'bad.request'
}

/** Starts a simulator listening on loopback; port 0 picks a free one. */
export async function startSimulator (opts: SimulatorOptions & { port?: number, host?: string, logger?: boolean }): Promise<Simulator & { url: string }> {
  const sim = createSimulator(opts)
  const address = await sim.app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' })
  return { ...sim, url: address }
}
