import t from 'tap'
import { readFile } from 'node:fs/promises'
import { generateOpenApi } from '../tools/openapi.js'
import { build } from './helper.js'

t.test('the committed openapi.json matches the routes (run `npm run openapi` after changing a schema)', async t => {
  const committed = await readFile(new URL('../openapi.json', import.meta.url), 'utf8')
  t.equal(committed, await generateOpenApi(), 'openapi.json is stale: run `npm run openapi`')
})

t.test('the document covers every route, its errors and its auth', async t => {
  const doc = JSON.parse(await generateOpenApi())
  t.same(Object.keys(doc.paths).sort(), [
    '/botconnector/bots', '/botconnector/bots/{botId}', '/botconnector/messages',
    '/conversations/{conversationId}', '/health/live', '/health/ready', '/metrics', '/operator/session', '/webhook/messaging'
  ])
  const webhook = doc.paths['/webhook/messaging'].post
  t.same(Object.keys(webhook.responses).sort(), ['200', '400', '401', '409', '413', '415', '502', '503'])
  t.same(Object.keys(webhook.responses['200'].content['application/json'].examples).sort(), ['bot_continuing', 'handed_off', 'handoff_initiated'])
  t.ok(webhook.requestBody.content['application/json'].examples, 'request examples')
  for (const status of ['400', '401', '409', '413', '415', '502', '503']) {
    const media = webhook.responses[status].content['application/json']
    t.same(media.schema.required, ['statusCode', 'error', 'message'], `${status} uses the shared error shape`)
    t.ok(media.examples, `${status} has examples`)
  }
  t.ok(webhook.responses['503'].headers['retry-after'])
  t.same(doc.paths['/conversations/{conversationId}'].get.security, [{ bearerAuth: [] }, { cookieAuth: [] }])
  t.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer')
  const messages = doc.paths['/botconnector/messages'].post
  t.same(Object.keys(messages.responses).sort(), ['200', '400', '403', '413', '415', '503'], 'Bot Connector turns: no 5xx but load shedding')
  t.same(messages.security, [{ botConnectorSecret: [] }])
  t.same(doc.components.securitySchemes.botConnectorSecret, {
    type: 'apiKey', in: 'header', name: 'x-bot-connector-secret', description: "BOT_CONNECTOR_SECRET, sent by the Bot Connector integration's credential field"
  })
  t.same(Object.keys(messages.responses['200'].content['application/json'].examples).sort(), ['continue', 'handoff'])
})

t.test('/docs serves the interactive page and the JSON; DOCS_ENABLED=false turns it off', async t => {
  const app = await build(t)
  const page = await app.inject({ url: '/docs' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  const json = await app.inject({ url: '/docs/json' })
  t.equal(json.statusCode, 200)
  t.equal(json.json().openapi, '3.0.3')

  const off = await build(t, { envOverrides: { DOCS_ENABLED: 'false' } })
  t.equal((await off.inject({ url: '/docs/json' })).statusCode, 404)
  const prod = await build(t, {
    envOverrides: {
      NODE_ENV: 'production',
      WEBHOOK_SECRET: '3f9a1c7e5b2d8f4a6c0e1b3d5f7a9c2e',
      GENESYS_API_BASE_URL: 'https://api.genesys.test',
      GENESYS_LOGIN_BASE_URL: 'https://login.genesys.test'
    }
  })
  t.equal((await prod.inject({ url: '/docs/json' })).statusCode, 404, 'off by default in production')
})
