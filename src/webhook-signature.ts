// Genesys Open Messaging signs each webhook with `X-Hub-Signature-256: sha256=<digest>`, the HMAC-SHA256
// of the raw body keyed with the shared secret. Genesys' sample encodes the digest in base64, other senders
// in hex: both encodings of the same digest are accepted.
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'x-hub-signature-256'

const HEX_DIGEST = /^[0-9a-f]{64}$/i
// 32 bytes in base64 (standard or URL-safe alphabet), padding optional
const BASE64_DIGEST = /^[A-Za-z0-9+/_-]{43}=?$/

export function hmacDigest (secret: string, body: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(body).digest()
}

/** The header value a sender would put on this body. */
export function signature (secret: string, body: Buffer | string, encoding: 'base64' | 'hex' = 'base64'): string {
  return `sha256=${hmacDigest(secret, body).toString(encoding)}`
}

/** The 32 digest bytes a header claims, or null when it is absent or malformed. */
export function parseSignature (header: unknown): Buffer | null {
  if (typeof header !== 'string') return null
  const match = /^sha256=(.+)$/i.exec(header.trim())
  const digest = match?.[1]
  if (digest === undefined) return null
  if (HEX_DIGEST.test(digest)) return Buffer.from(digest, 'hex')
  if (BASE64_DIGEST.test(digest)) {
    const bytes = Buffer.from(digest.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    return bytes.length === 32 ? bytes : null
  }
  return null
}

/** True when the header carries the body's digest; compared in constant time. */
export function verifySignature (secret: string, body: Buffer, header: unknown): boolean {
  const claimed = parseSignature(header)
  if (claimed === null) return false
  return timingSafeEqual(hmacDigest(secret, body), claimed)
}
