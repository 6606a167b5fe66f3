// Errors that carry the HTTP answer they cause: status, machine-readable code, headers and the outcome label
// metrics and logs count them under. Each class also describes itself (ErrorKind), so the OpenAPI examples and
// the docs' error table are generated from the classes. Messages are written for the caller and never
// include tokens or secrets.

export interface ErrorKind {
  status: number
  code: string
  /** metrics/log outcome label */
  outcome: string
  /** when a caller sees it, for the docs */
  description: string
  /** a typical message */
  example: string
  /** answered with Retry-After */
  retryAfter?: boolean
}

export function errorKind (status: number, code: string, outcome: string, description: string, example: string, retryAfter = false): ErrorKind {
  return { status, code, outcome, description, example, ...(retryAfter ? { retryAfter } : {}) }
}

/** A 503 kind answered with Retry-After. */
export function retryLaterKind (code: string, outcome: string, description: string, example: string): ErrorKind {
  return errorKind(503, code, outcome, description, example, true)
}

export class HttpError extends Error {
  readonly statusCode: number
  readonly code: string
  readonly outcome: string
  readonly headers: Record<string, string>

  constructor (kind: Pick<ErrorKind, 'status' | 'code' | 'outcome'>, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = new.target.name
    this.statusCode = kind.status
    this.code = kind.code
    this.outcome = kind.outcome
    this.headers = headers
  }
}

/** A failure that may pass: answered 503 with Retry-After, so the caller retries. */
export class RetryLaterError extends HttpError {
  readonly retryAfterSeconds: number
  constructor (kind: Pick<ErrorKind, 'status' | 'code' | 'outcome'>, message: string, retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds))
    super(kind, message, { 'retry-after': String(seconds) })
    this.retryAfterSeconds = seconds
  }
}

/** Operator or metrics routes without a valid token or session. */
export class UnauthorizedError extends HttpError {
  static readonly kind = errorKind(401, 'UNAUTHORIZED', 'unauthorized',
    'Operator or metrics route without a valid token or session', 'operator authentication required')

  constructor (message: string, challenge = true) {
    super(UnauthorizedError.kind, message, challenge ? { 'www-authenticate': 'Bearer' } : {})
  }
}

/** A webhook whose X-Hub-Signature-256 is missing or wrong (WEBHOOK_SECRET set). */
export class InvalidSignatureError extends HttpError {
  static readonly kind = errorKind(401, 'INVALID_SIGNATURE', 'unauthorized',
    'Missing or wrong X-Hub-Signature-256 (when WEBHOOK_SECRET is set)', 'missing or invalid x-hub-signature-256 signature')

  /** alternative: the shared-secret header also accepted, named in the message */
  constructor (header: string, alternative?: string) {
    // Says what is wrong without echoing the header back.
    super(InvalidSignatureError.kind, `missing or invalid ${header} signature${alternative !== undefined ? ` (or ${alternative} header)` : ''}`)
  }
}

/** A webhook whose shared-secret header (WEBHOOK_SHARED_SECRET) is missing or wrong, and that carries no signature. */
export class InvalidSharedSecretError extends HttpError {
  static readonly kind = errorKind(401, 'INVALID_SHARED_SECRET', 'unauthorized',
    'Missing or wrong shared-secret header (when WEBHOOK_SHARED_SECRET is set) and no valid signature', 'missing or invalid x-handoff-secret header')

  constructor (header: string) {
    super(InvalidSharedSecretError.kind, `missing or invalid ${header} header`)
  }
}

/** A Bot Connector call without the integration's secret: Genesys' spec asks for 403. */
export class BotConnectorForbiddenError extends HttpError {
  static readonly kind = errorKind(403, 'BOT_CONNECTOR_FORBIDDEN', 'forbidden',
    'Bot Connector call with a missing or wrong secret header (BOT_CONNECTOR_SECRET)', 'missing or invalid x-bot-connector-secret header')

  constructor (header: string) {
    super(BotConnectorForbiddenError.kind, `missing or invalid ${header} header`)
  }
}

/** A bot id the team's bot does not list. */
export class BotNotFoundError extends HttpError {
  static readonly kind = errorKind(404, 'BOT_NOT_FOUND', 'not_found', "No bot with that id in the team's bot list", "bot 'support-bot' is not in the bot list")

  constructor (botId: string) {
    super(BotNotFoundError.kind, `bot '${botId}' is not in the bot list`)
  }
}

/** Something the answer depends on is away: `<what> unavailable (<why>); retry later`. */
class UnavailableError extends RetryLaterError {
  constructor (kind: ErrorKind, what: string, why: string, retryAfterSeconds: number) {
    super(kind, `${what} unavailable (${why}); retry later`, retryAfterSeconds)
  }
}

/** The team's bot could not give its bot list (down, slow, failing or garbled) and none was cached. */
export class BotUnavailableError extends UnavailableError {
  static readonly kind = retryLaterKind('BOT_UNAVAILABLE', 'bot_unavailable',
    "The team's bot did not give its bot list (BOT_URL down, slow, failing or answering garbage)", 'bot list unavailable (bot answered 503); retry later')

  constructor (why: string, retryAfterSeconds: number) { super(BotUnavailableError.kind, 'bot list', why, retryAfterSeconds) }
}

/** A signed webhook whose X-Timestamp is missing (when required), malformed or outside the window. */
export class InvalidTimestampError extends HttpError {
  static readonly kind = errorKind(401, 'INVALID_TIMESTAMP', 'unauthorized',
    'X-Timestamp missing (WEBHOOK_REQUIRE_TIMESTAMP), malformed, or further than WEBHOOK_TOLERANCE_SECONDS from the service clock: a replay or a skewed clock', "x-timestamp is outside the accepted window of 300 s (a replay, or the sender's clock is off)")

  constructor (problem: string) {
    super(InvalidTimestampError.kind, problem)
  }
}

/** Too many sign-in attempts from one client address within the window (POST /operator/session, the console's form). */
export class TooManySignInAttemptsError extends HttpError {
  static readonly kind = errorKind(429, 'TOO_MANY_ATTEMPTS', 'rate_limited', 'Operator sign-in attempts over the limit for the client address',
    'Too many sign-in attempts from this address; try again in 1 minute.', true)

  constructor (after: string, retryAfterSeconds: number) {
    super(TooManySignInAttemptsError.kind, `Too many sign-in attempts from this address; try again in ${after}.`,
      { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) })
  }
}

/** A body declared in a charset other than UTF-8: refused rather than decoded wrongly. */
export class UnsupportedCharsetError extends HttpError {
  static readonly kind = errorKind(415, 'UNSUPPORTED_CHARSET', 'unsupported_media_type',
    'Body declared in a charset other than UTF-8 (send UTF-8, with charset=utf-8 or no charset)',
    "charset 'latin1' is not supported: send the body as UTF-8 (charset=utf-8, or no charset)")

  constructor (charset: string) {
    // Quoted back only as far as a charset name goes.
    super(UnsupportedCharsetError.kind, `charset '${charset.replace(/[^\w.:-]/g, '').slice(0, 40)}' is not supported: send the body as UTF-8 (charset=utf-8, or no charset)`)
  }
}

export class NotFoundError extends HttpError {
  static readonly kind = errorKind(404, 'NOT_FOUND', 'not_found',
    'No recorded history for that conversation', 'conversation 4ff43965-ec45-4f8c-8019-d83551de6d0a has no recorded history')

  constructor (message: string) {
    super(NotFoundError.kind, message)
  }
}

/** No route for this method and path. */
export class RouteNotFoundError extends HttpError {
  static readonly kind = errorKind(404, 'ROUTE_NOT_FOUND', 'route_not_found',
    'No route for this method and path', 'Route GET:/nowhere not found')

  constructor (method: string, path: string) {
    super(RouteNotFoundError.kind, `Route ${method}:${path} not found`)
  }
}

/** The customer has left: there is nobody to hand off, now or on a retry. */
export class ConversationEndedError extends HttpError {
  static readonly kind = errorKind(409, 'CONVERSATION_ENDED', 'conversation_ended',
    'The conversation has ended (no connected customer); later events answer 409 too', 'conversation 4ff43965-ec45-4f8c-8019-d83551de6d0a has ended (no connected customer); nothing to hand off')

  readonly reason: string
  constructor (conversationId: string, reason: string) {
    super(ConversationEndedError.kind, `conversation ${conversationId} has ended (${reason}); nothing to hand off`)
    this.reason = reason
  }
}

/** The shared store (Redis) cannot be reached or answered too late; nothing about this event is settled. */
export class StoreUnavailableError extends UnavailableError {
  static readonly kind = retryLaterKind('STORE_UNAVAILABLE', 'store_unavailable',
    'The conversation store is unreachable (Redis: nothing was recorded), or the embedded store has no room for another handoff (HISTORY_MAX_BYTES)', 'conversation store unavailable (Connection is closed.); retry later')

  constructor (why: string, retryAfterSeconds: number) { super(StoreUnavailableError.kind, 'conversation store', why, retryAfterSeconds) }
}

/** Another instance is handing this conversation off and it did not settle within this event's deadline. */
export class HandoffInProgressError extends RetryLaterError {
  static readonly kind = retryLaterKind('HANDOFF_IN_PROGRESS', 'handoff_in_progress',
    'Another instance is handing the conversation off and did not finish within the deadline',
    'the handoff of conversation 4ff43965-ec45-4f8c-8019-d83551de6d0a is being handled by another instance and did not complete in time; retry later')

  constructor (conversationId: string, retryAfterSeconds: number) {
    super(HandoffInProgressError.kind,
      `the handoff of conversation ${conversationId} is being handled by another instance and did not complete in time; retry later`,
      retryAfterSeconds)
  }
}

/** The instance is closing (SIGTERM): another instance takes the request on the caller's retry. */
export class ShuttingDownError extends RetryLaterError {
  static readonly kind = retryLaterKind('SHUTTING_DOWN', 'shutting_down',
    'This instance is shutting down; nothing was done and another instance answers the retry', 'shutting down; retry later')

  constructor (retryAfterSeconds: number) { super(ShuttingDownError.kind, 'shutting down; retry later', retryAfterSeconds) }
}

/** Errors Fastify raises itself, described for the docs and counted under these outcomes. */
export const FASTIFY_ERROR_KINDS: readonly ErrorKind[] = [
  { status: 400, code: 'FST_ERR_VALIDATION', outcome: 'invalid', description: 'The body or a parameter does not match the schema', example: 'body/intent/confidence must be <= 1' },
  { status: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY', outcome: 'invalid', description: 'The body is not valid JSON', example: "Body is not valid JSON but content-type is set to 'application/json'" },
  { status: 400, code: 'FST_ERR_CTP_EMPTY_JSON_BODY', outcome: 'invalid', description: 'An empty JSON body', example: "Body cannot be empty when content-type is set to 'application/json'" },
  { status: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', outcome: 'too_large', description: 'Body larger than WEBHOOK_BODY_LIMIT', example: 'Request body is too large' },
  { status: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', outcome: 'unsupported_media_type', description: 'Body is not application/json', example: 'Unsupported Media Type' },
  { status: 503, code: 'FST_UNDER_PRESSURE', outcome: 'overloaded', retryAfter: true, description: 'The event loop is overloaded; load is shed', example: 'Service overloaded; retry later' }
]

const FASTIFY_OUTCOMES = new Map(FASTIFY_ERROR_KINDS.map(k => [k.code, k.outcome]))
// Other Fastify errors of the same status (e.g. a bad content-length) count like the kinds above.
const STATUS_OUTCOMES = new Map([...FASTIFY_ERROR_KINDS, UnauthorizedError.kind].reverse().map(k => [k.status, k.outcome]))

/** The outcome label an error is counted and logged under. */
export function outcomeOf (err: { statusCode?: number, code?: string }): string {
  if (err instanceof HttpError) return err.outcome
  const known = err.code === undefined ? undefined : FASTIFY_OUTCOMES.get(err.code)
  if (known !== undefined) return known
  const status = err.statusCode ?? 500
  return STATUS_OUTCOMES.get(status) ?? (status < 500 ? 'rejected' : 'error')
}
