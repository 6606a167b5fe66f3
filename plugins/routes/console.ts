// The operator console under /console: server-rendered, read-only pages (recent conversations, one
// conversation's timeline, live counters) behind the operator cookie session. Off without ADMIN_TOKEN.
// Every answer carries a strict Content-Security-Policy (no inline script or style), is never cached and may
// not be framed; sign-in attempts are rate-limited per client address.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import formbody from '@fastify/formbody'
import rateLimit from '@fastify/rate-limit'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { HttpError, NotFoundError, UnauthorizedError } from '../../src/errors.js'
import { ASSETS } from '../../src/console/assets.js'
import { InvalidConversationIdError } from '../../src/console/errors.js'
import { ASSET_PATH, CONSOLE_PREFIX, errorPage } from '../../src/console/layout.js'
import { PAGE_SIZE, conversationHref, listPage } from '../../src/console/list-page.js'
import { livePage } from '../../src/console/live-page.js'
import { LiveSnapshotSchema, LiveWindow, readTotals } from '../../src/console/live.js'
import { loginPage } from '../../src/console/login-page.js'
import { timelinePage } from '../../src/console/timeline-page.js'
import type { SafeHtml } from '../../src/console/html.js'
import operatorSession, { signInRateLimit, type OperatorSessionOptions } from '../operator-session.js'
import { securityHeaders } from '../security-headers.js'
import { CONSOLE_HEADERS } from '../../src/security-headers.js'
import { UUID_PATTERN } from '../../src/schemas/common.js'

export type ConsoleOptions = OperatorSessionOptions

// A strict CSP (no inline script or style) and never cached; assets override the latter on success.
const HEADERS = { ...CONSOLE_HEADERS, 'cache-control': 'no-store' }

const LOGIN = `${CONSOLE_PREFIX}/login`
const LIVE_JSON = `${CONSOLE_PREFIX}/live.json`
const UUID = new RegExp(UUID_PATTERN)
// The query string arrives as text (no type coercion in this service): numbers are checked as patterns.
const PAGE_NUMBER = '^[1-9][0-9]{0,5}$'
const hidden = { hide: true }

const TITLES: Record<number, string> = {
  400: 'Not a valid request', 404: 'Not found', 429: 'Too many sign-in attempts', 503: 'Store unavailable'
}

function sendPage (reply: FastifyReply, body: SafeHtml, statusCode = 200): FastifyReply {
  return reply.code(statusCode).type('text/html; charset=utf-8').send(body.value)
}

const consoleRoutes: FastifyPluginAsyncTypebox<ConsoleOptions> = async (app, opts) => {
  if (app.config.adminToken === null) return
  const now = opts.now ?? Date.now
  await app.register(operatorSession, { now: opts.now })
  await app.register(formbody, { bodyLimit: 4096 })
  await app.register(rateLimit, { global: false })

  const live = new LiveWindow()
  const sampleLive = async (): Promise<ReturnType<LiveWindow['add']>> => live.add(await readTotals(app.metrics.registry, now()))
  app.addHook('onReady', async () => { await sampleLive() })

  app.addHook('onRequest', securityHeaders(HEADERS))

  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500
    const internal = status >= 500 && status !== 503
    if (internal) request.log.error({ err }, 'console error')
    if (err instanceof HttpError) reply.headers(err.headers)
    const message = internal ? 'Something went wrong; see the service log.' : err.message
    if (request.url.startsWith(LIVE_JSON)) {
      return await reply.code(status).send({ statusCode: status, error: TITLES[status] ?? 'Error', message })
    }
    return sendPage(reply, errorPage(status, TITLES[status] ?? 'Error', message, request.session?.operator === true), status)
  })

  /** Pages need a signed-in browser session; without one, the sign-in page. */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!await app.operators.hasSession(request)) await reply.redirect(LOGIN, 303)
  }

  app.get(`${ASSET_PATH}/:name`, { schema: { ...hidden, params: Type.Object({ name: Type.String({ maxLength: 100 }) }) } }, async (request, reply) => {
    const asset = ASSETS.find(a => a.name === request.params.name)
    if (asset === undefined) throw new NotFoundError('no such file')
    return await reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body)
  })

  app.get(LOGIN, { schema: hidden }, async (request, reply) => {
    if (await app.operators.hasSession(request)) return await reply.redirect(CONSOLE_PREFIX, 303)
    return sendPage(reply, loginPage())
  })

  app.post(LOGIN, {
    config: { rateLimit: signInRateLimit(opts) },
    schema: { ...hidden, body: Type.Object({ token: Type.String({ maxLength: 1000 }) }) }
  }, async (request, reply) => {
    if (!app.operators.tokenMatches(request.body.token)) {
      request.log.warn({ ip: request.ip }, 'console sign-in refused: wrong token')
      return sendPage(reply, loginPage('That token is not right.'), 401)
    }
    await app.operators.signIn(request)
    request.log.info({ ip: request.ip }, 'console sign-in')
    return await reply.redirect(CONSOLE_PREFIX, 303)
  })

  app.post(`${CONSOLE_PREFIX}/logout`, { schema: hidden }, async (request, reply) => {
    await app.operators.signOut(request)
    return await reply.redirect(LOGIN, 303)
  })

  app.get(CONSOLE_PREFIX, {
    onRequest: signedIn,
    schema: {
      ...hidden,
      querystring: Type.Object({
        state: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('pending'), Type.Literal('done')])),
        page: Type.Optional(Type.String({ pattern: PAGE_NUMBER }))
      })
    }
  }, async (request, reply) => {
    const { state } = request.query
    const pageNumber = Number(request.query.page ?? '1')
    const result = await app.historyStore.listRecent({ state, offset: (pageNumber - 1) * PAGE_SIZE, limit: PAGE_SIZE })
    return sendPage(reply, listPage({ result, state, pageNumber }))
  })

  app.get(`${CONSOLE_PREFIX}/find`, {
    onRequest: signedIn,
    schema: { ...hidden, querystring: Type.Object({ id: Type.String({ maxLength: 200 }) }) }
  }, async (request, reply) => {
    const id = request.query.id.trim()
    if (!UUID.test(id)) throw new InvalidConversationIdError(id)
    return await reply.redirect(conversationHref(id.toLowerCase()), 303)
  })

  app.get(`${CONSOLE_PREFIX}/conversations/:conversationId`, {
    onRequest: signedIn,
    schema: { ...hidden, params: Type.Object({ conversationId: Type.String({ pattern: UUID_PATTERN }) }) }
  }, async (request, reply) => {
    const conversationId = request.params.conversationId.toLowerCase()
    const snapshot = await app.historyStore.get(conversationId)
    if (snapshot === null) throw new NotFoundError(`Conversation ${conversationId} has no recorded history (never seen, or expired).`)
    return sendPage(reply, timelinePage({ snapshot, policy: app.handoff.policy }))
  })

  app.get(`${CONSOLE_PREFIX}/live`, {
    onRequest: signedIn,
    schema: { ...hidden, querystring: Type.Object({ refresh: Type.Optional(Type.String({ pattern: '^([1-9]|[1-5][0-9]|60)$' })) }) }
  }, async (request, reply) => {
    return sendPage(reply, livePage(await sampleLive(), Number(request.query.refresh ?? '5')))
  })

  app.get(LIVE_JSON, {
    onRequest: async (request) => {
      if (!await app.operators.isOperator(request)) throw new UnauthorizedError('operator authentication required', false)
    },
    schema: { ...hidden, response: { 200: LiveSnapshotSchema } }
  }, async () => await sampleLive())
}

export default consoleRoutes
