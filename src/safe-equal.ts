import { createHash, timingSafeEqual } from 'node:crypto'

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function safeEqual (a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

/** Whether an Authorization header carries `Bearer <token>`, compared in constant time. */
export function bearerMatches (header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '')
  return match?.[1] !== undefined && safeEqual(match[1], token)
}
