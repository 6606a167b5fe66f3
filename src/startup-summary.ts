// What an operator needs to know about a starting instance, in one log line: which build, which store,
// which Genesys region and strategy, which ways in are open and how they are protected. Settings that leave
// something open come as warnings of their own.
import type { RedisTarget } from './store/redis-connection.js'
import type { AppConfig } from './config.js'

/** A Redis URL with its password replaced, safe to log. */
export function maskUrlPassword (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password === '') return url
    parsed.password = '****'
    return parsed.toString()
  } catch {
    return '(unparseable URL)'
  }
}

export type MetricsAccess = 'token' | 'open' | 'closed'

/** GET /metrics: behind METRICS_TOKEN, open (development only), or closed (production without a token). */
export function metricsAccess (config: Pick<AppConfig, 'metrics' | 'production'>): MetricsAccess {
  if (config.metrics.token !== null) return 'token'
  return config.production ? 'closed' : 'open'
}

export function startupSummary (config: AppConfig, version: string, nodeVersion = process.version): { fields: Record<string, unknown>, warnings: string[] } {
  const { genesys, handoff } = config
  const waysIn = ['webhook POST /webhook/messaging', ...(config.adminToken !== null ? ['operator GET /conversations/:id'] : [])]
  const fields = {
    version,
    node: nodeVersion,
    mode: config.production ? 'production' : 'development',
    store: config.redis === null ? 'embedded (memory, this process only)' : redisDescription(config.redis.target),
    region: genesys.region,
    ...(genesys.apiBaseUrl !== `https://api.${genesys.region}` ? { genesysApi: genesys.apiBaseUrl } : {}),
    strategy: handoff.strategy,
    queueId: handoff.queueId,
    threshold: handoff.threshold,
    waysIn,
    signatures: config.webhookSecret !== null ? 'on' : 'off',
    storedText: config.history.storeRawText ? 'raw' : 'masked',
    docs: config.docsEnabled ? '/docs' : 'off',
    metrics: metricsAccess(config),
    genesysCheck: genesys.startupCheck ? 'on' : 'off'
  }
  const warnings: string[] = []
  if (config.webhookSecret === null) warnings.push('webhook signatures are off (WEBHOOK_SECRET is empty): anyone who reaches the port can post events; development only')
  if (!handoff.context.redact && !config.history.storeRawText) {
    warnings.push('HANDOFF_CONTEXT_REDACT=false, but the transcript still shows masked text: text is masked before it is stored unless STORE_RAW_TEXT=true')
  }
  if (fields.metrics === 'closed') warnings.push('GET /metrics answers 401 until METRICS_TOKEN is set (it is closed by default outside development)')
  return { fields, warnings }
}

/** Where the shared store is, without passwords. */
function redisDescription (target: RedisTarget): string {
  if (target.kind === 'single') return `redis ${maskUrlPassword(target.url)}`
  if (target.kind === 'cluster') return `redis cluster ${target.nodes.map(n => `${n.host}:${n.port}`).join(',')}`
  return `redis sentinel ${target.name} via ${target.sentinels.map(n => `${n.host}:${n.port}`).join(',')}`
}
