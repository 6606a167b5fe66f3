// The answers the service gives Genesys' Bot Connector in its own name: Complete with the handoff intent and
// the routing target as parameters (Set Participant Data and Transfer to ACD read them), or Failed.
import type { RouteFields } from '../handoff.js'
import type { BotConnectorResponse, BotList } from '../schemas/botconnector.js'
import type { RoutingTarget } from '../schemas/decision.js'

/** Output session variables a handoff answer carries (string values: parameters are a string map). */
export const HANDOFF_PARAMETERS = {
  queueId: 'handoffQueueId',
  skillIds: 'handoffSkillIds',
  priority: 'handoffPriority',
  languageId: 'handoffLanguageId',
  reason: 'handoffReason',
  summary: 'handoffSummary'
} as const

/**
 * The parameters for a handoff: to the recorded route, or (nothing recorded, e.g. the store was away) to the
 * configured target.
 */
export function handoffParameters (route: RouteFields, fallback: RoutingTarget, reason: string): Record<string, string> {
  const { queueId, skillIds, priority, languageId } = route.queueId !== undefined
    ? { queueId: route.queueId, skillIds: route.skillIds ?? [], priority: route.priority ?? null, languageId: route.languageId ?? null }
    : fallback
  return {
    [HANDOFF_PARAMETERS.queueId]: queueId,
    [HANDOFF_PARAMETERS.skillIds]: skillIds.join(','),
    // Left out when unset, so the flow sees NOT_SET rather than a string it cannot convert.
    ...(priority !== null ? { [HANDOFF_PARAMETERS.priority]: String(priority) } : {}),
    ...(languageId !== null ? { [HANDOFF_PARAMETERS.languageId]: languageId } : {}),
    [HANDOFF_PARAMETERS.reason]: route.reason ?? reason,
    [HANDOFF_PARAMETERS.summary]: route.summary ?? ''
  }
}

/**
 * Complete with the handoff intent. The bot's own reply messages are kept (e.g. "let me get someone"), and
 * its parameters too, under the handoff's.
 */
export function handoffAnswer (intent: string, parameters: Record<string, string>, bot?: BotConnectorResponse): BotConnectorResponse {
  return {
    botState: 'Complete',
    intent,
    ...(bot?.replyMessages !== undefined && bot.replyMessages.length > 0 ? { replyMessages: bot.replyMessages } : {}),
    parameters: { ...bot?.parameters, ...parameters }
  }
}

/** Failed: the flow takes its failure path. */
export function failedAnswer (errorCode: string, errorMessage: string): BotConnectorResponse {
  return { botState: 'Failed', errorInfo: { errorCode, errorMessage } }
}

/** The bot list with the handoff intent in every version, so Architect offers it as an output path. */
export function withHandoffIntent (list: BotList, intent: string): BotList {
  return {
    ...list,
    entities: list.entities.map(bot => ({
      ...bot,
      versions: bot.versions.map(version => version.intents.some(i => i.name === intent)
        ? version
        : { ...version, intents: [...version.intents, { name: intent, entities: [] }] })
    }))
  }
}
