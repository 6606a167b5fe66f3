// The team's bot, itself a Digital Bot Connector v2 service at BOT_URL (its Bot Connector URI: …/messages and
// …/bots below it). One keep-alive pool per app instance; each call is bounded by BOT_TIMEOUT_MS, well inside
// the 1.5–60 s Genesys gives a bot. Any answer that is not a 2xx carrying a valid v2 body counts as a failure
// (BotCallError), never as the bot's word: the caller then decides what the customer gets.
import { Pool, type Dispatcher } from 'undici'
import { Compile } from 'typebox/compile'
import {
  BotConnectorResponseSchema, BotListSchema, type BotConnectorRequest, type BotConnectorResponse, type BotList
} from '../schemas/botconnector.js'
import type { HeaderSecret } from '../config.js'
import type { BotCallOutcome, Telemetry } from '../telemetry.js'

/** Larger answers are not a bot's answer for one turn. */
const MAX_BODY_BYTES = 256 * 1024

const responseValidator = Compile(BotConnectorResponseSchema)
const listValidator = Compile(BotListSchema)

export interface BotClientOptions {
  /** the bot's Bot Connector URI, without a trailing slash */
  baseUrl: string
  timeoutMs: number
  maxConnections: number
  /** sent with every call; null sends none */
  secret: HeaderSecret | null
  /** send through this dispatcher instead of a fresh pool (tests pass a MockAgent) */
  dispatcher?: Dispatcher
  telemetry?: Telemetry
  now?: () => number
}

/** Why a bot call's answer cannot be used. Messages name the failure, never the secret. */
export class BotCallError extends Error {
  readonly outcome: Exclude<BotCallOutcome, 'ok'>
  constructor (outcome: Exclude<BotCallOutcome, 'ok'>, message: string) {
    super(message)
    this.name = 'BotCallError'
    this.outcome = outcome
  }
}

interface CallSpec {
  operation: 'messages' | 'bots'
  method: 'GET' | 'POST'
  path: string
  body?: string
  requestId?: string
}

export class BotClient {
  private readonly opts: BotClientOptions
  private readonly dispatcher: Dispatcher
  private readonly origin: string
  private readonly basePath: string
  private readonly now: () => number

  constructor (opts: BotClientOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
    const url = new URL(opts.baseUrl)
    this.origin = url.origin
    this.basePath = url.pathname.replace(/\/+$/, '')
    this.dispatcher = opts.dispatcher ?? new Pool(this.origin, {
      connections: opts.maxConnections,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connectTimeout: opts.timeoutMs,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs
    })
  }

  /** Forwards one turn unchanged and returns the bot's answer, checked against the v2 schema. */
  async message (request: BotConnectorRequest, requestId?: string): Promise<BotConnectorResponse> {
    const body = await this.call({ operation: 'messages', method: 'POST', path: '/messages', body: JSON.stringify(request), requestId }, (value) => {
      if (!responseValidator.Check(value)) return firstError(responseValidator.Errors(value))
      // Genesys requires an intent with Complete; without one the flow would fail anyway.
      if (value.botState === 'Complete' && (value.intent ?? '') === '') return 'botState Complete without an intent'
      return null
    })
    return body as BotConnectorResponse
  }

  /** The bot's bot list. */
  async bots (requestId?: string): Promise<BotList> {
    const body = await this.call({ operation: 'bots', method: 'GET', path: '/bots', requestId }, (value) =>
      listValidator.Check(value) ? null : firstError(listValidator.Errors(value)))
    return body as BotList
  }

  async close (): Promise<void> {
    await this.dispatcher.close()
  }

  private async call (spec: CallSpec, problem: (value: unknown) => string | null): Promise<unknown> {
    const started = this.now()
    const headers: Record<string, string> = { accept: 'application/json' }
    if (spec.body !== undefined) headers['content-type'] = 'application/json'
    if (this.opts.secret !== null) headers[this.opts.secret.header] = this.opts.secret.secret
    if (spec.requestId !== undefined) headers['x-request-id'] = spec.requestId
    const abort = new AbortController()
    const timer = setTimeout(() => { abort.abort(new DOMException('bot timeout', 'TimeoutError')) }, this.opts.timeoutMs)
    try {
      const res = await this.dispatcher.request({
        origin: this.origin,
        path: this.basePath + spec.path,
        method: spec.method,
        headers,
        body: spec.body,
        signal: abort.signal,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs
      })
      if (res.statusCode < 200 || res.statusCode > 299) {
        // Read off (bounded) so the connection can be reused.
        await res.body.dump({ limit: MAX_BODY_BYTES }).catch(() => {})
        throw new BotCallError('status', `bot answered ${res.statusCode}`)
      }
      const text = await readLimited(res.body, MAX_BODY_BYTES)
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        throw new BotCallError('invalid', 'bot answered a body that is not JSON')
      }
      const why = problem(value)
      if (why !== null) throw new BotCallError('invalid', `bot answered an invalid Bot Connector body: ${why}`)
      this.opts.telemetry?.publish('botCall', { operation: spec.operation, outcome: 'ok', durationMs: this.now() - started })
      return value
    } catch (err) {
      const failure = classify(err, abort.signal.aborted, this.opts.timeoutMs)
      this.opts.telemetry?.publish('botCall', { operation: spec.operation, outcome: failure.outcome, durationMs: this.now() - started })
      throw failure
    } finally {
      clearTimeout(timer)
    }
  }
}

function firstError (errors: ReadonlyArray<{ instancePath: string, message?: string }>): string {
  const e = errors[0]
  return e === undefined ? 'body is invalid' : `${e.instancePath === '' ? 'body' : e.instancePath} ${e.message ?? 'is invalid'}`
}

async function readLimited (body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > max) {
      body.destroy()
      throw new BotCallError('invalid', `bot answered more than ${max} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function classify (err: unknown, aborted: boolean, timeoutMs: number): BotCallError {
  if (err instanceof BotCallError) return err
  const code = (err as { code?: unknown }).code
  if (aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new BotCallError('timeout', `bot did not answer within ${timeoutMs} ms`)
  }
  return new BotCallError('error', `bot unreachable (${typeof code === 'string' ? code : err instanceof Error ? err.message : 'unknown error'})`)
}
