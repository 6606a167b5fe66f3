// What each way in needs from the configuration: the OAuth client only for the Platform API strategies,
// the Bot Connector settings, and the startup warning for the tutorial's routing-metadata call.
import t from 'tap'
import { Writable } from 'node:stream'
import pino from 'pino'
import { build as buildApp } from '../plugins/app.js'
import { BOT_CONNECTOR_SECRET, build, testEnv } from './helper.js'

const NO_CLIENT = { GENESYS_CLIENT_ID: undefined, GENESYS_CLIENT_SECRET: undefined }
const STRONG_PRODUCTION = {
  NODE_ENV: 'production',
  WEBHOOK_SHARED_SECRET: 'c4e8a2f6b0d9e7c5a3f1b8d6',
  SESSION_SECRET: 'b8e4d2f6a0c9e7b5d3f1a8c6e4b2d0f9a7c5e3b1',
  ADMIN_TOKEN: 'e1c7a9f3b5d2e8c4a6f0b9d7',
  GENESYS_API_BASE_URL: 'https://api.genesys.test',
  GENESYS_LOGIN_BASE_URL: 'https://login.genesys.test'
}

async function startupError (env: Record<string, unknown>): Promise<string> {
  return await buildApp({ env, dotenv: false }).then(async app => { await app.close(); return '' }, (e: unknown) => (e as Error).message)
}

t.test('flow-based deployments need no Genesys OAuth client', async t => {
  const flow = await build(t, { envOverrides: { ...NO_CLIENT, HANDOFF_STRATEGY: 'flow' } })
  t.equal(flow.config.handoff.strategy, 'flow')
  t.equal(flow.config.genesys.clientId, '')
  t.equal(flow.config.genesys.clientSecret, '')
  const bot = await build(t, { envOverrides: { ...NO_CLIENT, HANDOFF_STRATEGY: 'flow', BOT_URL: 'http://127.0.0.1:9/botconnector' } })
  t.ok(bot.botConnector, 'Bot Connector mode on without an OAuth client')
})

t.test('the Platform API strategies without an OAuth client: the error says what each way in needs', async t => {
  for (const strategy of ['platform-api', 'routing-metadata', undefined]) {
    const message = await startupError(testEnv({ ...NO_CLIENT, HANDOFF_STRATEGY: strategy, BOT_URL: 'http://127.0.0.1:9/botconnector' }))
    t.match(message, /^Invalid configuration: missing required setting\(s\) GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET; /, String(strategy))
    t.match(message, /HANDOFF_STRATEGY=platform-api or routing-metadata calls the Genesys Platform API and needs GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET/)
    t.match(message, /Bot Connector mode with BOT_URL, or a Data Action with HANDOFF_STRATEGY=flow\) need no OAuth client: set HANDOFF_STRATEGY=flow/)
  }
  const one = await startupError(testEnv({ GENESYS_CLIENT_SECRET: undefined }))
  t.match(one, /missing required setting\(s\) GENESYS_CLIENT_SECRET; HANDOFF_STRATEGY=platform-api/, 'one missing is named alone')
  t.notMatch(await startupError(testEnv({ GENESYS_CLIENT_SECRET: undefined, HANDOFF_STRATEGY: 'flow' })), /GENESYS/)
  // .env.example leaves them empty: empty means unset.
  const empty = await startupError(testEnv({ GENESYS_CLIENT_ID: '', GENESYS_CLIENT_SECRET: '' }))
  t.match(empty, /missing required setting\(s\) GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET; HANDOFF_STRATEGY=platform-api or routing-metadata calls/)
  t.equal(await startupError(testEnv({ GENESYS_CLIENT_ID: '', GENESYS_CLIENT_SECRET: '', HANDOFF_STRATEGY: 'flow' })), '', 'empty is fine with flow')
})

t.test('Bot Connector settings: defaults, URL checks, header names', async t => {
  const app = await build(t, { envOverrides: { BOT_URL: 'https://bot.internal:8443/botconnector/', BOT_CONNECTOR_SECRET, BOT_CONNECTOR_SECRET_HEADER: 'X-Genesys-Secret' } })
  t.same(app.config.botConnector, {
    botUrl: 'https://bot.internal:8443/botconnector',
    timeoutMs: 8000,
    maxConnections: 32,
    botSecret: null,
    inbound: { header: 'x-genesys-secret', secret: BOT_CONNECTOR_SECRET },
    inboundHeader: 'x-genesys-secret',
    handoffOnUnavailable: true,
    handoffIntent: 'handoff'
  })
  const withBotSecret = await build(t, { envOverrides: { BOT_URL: 'http://bot:8080', BOT_SECRET: 'bot-side-secret-99aa', BOT_SECRET_HEADER: 'Authorization' } })
  t.same(withBotSecret.config.botConnector?.botSecret, { header: 'authorization', secret: 'bot-side-secret-99aa' })
  t.equal((await build(t)).config.botConnector, null, 'off without BOT_URL')

  t.match(await startupError(testEnv({ BOT_URL: 'bot:8080' })), /BOT_URL must be an http\(s\) URL/)
  t.match(await startupError(testEnv({ BOT_URL: 'not a url' })), /BOT_URL is not a valid URL/)
  const credentials = await startupError(testEnv({ BOT_URL: 'https://user:pa55word@bot/botconnector' }))
  t.match(credentials, /BOT_URL must be a plain base URL/)
  t.notMatch(credentials, /pa55word/, 'a password in the URL is not echoed')
  t.match(await startupError(testEnv({ BOT_URL: 'http://bot', BOT_TIMEOUT_MS: '60000' })), /BOT_TIMEOUT_MS must be <= 55000/)
  t.match(await startupError(testEnv({ BOT_CONNECTOR_SECRET_HEADER: 'x secret' })), /BOT_CONNECTOR_SECRET_HEADER must match pattern/)
  t.match(await startupError(testEnv({ WEBHOOK_SHARED_SECRET_HEADER: 'a:b' })), /WEBHOOK_SHARED_SECRET_HEADER must match pattern/)
})

t.test('production: BOT_CONNECTOR_SECRET required and strong when the mode is on', async t => {
  const base = testEnv({ ...STRONG_PRODUCTION, ...NO_CLIENT, HANDOFF_STRATEGY: 'flow', BOT_URL: 'https://bot.internal/botconnector' })
  t.match(await startupError(base), /BOT_CONNECTOR_SECRET is required when BOT_URL turns the Bot Connector mode on/)
  t.match(await startupError({ ...base, BOT_CONNECTOR_SECRET: 'changeme' }), /BOT_CONNECTOR_SECRET is a sample\/default value/)
  t.match(await startupError({ ...base, BOT_CONNECTOR_SECRET: 'a7c3e9f1' }), /BOT_CONNECTOR_SECRET must be at least 16 characters/)
  t.equal(await startupError({ ...base, BOT_CONNECTOR_SECRET }), '', 'starts with a strong secret and no OAuth client')
})

t.test('routing-metadata logs a warning at startup that a real org answers 404; other strategies do not', async t => {
  const logs = async (strategy: string): Promise<string[]> => {
    const lines: string[] = []
    const sink = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
    await build(t, { envOverrides: { HANDOFF_STRATEGY: strategy }, loggerInstance: pino({ level: 'warn' }, sink) })
    return lines.map(l => JSON.parse(l).msg as string)
  }
  const warned = (await logs('routing-metadata')).filter(m => m.includes('routing-metadata'))
  t.equal(warned.length, 1)
  t.match(warned[0], /not in Genesys' published API: a real Genesys Cloud org answers 404/)
  t.same((await logs('platform-api')).filter(m => m.includes('routing-metadata')), [])
  t.same((await logs('flow')).filter(m => m.includes('routing-metadata')), [])
})
