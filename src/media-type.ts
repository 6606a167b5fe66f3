// Bodies are decoded as UTF-8 (JSON's interchange encoding, RFC 8259 §8.1): a request that declares another
// charset is refused with 415 rather than read as something it is not.
import { UnsupportedCharsetError } from './errors.js'

const CHARSET = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i
const UTF8 = /^utf-?8$/i

/** The charset a content-type declares, or null when it declares none. */
export function declaredCharset (contentType: string | undefined): string | null {
  const match = contentType === undefined ? null : CHARSET.exec(contentType)
  return match === null ? null : match[1] ?? match[2] ?? ''
}

/** Throws UnsupportedCharsetError unless the content-type declares UTF-8 (in any spelling) or no charset. */
export function assertUtf8 (contentType: string | undefined): void {
  const charset = declaredCharset(contentType)
  if (charset !== null && !UTF8.test(charset)) throw new UnsupportedCharsetError(charset)
}
