// docker-compose.yml and the load balancer's config agree with the service, checked without a Docker
// engine: ports, health paths, settings, timeouts and shutdown timing.
import t from 'tap'
import {
  ENV_NAMES, composeMs, directives, haproxyMs, longestWebhookMs, parseHaproxy, readText, readYaml, serviceFacts, setting
} from './deploy-helper.js'

interface ComposeService {
  image?: string
  build?: string | { context?: string, target?: string }
  command?: string[]
  environment?: Record<string, string>
  ports?: string[]
  expose?: string[]
  volumes?: string[]
  depends_on?: string[] | Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  stop_grace_period?: string
}

const compose = readYaml<{ services: Record<string, ComposeService> }>('docker-compose.yml')
const services = compose.services
const lbConfigPath = 'deploy/haproxy/haproxy.cfg'
const haproxy = parseHaproxy(readText(lbConfigPath))
const section = (kind: string, name = ''): ReturnType<typeof parseHaproxy>[number] | undefined =>
  haproxy.find(s => s.kind === kind && (name === '' || s.name === name))
const defaults = section('defaults')
const frontend = section('frontend')
const backendName = directives(frontend, 'default_backend')[0]?.[1]
const backend = section('backend', backendName ?? '?')

/** Service instances: the compose services built from the repository's Dockerfile default target. */
const instances = Object.entries(services).filter(([, s]) => s.build !== undefined && (typeof s.build === 'string' || s.build.target === undefined) && s.command === undefined)

/** A compose value such as `${NAME:-default}` or `${NAME:?message}` → the value compose would use with no .env. */
function composeValue (value: string): string {
  return value.replace(/\$\{[A-Z_]+(?::?-([^}]*)|:\?[^}]*)?\}/g, (_m, fallback: string | undefined) => fallback ?? 'set-in-env')
}

function envOf (service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, composeValue(String(v))]))
}

t.test('two service instances, neither publishing a port of its own; one load balancer publishing one port on 127.0.0.1', async t => {
  t.ok(instances.length >= 2, `instances: ${instances.map(([n]) => n).join(', ')}`)
  for (const [name, service] of instances) t.same(service.ports ?? [], [], `${name} publishes nothing`)
  const published = Object.entries(services).filter(([, s]) => (s.ports ?? []).length > 0)
  t.same(published.map(([n]) => n), ['lb'], 'only the load balancer publishes')
  const lb = services.lb!
  t.equal(lb.ports?.length, 1)
  t.match(lb.ports?.[0], /^127\.0\.0\.1:\d+:\d+$/, 'bound to loopback only')
  const bind = directives(frontend, 'bind')[0]?.[1]
  t.equal(lb.ports?.[0]?.split(':')[2], bind?.split(':').at(-1), 'the published container port is the port HAProxy binds')
  t.ok(lb.volumes?.some(v => v.startsWith(`./${lbConfigPath}:`)), 'the load balancer runs the repository\'s config')
  t.match(lb.image, /^haproxy:/)
})

t.test('the load balancer sends traffic to every instance on the port it listens on, and nowhere else', async t => {
  const servers = directives(backend, 'server')
  const targets = servers.map(words => words[2]?.split(':') ?? [])
  t.same(targets.map(([host]) => host).sort(), instances.map(([name]) => name).sort(), 'one server line per instance')
  for (const [host, port] of targets) {
    const service = services[host ?? '']!
    const listens = String(setting('PORT', envOf(service)))
    t.equal(port, listens, `${host ?? ''}: the service listens on ${listens}`)
    t.ok(service.expose?.includes(listens), `${host ?? ''} exposes ${listens} to the load balancer`)
  }
})

t.test('health-checked upstreams on the readiness route, no stickiness', async t => {
  const facts = await serviceFacts(t)
  t.ok(directives(backend, 'option', 'httpchk').length === 1, 'active HTTP checks')
  const send = directives(backend, 'http-check', 'send')[0] ?? []
  t.equal(send[send.indexOf('meth') + 1], 'GET')
  const uri = send[send.indexOf('uri') + 1] ?? ''
  t.equal(uri, '/health/ready', 'checks readiness (store reachable, not overloaded, not draining)')
  t.ok(await facts.serves('GET', uri), `the service serves GET ${uri}`)
  t.same(directives(backend, 'http-check', 'expect'), [['http-check', 'expect', 'status', '200']])
  const serverDefaults = directives(backend, 'default-server')[0] ?? []
  t.ok(serverDefaults.includes('check'), 'every server is checked')
  for (const sticky of ['cookie', 'stick', 'stick-table', 'hash-type']) t.same(directives(backend, sticky), [], `no ${sticky}`)
  t.notMatch(directives(backend, 'balance')[0]?.[1], /^(source|uri|hdr|url_param)/, 'no affinity by client')
})

t.test('timeouts: an answer that takes the whole handoff deadline is never cut; the idle upstream pool drains well before the service closes idle connections', async t => {
  const facts = await serviceFacts(t)
  const env = envOf(instances[0]![1])
  const longest = longestWebhookMs(env)
  const timeout = (name: string): number => {
    const words = directives(backend, 'timeout', name)[0] ?? directives(defaults, 'timeout', name)[0]
    if (words === undefined) throw new Error(`timeout ${name} not set`)
    return haproxyMs(words[2]!)
  }
  t.ok(timeout('server') > longest, `timeout server ${timeout('server')} ms > ${longest} ms`)
  t.ok(timeout('client') > longest, `timeout client ${timeout('client')} ms > ${longest} ms`)
  t.ok(timeout('http-request') <= timeout('client'))
  // HAProxy closes about half of a server's idle connections every pool-purge-delay once its estimate of the
  // connections it needs has decayed (two or three purges): a full pool is gone after about log2(pool-max-conn)
  // + 3 purges (test/deploy-lb.test.ts watches a pool drain).
  const serverDefaults = directives(backend, 'default-server')[0] ?? []
  const purgeMs = haproxyMs(serverDefaults[serverDefaults.indexOf('pool-purge-delay') + 1] ?? '5s')
  const maxConn = Number(serverDefaults[serverDefaults.indexOf('pool-max-conn') + 1])
  t.ok(maxConn > 0, 'the idle pool is bounded')
  const idleMs = purgeMs * (Math.ceil(Math.log2(maxConn)) + 3)
  t.ok(idleMs < facts.keepAliveTimeoutMs / 2, `the idle pool drains within ~${idleMs} ms, well under the service's keep-alive timeout ${facts.keepAliveTimeoutMs} ms`)
  t.same(directives(backend, 'http-reuse'), [['http-reuse', 'safe']], 'a request never starts on a connection the server may be closing')
  t.ok(facts.keepAliveTimeoutMs > timeout('http-keep-alive'),
    `the service's keep-alive timeout ${facts.keepAliveTimeoutMs} ms outlasts the load balancer's ${timeout('http-keep-alive')} ms`)
  t.equal(facts.keepAliveTimeoutMs, Number(setting('KEEP_ALIVE_TIMEOUT_MS', env)), 'KEEP_ALIVE_TIMEOUT_MS is what the service uses')
})

t.test('every setting compose gives the instances is one the service reads; the instances use the shared store', async t => {
  for (const [name, service] of instances) {
    const env = envOf(service)
    t.same(Object.keys(env).filter(k => !ENV_NAMES.includes(k)), [], `${name}: no unknown setting`)
    t.ok(env.REDIS_URL !== undefined || env.REDIS_CLUSTER_NODES !== undefined || env.REDIS_SENTINELS !== undefined, `${name} shares state through Redis`)
  }
  const redis = services.redis!
  t.match(redis.command?.join(' '), /--maxmemory-policy noeviction/, 'Redis never evicts a handoff claim')
})

t.test('shutdown: HAProxy sees readiness fail before the listener closes; compose waits for drain and grace; the grace covers the longest webhook', async t => {
  // HAProxy takes a server out after `fall` failed checks `inter` apart: at most fall × inter after readiness fails.
  const serverDefaults = directives(backend, 'default-server')[0] ?? []
  const word = (name: string, fallback: string): string => serverDefaults[serverDefaults.indexOf(name) + 1] ?? fallback
  const outOfRotationMs = haproxyMs(word('inter', '2s')) * Number(word('fall', '3'))
  for (const [name, service] of instances) {
    const env = envOf(service)
    const grace = Number(setting('SHUTDOWN_GRACE_MS', env))
    const drain = Number(setting('SHUTDOWN_DRAIN_MS', env))
    t.ok(drain >= outOfRotationMs, `${name}: SHUTDOWN_DRAIN_MS ${drain} ≥ fall × inter ${outOfRotationMs} ms`)
    t.ok(grace > longestWebhookMs(env), `${name}: SHUTDOWN_GRACE_MS ${grace} > ${longestWebhookMs(env)}`)
    t.ok(service.stop_grace_period !== undefined && composeMs(service.stop_grace_period) > drain + grace,
      `${name}: stop_grace_period ${service.stop_grace_period ?? 'unset'} > SHUTDOWN_DRAIN_MS + SHUTDOWN_GRACE_MS (${drain + grace} ms)`)
  }
})

t.test('services waited on as healthy have a health check', async t => {
  for (const [name, service] of Object.entries(services)) {
    const deps = Array.isArray(service.depends_on) ? {} : service.depends_on ?? {}
    for (const [dep, { condition }] of Object.entries(deps)) {
      if (condition !== 'service_healthy') continue
      const target = services[dep]!
      const imageCheck = typeof target.build === 'object' && target.build.target !== undefined
        ? new RegExp(`FROM [^\\n]+ AS ${target.build.target}\\n(?:(?!FROM )[^\\n]*\\n)*HEALTHCHECK`).test(readText('Dockerfile'))
        : false
      t.ok(target.healthcheck !== undefined || imageCheck, `${name} waits for ${dep} to be healthy: ${dep} has a health check`)
    }
  }
})
