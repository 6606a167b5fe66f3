// The one log line each request leaves when it is answered: what came in, how it was answered, under which
// outcome label, and for failures the error code and message. Expected failures (HttpError) carry no stack;
// anything else is a bug and is logged with its stack at error level.
import { HttpError, outcomeOf } from './errors.js'
import { UUID_PATTERN } from './schemas/common.js'

export interface RequestFacts {
  method: string
  /** the route's URL template (undefined when no route matched) */
  route: string | undefined
  /** the raw URL, for requests no route matched */
  url: string
  statusCode: number
  responseTimeMs: number
  /** the label a handler set (e.g. the webhook's answer status) */
  outcome: string
  /** the error the answer came from */
  failure: unknown
  params: unknown
  body: unknown
  /** health and metrics routes: logged at debug when answered 2xx */
  probe: boolean
}

export type LineLevel = 'debug' | 'info' | 'warn' | 'error'

const CONVERSATION_ID = new RegExp(UUID_PATTERN)

/** The conversation a request is about: the route parameter, else the body's (only if it is an id). */
export function conversationIdOf (params: unknown, body: unknown): string | undefined {
  for (const source of [params, body]) {
    const value = typeof source === 'object' && source !== null ? (source as Record<string, unknown>).conversationId : undefined
    if (typeof value === 'string' && CONVERSATION_ID.test(value)) return value.toLowerCase()
  }
  return undefined
}

/** The outcome label: the error's, else the one the handler set, else from the status. */
export function requestOutcome (facts: Pick<RequestFacts, 'failure' | 'outcome' | 'statusCode'>): string {
  if (facts.failure !== null && facts.failure !== undefined) return outcomeOf(facts.failure as { statusCode?: number, code?: string })
  if (facts.outcome !== '') return facts.outcome
  return facts.statusCode < 400 ? 'ok' : outcomeOf({ statusCode: facts.statusCode })
}

export const REQUEST_COMPLETED = 'request completed'
/** The message of the request's line when it ended in a bug, so it stands out. */
export const UNHANDLED_ERROR = 'unhandled error'

export function requestLine (facts: RequestFacts): { level: LineLevel, fields: Record<string, unknown>, msg: string } {
  const { failure, statusCode } = facts
  const fields: Record<string, unknown> = {
    method: facts.method,
    route: facts.route ?? null,
    ...(facts.route === undefined ? { url: facts.url.split('?')[0]?.slice(0, 200) } : {}),
    statusCode,
    responseTimeMs: Math.round(facts.responseTimeMs * 10) / 10
  }
  const conversationId = conversationIdOf(facts.params, facts.body)
  if (conversationId !== undefined) fields.conversationId = conversationId
  fields.outcome = requestOutcome(facts)
  let level: LineLevel = facts.probe && statusCode < 400 ? 'debug' : 'info'
  let msg = REQUEST_COMPLETED
  if (statusCode >= 400) {
    level = 'warn'
    const err = failure as { code?: unknown, message?: unknown } | null | undefined
    if (typeof err?.code === 'string') fields.errorCode = err.code
    if (typeof err?.message === 'string') fields.error = err.message
    // Not a failure the service knows: a bug, worth its stack.
    if (statusCode === 500 && !(failure instanceof HttpError)) {
      level = 'error'
      msg = UNHANDLED_ERROR
      fields.err = failure
      delete fields.error
    }
  }
  return { level, fields, msg }
}
