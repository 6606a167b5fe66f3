// Errors that carry the HTTP answer the webhook should get. Messages are written for the caller and never
// include tokens or secrets.

export class HttpError extends Error {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly code: string

  constructor (statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = 'HttpError'
    this.statusCode = statusCode
    this.code = code
    this.headers = headers
  }
}

/** The shared store (Redis) cannot be reached or answered too late; nothing about this event is settled. */
export class StoreUnavailableError extends HttpError {
  constructor (why: string, retryAfterSeconds: number) {
    super(503, 'STORE_UNAVAILABLE', `conversation store unavailable (${why}); retry later`,
      { 'retry-after': String(retryAfterSeconds) })
    this.name = 'StoreUnavailableError'
  }
}

/** Another instance is handing this conversation off and it did not settle within this event's deadline. */
export class HandoffInProgressError extends HttpError {
  constructor (conversationId: string, retryAfterSeconds: number) {
    super(503, 'HANDOFF_IN_PROGRESS', `the handoff of conversation ${conversationId} is being handled by another instance and did not complete in time; retry later`,
      { 'retry-after': String(retryAfterSeconds) })
    this.name = 'HandoffInProgressError'
  }
}

/** The customer has left: there is nobody to hand off, now or on a retry. */
export class ConversationEndedError extends HttpError {
  readonly reason: string
  constructor (conversationId: string, reason: string) {
    super(409, 'CONVERSATION_ENDED', `conversation ${conversationId} has ended (${reason}); nothing to hand off`)
    this.name = 'ConversationEndedError'
    this.reason = reason
  }
}
