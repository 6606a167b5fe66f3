// In-memory state of the Genesys simulator: clients, issued tokens, recorded calls and injected faults.
import { randomBytes } from 'node:crypto'

export interface Fault {
  /** HTTP method to match (any when absent) */
  method?: string
  /** path prefix to match, e.g. /oauth/token or /api/v2/conversations (any when absent) */
  path?: string
  /** answer with this status instead of handling the call */
  status?: number
  /** Retry-After header (seconds) sent with the status */
  retryAfter?: number
  /** delay before answering (or before handling, when no status) */
  latencyMs?: number
  /** how many matching calls it affects (default 1) */
  times?: number
  /** Genesys error code put in the error body */
  code?: string
}

export interface RecordedCall {
  method: string
  path: string
  body: unknown
  at: string
  status: number
  correlationId: string
}

interface IssuedToken {
  expiresAt: number
}

export interface SimulatorOptions {
  clientId: string
  clientSecret: string
  tokenTtlSeconds?: number
  now?: () => number
}

export class SimulatorState {
  readonly clientId: string
  readonly clientSecret: string
  tokenTtlSeconds: number
  readonly calls: RecordedCall[] = []
  tokenRequests = 0
  private readonly tokens = new Map<string, IssuedToken>()
  private faults: Array<Fault & { remaining: number }> = []
  private readonly now: () => number

  constructor (opts: SimulatorOptions) {
    this.clientId = opts.clientId
    this.clientSecret = opts.clientSecret
    this.tokenTtlSeconds = opts.tokenTtlSeconds ?? 86400
    this.now = opts.now ?? Date.now
  }

  issueToken (): { token: string, expiresIn: number } {
    this.tokenRequests++
    const token = randomBytes(24).toString('base64url')
    this.tokens.set(token, { expiresAt: this.now() + this.tokenTtlSeconds * 1000 })
    return { token, expiresIn: this.tokenTtlSeconds }
  }

  tokenValid (token: string): boolean {
    const issued = this.tokens.get(token)
    return issued !== undefined && issued.expiresAt > this.now()
  }

  /** Makes every issued token invalid at once, as if they had all expired. */
  expireTokens (): void {
    this.tokens.clear()
  }

  addFault (fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 })
  }

  /** The first fault matching this call, consumed once. */
  takeFault (method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(f =>
      (f.method === undefined || f.method.toUpperCase() === method) &&
      (f.path === undefined || path.startsWith(f.path)))
    if (index === -1) return undefined
    const fault = this.faults[index]
    if (fault === undefined) return undefined
    fault.remaining--
    if (fault.remaining <= 0) this.faults.splice(index, 1)
    return fault
  }

  callsTo (method: string, pathPrefix: string): RecordedCall[] {
    return this.calls.filter(c => c.method === method && c.path.startsWith(pathPrefix))
  }

  reset (): void {
    this.calls.length = 0
    this.faults = []
    this.tokens.clear()
    this.tokenRequests = 0
  }
}
