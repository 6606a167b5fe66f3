// Genesys Open Messaging signs each webhook with `X-Hub-Signature-256: sha256=<digest>`, the HMAC-SHA256
// of the raw body keyed with the shared secret. Genesys' sample encodes the digest in base64, other senders
// in hex: both encodings of the same digest are accepted. A sender that also sends `X-Timestamp` (whole
// seconds since the epoch) signs `${timestamp}.${rawBody}` instead, as Stripe and Slack do, so a delivery
// cannot be replayed outside the accepted window with a new timestamp.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto'

export const SIGNATURE_HEADER = 'x-hub-signature-256'
export const TIMESTAMP_HEADER = 'x-timestamp'

const HEX_DIGEST = /^[0-9a-f]{64}$/i
// 32 bytes in base64 (standard or URL-safe alphabet), padding optional
const BASE64_DIGEST = /^[A-Za-z0-9+/_-]{43}=?$/

/** The secret as a key object, made once: createHmac then skips preparing the key on every request. */
export function signatureKey (secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'))
}

export function hmacDigest (secret: string | KeyObject, body: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(body).digest()
}

/** What is signed: the raw body, or `${timestamp}.${rawBody}` when the sender sends X-Timestamp. */
export function signedContent (body: Buffer, timestamp: string | undefined): Buffer {
  return timestamp === undefined ? body : Buffer.concat([Buffer.from(`${timestamp}.`), body])
}

/** The header value a sender would put on this content. */
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

/** True when the header carries the digest of the body (with the timestamp, if any); constant-time compare. */
export function verifySignature (secret: string | KeyObject, body: Buffer, header: unknown, timestamp?: string): boolean {
  const claimed = parseSignature(header)
  return claimed !== null && verifyDigest(secret, body, claimed, timestamp)
}

/** verifySignature for a digest already parsed from its header (the webhook route parses it once, on arrival). */
export function verifyDigest (secret: string | KeyObject, body: Buffer, claimed: Buffer, timestamp?: string): boolean {
  // The same bytes as signedContent, fed in two parts instead of copied into one buffer.
  const hmac = createHmac('sha256', secret)
  if (timestamp !== undefined) hmac.update(`${timestamp}.`)
  return timingSafeEqual(hmac.update(body).digest(), claimed)
}

// Whole seconds, up to 11 digits (beyond the year 5000): a value in milliseconds is refused, not misread.
const TIMESTAMP = /^\d{1,11}$/

/** Why an X-Timestamp header is not acceptable now (null when it is, or when it is absent and optional). */
export function timestampProblem (header: unknown, nowMs: number, toleranceSeconds: number, required: boolean): string | null {
  if (header === undefined) return required ? `missing ${TIMESTAMP_HEADER} (required)` : null
  if (typeof header !== 'string' || !TIMESTAMP.test(header)) return `malformed ${TIMESTAMP_HEADER} (expected whole seconds since the epoch)`
  const skew = Math.abs(nowMs / 1000 - Number(header))
  if (skew > toleranceSeconds) return `${TIMESTAMP_HEADER} is outside the accepted window of ${toleranceSeconds} s (a replay, or the sender's clock is off)`
  return null
}
