// The security headers each family of answers carries, worked out by helmet once, at startup.
// @fastify/helmet rebuilds helmet's middleware on every request (and adds two hooks); the headers never vary
// per request here (no nonces), so they are computed once and copied onto each answer.
import helmet, { type HelmetOptions } from 'helmet'

export type HeaderSet = Readonly<Record<string, string>>

// Headers that mean something for this service's answers; helmet's others (Origin-Agent-Cluster,
// X-DNS-Prefetch-Control, X-Download-Options, X-Permitted-Cross-Domain-Policies, X-XSS-Protection) only cost
// bytes. HSTS is left to the TLS terminator, which owns the domain's HTTPS policy.
const BASE: HelmetOptions = {
  xFrameOptions: { action: 'deny' },
  xContentTypeOptions: true,
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  crossOriginEmbedderPolicy: false,
  strictTransportSecurity: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  xPoweredBy: false
}

/** What helmet's middleware sets with these CSP directives (on top of the common headers). */
export function headerSet (directives: Record<string, string[]>): HeaderSet {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader (name: string, value: string) { headers[name.toLowerCase()] = value },
    removeHeader (name: string) { delete headers[name.toLowerCase()] }
  }
  const middleware = helmet({ ...BASE, contentSecurityPolicy: { useDefaults: false, directives } })
  middleware({} as never, recorder as never, (err?: unknown) => { if (err !== undefined) throw err })
  return Object.freeze(headers)
}

/** JSON answers: nothing to load, nothing to frame. */
export const API_HEADERS = headerSet({ 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] })

/** The operator console: its own script, style and images only (no inline code; src/console/layout.ts). */
export const CONSOLE_HEADERS = headerSet({
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"]
})

/**
 * swagger-ui at /docs: its bundled script, data: images (its icons), fetches of /docs/json and "try it out".
 * It applies an inline style at run time, so styles may be inline here (never scripts); with images and fonts
 * held to this origin, a style cannot send anything elsewhere.
 */
export const DOCS_HEADERS = headerSet({
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"]
})
