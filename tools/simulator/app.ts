// A small HTTP model of the Genesys Cloud endpoints the service calls, for the demo, local trials and the
// integration tests. It checks credentials and bearer tokens like Genesys does, keeps web-messaging
// conversations with their participants (a transfer to a queue lands after a delay, routing data can only
// change while the conversation is queued), answers with bodies typed as Genesys' SDK models (answers.ts)
// and ININ-Correlation-Id headers, and takes injected faults and conversation changes at /__sim.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import { SimulatorState, type Fault, type SimRefusal, type SimulatorOptions } from './state.js'
import {
  RATE_LIMIT_CODE, conversationView, errorBody, oauthError, participantAttributes, rateLimitMessage, routingAttributes, type TokenAnswer
} from './answers.js'

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string
    /** a latency to wait before the call is handled (once its body is read) */
    slowFault: Fault | null
    /** a fault to apply once the call has been handled */
    afterFault: Fault | null
  }
}

export interface Simulator {
  app: FastifyInstance
  state: SimulatorState
}

function genesysError (reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  if (status === 429 && reply.getHeader('retry-after') === undefined) reply.header('retry-after', '1')
  return reply.code(status).send(errorBody(status, code, message, reply.request.correlationId))
}

/** A fault's answer: a 429 says how long to wait, as Genesys' does. */
function faultError (status: number, code: string | undefined, retryAfter: number): { code: string, message: string } {
  if (status === 429) return { code: code ?? RATE_LIMIT_CODE, message: rateLimitMessage(retryAfter) }
  return { code: code ?? faultCode(status), message: `simulated ${status}` }
}

function refuse (reply: FastifyReply, refusal: SimRefusal): FastifyReply {
  return genesysError(reply, refusal.status, refusal.code, refusal.message)
}

const isStringMap = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(v => typeof v === 'string')

export function createSimulator (opts: SimulatorOptions & { logger?: boolean }): Simulator {
  const state = new SimulatorState(opts)
  const app = Fastify({ logger: opts.logger ?? false })
  app.register(formbody)
  app.decorateRequest('correlationId', '')
  app.decorateRequest('slowFault', null)
  app.decorateRequest('afterFault', null)

  app.addHook('onRequest', async (request, reply) => {
    request.correlationId = randomUUID()
    reply.header('inin-correlation-id', request.correlationId)
    if (request.url.startsWith('/__sim')) return
    const fault = state.takeFault(request.method, request.url)
    if (fault === undefined) return
    if (fault.afterHandling === true) {
      request.afterFault = fault
    } else if (fault.status === undefined) {
      request.slowFault = fault
    } else {
      if (fault.latencyMs !== undefined) await sleep(fault.latencyMs)
      if (fault.retryAfter !== undefined) reply.header('retry-after', String(fault.retryAfter))
      const { code, message } = faultError(fault.status, fault.code, fault.retryAfter ?? 1)
      return genesysError(reply, fault.status, code, message)
    }
  })

  // A slow call waits once its body has been read, so a call whose client gave up meanwhile is still handled,
  // as a real server carries on with a request it has received.
  app.addHook('preHandler', async (request) => {
    if (request.slowFault?.latencyMs !== undefined) await sleep(request.slowFault.latencyMs)
  })

  // The call took effect; the caller sees a failure or a slow answer all the same. Calls are recorded here,
  // not once the answer is written: a call whose client went away was still handled.
  app.addHook('onSend', async (request, reply, payload) => {
    const fault = request.afterFault
    let answer = payload
    if (fault !== null) {
      if (fault.latencyMs !== undefined) await sleep(fault.latencyMs)
      if (fault.status !== undefined) {
        reply.code(fault.status)
        reply.header('content-type', 'application/json; charset=utf-8')
        if (fault.retryAfter !== undefined) reply.header('retry-after', String(fault.retryAfter))
        else if (fault.status === 429) reply.header('retry-after', '1')
        const { code, message } = faultError(fault.status, fault.code, fault.retryAfter ?? 1)
        answer = JSON.stringify(errorBody(fault.status, code, message, request.correlationId))
      }
    }
    record(request, reply.statusCode, answer)
    return answer
  })

  function record (request: FastifyRequest, status: number, payload: unknown): void {
    if (request.url.startsWith('/__sim') || request.url === '/oauth/token') return
    state.calls.push({
      method: request.method,
      path: request.url,
      body: request.body ?? null,
      response: typeof payload === 'string' && payload !== '' ? parseJson(payload) : null,
      at: new Date().toISOString(),
      status,
      correlationId: request.correlationId
    })
  }

  app.post('/oauth/token', async (request, reply) => {
    const [scheme, encoded] = (request.headers.authorization ?? '').split(' ')
    const [id, secret] = Buffer.from(encoded ?? '', 'base64').toString().split(':')
    if (scheme !== 'Basic' || id !== state.clientId || secret !== state.clientSecret) {
      return await reply.code(401).send(oauthError('invalid_client', 'authentication failed'))
    }
    const body = request.body as Record<string, string> | undefined
    if (body?.grant_type !== 'client_credentials') {
      return await reply.code(400).send(oauthError('unsupported_grant_type', 'grant_type must be client_credentials'))
    }
    const { token, expiresIn } = state.issueToken()
    const answer: TokenAnswer = { access_token: token, token_type: 'bearer', expires_in: expiresIn }
    return answer
  })

  app.register(async (api) => {
    api.addHook('onRequest', async (request, reply) => {
      const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')
      if (match?.[1] === undefined || !state.tokenValid(match[1])) {
        return genesysError(reply, 401, 'authentication.required', 'No authentication bearer token specified in authorization header.')
      }
      const rate = state.countCall(match[1])
      if (rate.limited) {
        reply.header('retry-after', String(rate.resetSeconds))
        return genesysError(reply, 429, RATE_LIMIT_CODE, rateLimitMessage(rate.resetSeconds))
      }
    })

    api.get<{ Params: { id: string } }>('/api/v2/conversations/messages/:id', async (request, reply) => {
      const { id } = request.params
      const conversation = state.conversation(id) ?? (state.autoCreateConversations ? state.createConversation(id) : undefined)
      if (conversation === undefined) return genesysError(reply, 404, 'not.found', `Conversation ${id} not found.`)
      return conversationView(conversation)
    })

    api.patch<{ Params: { id: string, pid: string }, Body: unknown }>('/api/v2/conversations/messages/:id/participants/:pid/attributes', async (request, reply) => {
      const attributes = (request.body as { attributes?: unknown } | null)?.attributes
      if (!isStringMap(attributes)) {
        return genesysError(reply, 400, 'bad.request', 'attributes must be an object whose values are strings')
      }
      const result = state.setAttributes(request.params.id, request.params.pid, attributes)
      if ('status' in result) return refuse(reply, result)
      return await reply.code(202).send(participantAttributes(result.attributes))
    })

    api.post<{ Params: { id: string, pid: string }, Body: unknown }>('/api/v2/conversations/:id/participants/:pid/replace/queue', async (request, reply) => {
      const queueId = (request.body as { queueId?: unknown } | null)?.queueId
      if (typeof queueId !== 'string' || queueId === '') return genesysError(reply, 400, 'bad.request', 'queueId is required')
      const refusal = state.transferToQueue(request.params.id, request.params.pid, queueId)
      if (refusal !== null) return refuse(reply, refusal)
      return await reply.code(202).send()
    })

    // Needs routing:queue:view in Genesys; the simulator grants every token everything.
    api.get<{ Params: { id: string } }>('/api/v2/routing/queues/:id', async (request, reply) => {
      const queue = state.queue(request.params.id)
      if (queue === undefined) return genesysError(reply, 404, 'not.found', `Queue ${request.params.id} not found.`)
      return queue
    })

    api.patch<{ Params: { id: string }, Body: unknown }>('/api/v2/routing/conversations/:id', async (request, reply) => {
      const body = (request.body ?? {}) as { skillIds?: unknown, priority?: unknown, languageId?: unknown, labelId?: unknown }
      const { skillIds, priority, languageId, labelId } = body
      if ((skillIds !== undefined && (!Array.isArray(skillIds) || !skillIds.every(s => typeof s === 'string'))) ||
        (priority !== undefined && !Number.isInteger(priority)) ||
        (languageId !== undefined && typeof languageId !== 'string') ||
        (labelId !== undefined && typeof labelId !== 'string')) {
        return genesysError(reply, 400, 'bad.request', 'skillIds must be a list of ids, priority an integer, languageId and labelId ids')
      }
      const update = {
        ...(skillIds !== undefined ? { skillIds: skillIds as string[] } : {}),
        ...(priority !== undefined ? { priority: priority as number } : {}),
        ...(languageId !== undefined ? { languageId: languageId as string } : {}),
        ...(labelId !== undefined ? { labelId: labelId as string } : {})
      }
      const result = state.updateRouting(request.params.id, update)
      if ('status' in result) return refuse(reply, result)
      return routingAttributes(result.routing)
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
    // For container health checks; not recorded, never faulted.
    control.get('/__sim/health', async () => ({ status: 'ok' }))
    control.get('/__sim/calls', async () => state.calls)
    control.post<{ Body: Fault }>('/__sim/faults', async (request, reply) => {
      state.addFault(request.body)
      return await reply.code(204).send()
    })
    control.post('/__sim/expire-tokens', async (_request, reply) => {
      state.expireTokens()
      return await reply.code(204).send()
    })
    control.post<{ Body: { id?: string, ended?: boolean } | null }>('/__sim/conversations', async (request, reply) => {
      const conversation = state.createConversation(request.body?.id, { ended: request.body?.ended === true })
      return await reply.code(201).send(conversationView(conversation))
    })
    control.get<{ Params: { id: string } }>('/__sim/conversations/:id', async (request, reply) => {
      const conversation = state.conversation(request.params.id)
      if (conversation === undefined) return await reply.code(404).send({ message: 'no such conversation' })
      return conversationView(conversation)
    })
    control.post<{ Params: { id: string } }>('/__sim/conversations/:id/end', async (request, reply) => {
      return await reply.code(state.endConversation(request.params.id) ? 204 : 404).send()
    })
    control.post<{ Params: { id: string } }>('/__sim/conversations/:id/answer', async (request, reply) => {
      return await reply.code(state.answer(request.params.id) ? 204 : 409).send()
    })
    control.post('/__sim/reset', async (_request, reply) => {
      state.reset()
      return await reply.code(204).send()
    })
  })

  return { app, state }
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function faultCode (status: number): string {
  if (status === 429) return RATE_LIMIT_CODE
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
