// The shapes of a bench run: its options and the results written to bench-results.json.

export interface BenchOptions {
  duration: number
  warmup: number
  rounds: number
  connections: number
  pool: number
  burst: number
  conversations: number
  events: number
  only: Set<string>
  profile: string | null
  logLevel: string
  out: string
}

export interface LoadResult {
  name: string
  path: 'ceiling' | 'reference' | 'floor' | 'continue' | 'handoff'
  store: 'none' | 'embedded' | 'redis'
  connections: number
  durationS: number
  requests: number
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  errors: number
  non2xx: number
  /** CPU time the server process spent per request (user + system): less noisy than req/s on a shared machine */
  cpuMicrosPerReq: number
  /** the same for the Genesys simulator, on the handoff path */
  simCpuMicrosPerReq: number | null
  /** req/s as a share of bare node:http's in the same run */
  vsCeiling: number | null
  /** req/s as a share of bare Fastify's in the same run: the reference the targets use */
  vsReference: number | null
}

export interface BurstResult {
  requests: number
  ok: number
  statuses: Record<string, number>
  tokenRequestsAtSimulator: number
  tokenRequestsByService: number
  routingCalls: number
  durationMs: number
}

export interface MemoryResult {
  conversations: number
  eventsPerConversation: number
  rssMb: number
  rssBeforeMb: number
  heapUsedMb: number
  heapTotalMb: number
  fillMs: number
  storeSize: number
}

export interface TargetCheck { name: string, target: string, value: string, ok: boolean }

export interface BenchResults {
  startedAt: string
  machine: { cpu: string, cores: number, memoryGb: number, node: string, os: string }
  options: Omit<BenchOptions, 'only'> & { only: string[] }
  load: LoadResult[]
  burst: BurstResult | null
  memory: MemoryResult | null
  targets: TargetCheck[]
  notes: string[]
}

export function round (n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}
