// POST /operator/session: sign-in attempts are limited per client address (issue 12, item 9), like the
// console's sign-in form.
import t from 'tap'
import { ADMIN_TOKEN, build } from './helper.js'

t.test('operator sign-in attempts are limited per client address: 429 with Retry-After, a catalogue error', async t => {
  const app = await build(t)
  const signIn = async (token: string, remoteAddress = '192.0.2.7'): Promise<Awaited<ReturnType<typeof app.inject>>> =>
    await app.inject({ method: 'POST', url: '/operator/session', payload: { token }, remoteAddress })
  for (let i = 0; i < 10; i++) t.equal((await signIn(`guess-${i}`)).statusCode, 401, `guess ${i}`)
  const limited = await signIn(ADMIN_TOKEN)
  t.equal(limited.statusCode, 429, 'the right token too, once over the limit')
  t.match(limited.json(), { statusCode: 429, error: 'Too Many Requests', code: 'TOO_MANY_ATTEMPTS', message: /Too many sign-in attempts/ })
  const retryAfter = Number(limited.headers['retry-after'])
  t.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${String(limited.headers['retry-after'])}`)
  t.equal(limited.headers['set-cookie'], undefined, 'no session')
  t.equal(limited.headers['cache-control'], 'no-store')
  t.notMatch(limited.body, ADMIN_TOKEN)
  const other = await signIn(ADMIN_TOKEN, '198.51.100.9')
  t.equal(other.statusCode, 204, 'another address is not held up')
  t.equal((await app.inject({ url: '/health/live', remoteAddress: '192.0.2.7' })).statusCode, 200, 'only sign-in is limited')
})
