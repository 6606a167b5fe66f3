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

/** The customer has left: there is nobody to hand off, now or on a retry. */
export class ConversationEndedError extends HttpError {
  readonly reason: string
  constructor (conversationId: string, reason: string) {
    super(409, 'CONVERSATION_ENDED', `conversation ${conversationId} has ended (${reason}); nothing to hand off`)
    this.name = 'ConversationEndedError'
    this.reason = reason
  }
}
