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
