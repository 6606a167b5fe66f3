// Request ids: a caller's x-request-id is kept when it is short and plain (it lands in logs, in our
// response header and in Genesys' ININ-Correlation-Id), otherwise a fresh UUID is used.
import { randomUUID } from 'node:crypto'

export const REQUEST_ID_HEADER = 'x-request-id'
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

export function requestIdFrom (header: unknown): string {
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID()
}
