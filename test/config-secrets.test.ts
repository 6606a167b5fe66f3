// A configuration error never quotes a password back (issue 12, item 9): whatever setting a URL with
// credentials lands in, and whichever check refuses it (the schema's or ours), the message masks it.
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { redactCredentials } from '../src/config-problems.js'
import { testEnv } from './helper.js'

const SECRET = 's3cretPassw0rd'

function configError (overrides: Record<string, unknown>): ConfigError {
  try {
    loadConfig(testEnv(overrides))
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

const CASES: Array<[string, Record<string, unknown>, string]> = [
  ['REDIS_URL with a bad port', { REDIS_URL: `redis://:${SECRET}@cache.internal:bad` }, 'REDIS_URL'],
  ['REDIS_URL with another scheme', { REDIS_URL: `http://admin:${SECRET}@cache.internal:6379` }, 'REDIS_URL'],
  ['GENESYS_API_BASE_URL that is no URL', { GENESYS_API_BASE_URL: `https://user:${SECRET}@api.example.test:bad` }, 'GENESYS_API_BASE_URL'],
  ['GENESYS_LOGIN_BASE_URL that is not http(s)', { GENESYS_LOGIN_BASE_URL: `ftp://user:${SECRET}@login.example.test` }, 'GENESYS_LOGIN_BASE_URL'],
  ['GENESYS_API_BASE_URL with credentials', { GENESYS_API_BASE_URL: `https://user:${SECRET}@api.example.test` }, 'GENESYS_API_BASE_URL'],
  ['production: a plain-http Genesys URL with credentials', { NODE_ENV: 'production', GENESYS_LOGIN_BASE_URL: `http://user:${SECRET}@login.example.test` }, 'GENESYS_LOGIN_BASE_URL'],
  ['a URL in a number setting (schema: type)', { PORT: `redis://:${SECRET}@cache.internal:6379` }, 'PORT'],
  ['a long URL in a number setting, cut when quoted', { PORT: `redis://:${SECRET}${'x'.repeat(60)}@cache.internal:6379` }, 'PORT'],
  ['a URL in an enum setting (schema: enum)', { LOG_LEVEL: `redis://:${SECRET}@cache.internal` }, 'LOG_LEVEL'],
  ['a password containing @ and /', { GENESYS_API_BASE_URL: `https://user:${SECRET}@/x@api.example.test:bad` }, 'GENESYS_API_BASE_URL'],
  ['a URL as the priority', { HANDOFF_PRIORITY: `redis://:${SECRET}@cache.internal` }, 'HANDOFF_PRIORITY'],
  ['credentials in a cluster node', { REDIS_CLUSTER_NODES: `admin:${SECRET}@node1:6379` }, 'REDIS_CLUSTER_NODES'],
  ['credentials in TRUST_PROXY', { TRUST_PROXY: `admin:${SECRET}@10.0.0.1` }, 'TRUST_PROXY']
]

for (const [what, overrides, variable] of CASES) {
  t.test(`${what}: refused, naming ${variable}, without the password`, async t => {
    const err = configError(overrides)
    t.match(err.message, variable)
    t.notMatch(err.message, SECRET.slice(0, 6), err.message)
    for (const p of err.problems) t.notMatch(p.text, SECRET.slice(0, 6))
  })
}

t.test('redactCredentials masks everything before the last @ of a word, and nothing else', async t => {
  t.equal(redactCredentials(`redis://:${SECRET}@host:6379/0`), 'redis://***@host:6379/0')
  t.equal(redactCredentials('https://u:p@ss/w@host'), 'https://***@host')
  t.equal(redactCredentials(`u:${SECRET}@node:1,other:2`), '***@node:1,other:2')
  t.equal(redactCredentials('https://api.example.test/path'), 'https://api.example.test/path')
  t.equal(redactCredentials('8080'), '8080')
})
