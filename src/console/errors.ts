// Errors only the console answers with (as HTML pages, not part of the JSON API's error catalogue).
import { HttpError, errorKind } from '../errors.js'

/** The console's "find by id" got something that is not a conversation id. */
export class InvalidConversationIdError extends HttpError {
  static readonly kind = errorKind(400, 'INVALID_ID', 'invalid', 'Find by id with something that is not a UUID',
    '"Billing queue" is not a conversation id (a UUID such as 4ff43965-ec45-4f8c-8019-d83551de6d0a).')

  constructor (given: string) {
    super(InvalidConversationIdError.kind, `"${given}" is not a conversation id (a UUID such as 4ff43965-ec45-4f8c-8019-d83551de6d0a).`)
  }
}

/** Too many sign-in attempts from one client address within the window. */
export class TooManySignInAttemptsError extends HttpError {
  static readonly kind = errorKind(429, 'TOO_MANY_ATTEMPTS', 'rate_limited', 'Sign-in attempts over the limit for the client address',
    'Too many sign-in attempts from this address; try again in 1 minute.', true)

  constructor (after: string, retryAfterSeconds: number) {
    super(TooManySignInAttemptsError.kind, `Too many sign-in attempts from this address; try again in ${after}.`,
      { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) })
  }
}
