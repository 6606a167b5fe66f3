// What the simulator answers, built as Genesys' own SDK models (purecloud-platform-client-v2, types only), so
// the compiler checks each answer against Genesys' definitions rather than against our idea of them.
import type { Models } from 'purecloud-platform-client-v2'
import type { SimConversation, SimParticipant, SimRoutingData } from './state.js'

/** Genesys' code for a 429; its message names the wait in brackets. */
export const RATE_LIMIT_CODE = 'too.many.requests.retry.after'

export function errorBody (status: number, code: string, message: string, contextId: string): Models.ErrorBody {
  return { message, code, status, messageParams: {}, contextId, details: [], errors: [] }
}

export function rateLimitMessage (retryAfterSeconds: number): string {
  return `Rate limit exceeded the maximum. Retry the request in [${retryAfterSeconds}] seconds`
}

/**
 * The login service's OAuth error (RFC 6749 shape, not the Platform API's ErrorBody): for bad client
 * credentials it answers `invalid_client` / `authentication failed`.
 */
export interface OAuthError {
  error: string
  description: string
  error_description: string
}

export function oauthError (error: string, description: string): OAuthError {
  return { error, description, error_description: description }
}

/** The token answer of the client-credentials grant (not among the SDK's models). */
export interface TokenAnswer {
  access_token: string
  token_type: 'bearer'
  expires_in: number
}

const ref = (kind: string, id: string): Models.AddressableEntityRef => ({ id, selfUri: `/api/v2/${kind}/${id}` })

function routingData (conversation: SimConversation): Models.ConversationRoutingData | undefined {
  const { transfer, routing } = conversation
  if (transfer === undefined) return undefined
  return {
    queue: ref('routing/queues', transfer.queueId),
    ...(routing?.priority !== undefined ? { priority: routing.priority } : {}),
    ...(routing?.skillIds !== undefined ? { skills: routing.skillIds.map(id => ref('routing/skills', id)) } : {}),
    ...(routing?.languageId !== undefined ? { language: ref('routing/languages', routing.languageId) } : {})
  }
}

function participantView (p: SimParticipant, conversation: SimConversation): Models.MessageMediaParticipant {
  const view: Models.MessageMediaParticipant = {
    id: p.id,
    name: p.name,
    startTime: p.startTime,
    purpose: p.purpose,
    state: p.state,
    attributes: { ...p.attributes },
    messages: []
  }
  if (p.connectedTime !== undefined) view.connectedTime = p.connectedTime
  if (p.endTime !== undefined) view.endTime = p.endTime
  if (p.queue !== undefined) view.queue = { id: p.queue.id, selfUri: `/api/v2/routing/queues/${p.queue.id}` }
  const routed = p.purpose === 'acd' ? routingData(conversation) : undefined
  if (routed !== undefined) view.conversationRoutingData = routed
  return view
}

/** GET /api/v2/conversations/messages/{id}: a MessageConversation. */
export function conversationView (conversation: SimConversation): Models.MessageConversation {
  return {
    id: conversation.id,
    participants: conversation.participants.map(p => participantView(p, conversation)),
    selfUri: `/api/v2/conversations/messages/${conversation.id}`
  }
}

/** PATCH .../participants/{pid}/attributes: the participant's attributes after the update. */
export function participantAttributes (attributes: Record<string, string>): Models.ParticipantAttributes {
  return { attributes: { ...attributes } }
}

/** PATCH /api/v2/routing/conversations/{id}: the conversation's routing attributes now (not an echo). */
export function routingAttributes (routing: SimRoutingData): Models.RoutingConversationAttributesResponse {
  const answer: Models.RoutingConversationAttributesResponse = {}
  if (routing.priority !== undefined) answer.priority = routing.priority
  // The simulator keeps no skill or language names: it names them by id.
  if (routing.skillIds !== undefined) answer.skills = routing.skillIds.map(id => ({ id, name: id, selfUri: `/api/v2/routing/skills/${id}` }))
  if (routing.languageId !== undefined) answer.language = { id: routing.languageId, name: routing.languageId, selfUri: `/api/v2/routing/languages/${routing.languageId}` }
  if (routing.labelId !== undefined) answer.label = { id: routing.labelId, selfUri: `/api/v2/routing/utilization/labels/${routing.labelId}` }
  return answer
}
