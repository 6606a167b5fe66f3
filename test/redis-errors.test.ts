// ioredis attaches the failed command and its arguments (keys, message text, session data) to every error
// reply. The store strips them before an error leaves it, so neither the thrown error nor the log line of
// an unexpected failure carries them.
import t, { type Test } from 'tap'
import { inspect } from 'node:util'
import { Writable } from 'node:stream'
import pino from 'pino'
import { REDACT_PATHS } from '../src/logger.js'
import { RedisHistoryStore } from '../src/store/redis.js'
import type { HistoryEntry } from '../src/store/types.js'
import { build, messagingEvent, newConversationId, postEvent } from './helper.js'
import { SHARED_REDIS_URL, rawClient, redisEnv, uniquePrefix } from './redis-helper.js'

// What must never travel with an error: the event's text, its message id and the conversation's key.
const TEXT = 'my card is 4111 1111 1111 1111, mail me at private.person@example.org'
const MESSAGE_ID = 'msg-7f3c2a91-private'

function store (t: { teardown: (fn: () => unknown) => void }, prefix: string): RedisHistoryStore {
  const s = new RedisHistoryStore({
    target: { kind: 'single', url: SHARED_REDIS_URL }, keyPrefix: prefix, commandTimeoutMs: 1000, connectTimeoutMs: 1000, maxEvents: 10, ttlSeconds: 60, maxConversations: 10
  })
  t.teardown(async () => { await s.close() })
  return s
}

async function failure (promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  return await promise.then(() => { throw new Error('expected the store call to fail') }, (err: unknown) => err as Error & Record<string, unknown>)
}

function assertStripped (t: Test, err: Error & Record<string, unknown>, secrets: string[]): void {
  t.equal(err.name, 'ReplyError', 'a Redis error reply')
  t.match(err.message, /^WRONGTYPE/)
  t.notOk('command' in err, 'no command attached')
  const shown = inspect(err, { depth: 5 }) + JSON.stringify(err)
  for (const secret of secrets) t.notOk(shown.includes(secret), `not carried: ${secret.slice(0, 24)}`)
}

t.test('store operations that get an error reply throw it without the command\'s arguments', async t => {
  const prefix = uniquePrefix(t)
  const s = store(t, prefix)
  t.equal(await s.connect(), true)
  const id = newConversationId()
  // A key of the wrong type makes Redis answer WRONGTYPE to the list commands the store sends.
  const redis = rawClient(t)
  await redis.set(`${prefix}conv:{${id}}:history`, 'not a list', 'EX', 60)
  const entry: HistoryEntry = { event: 'message', intent: { intent: 'refund', confidence: 0.3 }, text: TEXT, timestamp: new Date().toISOString(), messageId: MESSAGE_ID }

  assertStripped(t, await failure(s.append(id, entry)), [TEXT, '4111', MESSAGE_ID, id])
  assertStripped(t, await failure(s.get(id)), [id])

  await redis.rpush(`${prefix}session:s-1`, 'not a string')
  await redis.expire(`${prefix}session:s-1`, 60)
  const sessionErr = await failure(new Promise((resolve, reject) => {
    s.sessions.get('s-1', (err, value) => { if (err != null) reject(err); else resolve(value) })
  }))
  assertStripped(t, sessionErr as Error & Record<string, unknown>, ['s-1'])
})

t.test('a webhook that meets an error reply answers 500 and logs it without the command\'s arguments', async t => {
  const prefix = uniquePrefix(t)
  const chunks: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } })
  const logger = pino({ level: 'info', redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, stream)
  const app = await build(t, { loggerInstance: logger, envOverrides: redisEnv(prefix) })
  const id = newConversationId()
  await rawClient(t).set(`${prefix}conv:{${id}}:history`, 'not a list', 'EX', 60)

  const res = await postEvent(app, messagingEvent(id, 0.3, { text: TEXT, messageId: MESSAGE_ID }))
  t.equal(res.statusCode, 500)
  t.same(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'internal error; see the service log' })

  const lines = chunks.join('').split('\n').filter(Boolean).map(l => JSON.parse(l) as { msg: string, err?: Record<string, unknown> })
  const logged = lines.find(l => l.msg === 'unhandled error')
  t.ok(logged, 'the failure is logged')
  t.match(logged?.err, { message: /^WRONGTYPE/ })
  t.notOk(logged?.err !== undefined && 'command' in logged.err, 'no command in the logged error')
  const text = chunks.join('')
  for (const secret of [TEXT, '4111', MESSAGE_ID]) t.notOk(text.includes(secret), `not logged: ${secret.slice(0, 24)}`)
})
