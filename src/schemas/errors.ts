// The one error shape every route answers with, and its OpenAPI answers generated from the error classes'
// own descriptions (so examples cannot drift from what the code throws).
import { STATUS_CODES } from 'node:http'
import { Type, type Static } from 'typebox'
import type { ErrorKind } from '../errors.js'

export const ErrorResponseSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String({ description: 'HTTP reason phrase' }),
  code: Type.Optional(Type.String({ description: 'machine-readable code, e.g. GENESYS_REJECTED' })),
  message: Type.String({ description: 'what went wrong, naming the field or the upstream status' })
}, { description: 'Error' })
export type ErrorResponse = Static<typeof ErrorResponseSchema>

export function reasonPhrase (status: number): string {
  return STATUS_CODES[status] ?? 'Error'
}

/** The error body an error kind is answered with. */
export function errorBody (kind: Pick<ErrorKind, 'status' | 'code'>, message: string): ErrorResponse {
  return { statusCode: kind.status, error: reasonPhrase(kind.status), code: kind.code, message }
}

/** OpenAPI answers for the errors a route can give, one per status, each kind an example. */
export function errorResponses (kinds: readonly ErrorKind[]): Record<number, unknown> {
  const byStatus = new Map<number, ErrorKind[]>()
  for (const kind of kinds) byStatus.set(kind.status, [...(byStatus.get(kind.status) ?? []), kind])
  const responses: Record<number, unknown> = {}
  for (const [status, group] of byStatus) {
    responses[status] = {
      ...ErrorResponseSchema,
      description: group.map(k => k.description).join('; '),
      'x-examples': Object.fromEntries(group.map(k => [k.code, { value: errorBody(k, k.example) }])),
      ...(group.some(k => k.retryAfter === true)
        ? { headers: { 'retry-after': { type: 'integer', description: 'seconds to wait before retrying' } } }
        : {})
    }
  }
  return responses
}
