// Every error the service answers with, in one list: the routes' OpenAPI answers and the docs' error table
// (tools/openapi.ts) are generated from it.
import {
  BotConnectorForbiddenError, BotNotFoundError, BotUnavailableError, ConversationEndedError, FASTIFY_ERROR_KINDS,
  HandoffInProgressError, InvalidSharedSecretError, InvalidSignatureError, InvalidTimestampError, NotFoundError,
  RouteNotFoundError, ShuttingDownError, StoreUnavailableError, TooManySignInAttemptsError, UnauthorizedError, UnsupportedCharsetError, type ErrorKind
} from './errors.js'
import { GenesysRejectedError, GenesysUnavailableError, TransferOutcomeUnknownError } from './genesys/errors.js'

const fastify = (code: string): ErrorKind => {
  const kind = FASTIFY_ERROR_KINDS.find(k => k.code === code)
  if (kind === undefined) throw new Error(`unknown Fastify error ${code}`)
  return kind
}

export const ERRORS = {
  validation: fastify('FST_ERR_VALIDATION'),
  invalidJson: fastify('FST_ERR_CTP_INVALID_JSON_BODY'),
  tooLarge: fastify('FST_ERR_CTP_BODY_TOO_LARGE'),
  mediaType: fastify('FST_ERR_CTP_INVALID_MEDIA_TYPE'),
  unsupportedCharset: UnsupportedCharsetError.kind,
  overloaded: fastify('FST_UNDER_PRESSURE'),
  unauthorized: UnauthorizedError.kind,
  tooManySignInAttempts: TooManySignInAttemptsError.kind,
  invalidSignature: InvalidSignatureError.kind,
  invalidTimestamp: InvalidTimestampError.kind,
  invalidSharedSecret: InvalidSharedSecretError.kind,
  botConnectorForbidden: BotConnectorForbiddenError.kind,
  botNotFound: BotNotFoundError.kind,
  botUnavailable: BotUnavailableError.kind,
  notFound: NotFoundError.kind,
  routeNotFound: RouteNotFoundError.kind,
  conversationEnded: ConversationEndedError.kind,
  genesysRejected: GenesysRejectedError.kind,
  genesysUnavailable: GenesysUnavailableError.kind,
  transferOutcomeUnknown: TransferOutcomeUnknownError.kind,
  storeUnavailable: StoreUnavailableError.kind,
  handoffInProgress: HandoffInProgressError.kind,
  shuttingDown: ShuttingDownError.kind
} satisfies Record<string, ErrorKind>

/** Every kind, for the docs. */
export const ALL_ERROR_KINDS: readonly ErrorKind[] = [...new Set([...FASTIFY_ERROR_KINDS, ...Object.values(ERRORS)])]
  .sort((a, b) => a.status - b.status || a.code.localeCompare(b.code))
