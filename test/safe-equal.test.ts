// The Authorization header check (src/safe-equal.ts): RFC 7235 makes the scheme case-insensitive.
import t from 'tap'
import { bearerMatches } from '../src/safe-equal.js'
import { ADMIN_TOKEN, build, messagingEvent, newConversationId, postEvent } from './helper.js'

const TOKEN = 'metrics-token-0123456789abcdef'

t.test('the Bearer scheme in any case, then one or more spaces, then the exact token', async t => {
  for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`, `bEaReR ${TOKEN}`, `Bearer  ${TOKEN}`]) {
    t.ok(bearerMatches(header, TOKEN), header)
  }
  for (const header of [undefined, '', 'Bearer', 'Bearer ', `Basic ${TOKEN}`, `Bearer${TOKEN}`, `Bearer ${TOKEN.toUpperCase()}`,
    `Bearer ${TOKEN} `, `Bearer ${TOKEN}x`, ` Bearer ${TOKEN}`, `Bearers ${TOKEN}`]) {
    t.notOk(bearerMatches(header, TOKEN), String(header))
  }
})

t.test('operator and metrics routes accept a lower-case scheme', async t => {
  const app = await build(t, { envOverrides: { METRICS_TOKEN: TOKEN } })
  const id = newConversationId()
  await postEvent(app, messagingEvent(id, 0.9))
  t.equal((await app.inject({ url: `/conversations/${id}`, headers: { authorization: `bearer ${ADMIN_TOKEN}` } })).statusCode, 200)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: `BEARER ${TOKEN}` } })).statusCode, 200)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: `bearer ${ADMIN_TOKEN}` } })).statusCode, 401, 'still the right token only')
})
