// Which peers may speak for the client through X-Forwarded-For/-Proto/-Host (TRUST_PROXY): nobody (the
// default), everybody (`true`), the nearest N hops (a number), or proxies by address: IPs, CIDR ranges and
// proxy-addr's names loopback, linklocal, uniquelocal. Behind a TLS-terminating proxy this is what lets the
// service see the request as https (the operator session cookie is Secure).
import { isIP } from 'node:net'
import proxyAddr from '@fastify/proxy-addr'

export type TrustProxy = boolean | number | string[]
export type TrustFunction = (address: string, hop: number) => boolean

const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal'])
const EXPECTED = 'expected true, false, a hop count, or a comma-separated list of proxy IPs/CIDRs (or loopback, linklocal, uniquelocal)'

/** The TRUST_PROXY setting; throws naming the setting when it cannot be read. */
export function parseTrustProxy (value: string): TrustProxy {
  const text = value.trim()
  if (text === '' || text === 'false') return false
  if (text === 'true') return true
  if (/^\d+$/.test(text)) {
    const hops = Number(text)
    if (hops > 100) throw new Error(`TRUST_PROXY hop count ${hops} is implausible; ${EXPECTED}`)
    return hops
  }
  const list = text.split(',').map(s => s.trim()).filter(s => s !== '')
  // Written out in full: proxy-addr would also read shorthands such as `1.5` (1.0.0.5).
  const loose = list.find(entry => !NAMED.has(entry) && isIP(entry.split('/')[0] ?? '') === 0)
  if (loose !== undefined) throw new Error(`TRUST_PROXY is not valid ('${loose}' is not an IP address or CIDR range); ${EXPECTED}`)
  try {
    proxyAddr.compile(list)
  } catch (err) {
    throw new Error(`TRUST_PROXY is not valid (${err instanceof Error ? err.message : String(err)}); ${EXPECTED}`)
  }
  return list
}

/**
 * The function Fastify asks for each hop. A hop count trusts whatever connects directly, so it is only safe
 * when the service cannot be reached except through the proxy; an address list checks the proxy itself.
 */
export function trustFunction (setting: TrustProxy): TrustFunction {
  if (setting === true) return () => true
  if (setting === false) return () => false
  if (typeof setting === 'number') return (_address, hop) => hop < setting
  return proxyAddr.compile(setting)
}
