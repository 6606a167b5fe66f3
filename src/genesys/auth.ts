// OAuth client-credentials tokens for one app instance: cached, refreshed ahead of expiry, and fetched
// single-flight so a burst of cold handoffs makes one token request.
import type { GenesysTransport, SendContext } from './transport.js'
import { GenesysUnavailableError, answerError } from './errors.js'
import { baseUrl } from './endpoint.js'
import type { Telemetry } from '../telemetry.js'

export interface GenesysAuthOptions {
  transport: GenesysTransport
  loginBaseUrl: string
  clientId: string
  clientSecret: string
  /** refresh this long before the token expires */
  refreshEarlyMs?: number
  telemetry?: Telemetry
  now?: () => number
}

interface CachedToken {
  value: string
  refreshAt: number
  expiresAt: number
}

export const TOKEN_OPERATION = 'token request'
const TOKEN_PATH = '/oauth/token'

export class GenesysAuth {
  /** token requests sent to Genesys by this instance */
  tokenRequests = 0
  private readonly opts: GenesysAuthOptions
  private readonly now: () => number
  private readonly basic: string
  private readonly login: { origin: string, path: string, endpoint: string }
  private cached: CachedToken | null = null
  private inflight: Promise<string> | null = null

  constructor (opts: GenesysAuthOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
    this.basic = 'Basic ' + Buffer.from(`${opts.clientId}:${opts.clientSecret}`).toString('base64')
    const login = baseUrl(opts.loginBaseUrl)
    this.login = { origin: login.origin, path: login.path + TOKEN_PATH, endpoint: login.template + TOKEN_PATH }
  }

  async getToken (ctx: SendContext): Promise<string> {
    const current = this.cached
    if (current !== null && this.now() < current.refreshAt) return current.value
    try {
      this.inflight ??= this.fetchToken(ctx).finally(() => { this.inflight = null })
      return await this.inflight
    } catch (err) {
      // A refresh that fails early leaves the still-valid token usable.
      if (current !== null && this.now() < current.expiresAt) return current.value
      throw err
    }
  }

  /** Drops the cached token if it is the one Genesys just refused. */
  invalidate (token: string): void {
    if (this.cached?.value === token) this.cached = null
  }

  private async fetchToken (ctx: SendContext): Promise<string> {
    this.tokenRequests++
    this.opts.telemetry?.publish('tokenFetch', {})
    const res = await this.opts.transport.send({
      operation: TOKEN_OPERATION,
      method: 'POST',
      ...this.login,
      headers: { authorization: this.basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      retryPost: true
    }, ctx)
    if (res.status !== 200) throw answerError(TOKEN_OPERATION, res.status, res.headers, res.body, this.now())
    let token: unknown
    let expiresIn: unknown
    try {
      ({ access_token: token, expires_in: expiresIn } = JSON.parse(res.body) as Record<string, unknown>)
    } catch {}
    if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number' || expiresIn <= 0) {
      throw new GenesysUnavailableError(TOKEN_OPERATION, { status: res.status }, 5, 'token response had no usable access_token/expires_in')
    }
    const lifetime = expiresIn * 1000
    const now = this.now()
    // Refresh a minute early; for short-lived tokens, at half their life.
    const early = Math.min(this.opts.refreshEarlyMs ?? 60_000, lifetime / 2)
    this.cached = { value: token, refreshAt: now + lifetime - early, expiresAt: now + lifetime }
    return token
  }
}
