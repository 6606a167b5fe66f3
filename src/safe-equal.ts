import { createHash, timingSafeEqual } from 'node:crypto'

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function safeEqual (a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

/**
 * Whether an Authorization header carries `Bearer <token>`, compared in constant time. The scheme is
 * case-insensitive and followed by one or more spaces (RFC 7235 §2.1); the token is compared exactly.
 */
export function bearerMatches (header: string | undefined, token: string): boolean {
  const match = /^bearer +(.+)$/i.exec(header ?? '')
  return match?.[1] !== undefined && safeEqual(match[1], token)
}
