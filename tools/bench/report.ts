// What a run means: ratios to bare Fastify measured in the same run, the targets they are held to, and the
// table printed at the end.
import { round, type BenchResults, type LoadResult, type TargetCheck } from './types.js'

export const TARGETS = {
  /** continue path req/s ÷ bare Fastify req/s, embedded store */
  continueVsFastify: 0.6,
  /** the same with the Redis store */
  continueRedisVsFastify: 0.55,
  /** handoff path server CPU per request ÷ continue path's */
  handoffCpuVsContinue: 4,
  /** continue path p99 ÷ bare Fastify p99 */
  continueP99VsFastify: 2,
  burstTokenRequests: 1,
  memoryRssMb: 300
} as const

/** a ÷ b to two decimals, or null when b is not a positive figure. */
function ratio (a: number, b: number): number | null {
  return b > 0 ? round(a / b, 2) : null
}

/** Fills in each row's req/s ratios to bare node:http and to bare Fastify, when those ran. */
export function addRatios (load: LoadResult[]): void {
  const ceiling = load.find(l => l.path === 'ceiling')
  const reference = load.find(l => l.path === 'reference')
  for (const l of load) {
    l.vsCeiling = ceiling === undefined ? null : ratio(l.reqPerSec, ceiling.reqPerSec)
    l.vsReference = reference === undefined ? null : ratio(l.reqPerSec, reference.reqPerSec)
  }
}

function atMost (name: string, value: number | null, target: number, detail: string): TargetCheck[] {
  return value === null ? [] : [{ name, target: `≤ ${target}×`, value: `${value}× (${detail})`, ok: value <= target }]
}

function atLeast (name: string, value: number | null, target: number, detail: string): TargetCheck[] {
  return value === null ? [] : [{ name, target: `≥ ${target}×`, value: `${value}× (${detail})`, ok: value >= target }]
}

export function checkTargets (r: Pick<BenchResults, 'load' | 'burst' | 'memory'>): TargetCheck[] {
  const checks: TargetCheck[] = []
  const find = (name: string): LoadResult | undefined => r.load.find(l => l.name === name)
  const fastify = find('bare Fastify (reference)')
  const cont = find('continue (embedded)')
  const contRedis = find('continue (redis)')
  const handoff = find('handoff (embedded)')
  if (fastify !== undefined && cont !== undefined) {
    checks.push(...atLeast('continue req/s ÷ bare Fastify req/s', ratio(cont.reqPerSec, fastify.reqPerSec), TARGETS.continueVsFastify,
      `${cont.reqPerSec} / ${fastify.reqPerSec}`))
    checks.push(...atMost(`continue p99 ÷ bare Fastify p99 at ${cont.connections} connections`, ratio(cont.p99Ms, fastify.p99Ms), TARGETS.continueP99VsFastify,
      `${cont.p99Ms} / ${fastify.p99Ms} ms`))
  }
  if (fastify !== undefined && contRedis !== undefined) {
    checks.push(...atLeast('continue (redis) req/s ÷ bare Fastify req/s', ratio(contRedis.reqPerSec, fastify.reqPerSec), TARGETS.continueRedisVsFastify,
      `${contRedis.reqPerSec} / ${fastify.reqPerSec}`))
  }
  if (cont !== undefined && handoff !== undefined) {
    checks.push(...atMost('handoff CPU/req ÷ continue CPU/req', ratio(handoff.cpuMicrosPerReq, cont.cpuMicrosPerReq), TARGETS.handoffCpuVsContinue,
      `${handoff.cpuMicrosPerReq} / ${cont.cpuMicrosPerReq} µs`))
  }
  if (r.burst !== null) {
    checks.push({
      name: `token requests per cold burst of ${r.burst.requests}`,
      target: `${TARGETS.burstTokenRequests}`,
      value: `${r.burst.tokenRequestsAtSimulator} (${r.burst.ok}/${r.burst.requests} handed off)`,
      ok: r.burst.tokenRequestsAtSimulator === TARGETS.burstTokenRequests && r.burst.ok === r.burst.requests
    })
  }
  if (r.memory !== null) {
    checks.push({
      name: `RSS for ${r.memory.conversations} conversations × ${r.memory.eventsPerConversation} events`,
      target: `< ${TARGETS.memoryRssMb} MB`,
      value: `${r.memory.rssMb} MB`,
      ok: r.memory.rssMb < TARGETS.memoryRssMb
    })
  }
  return checks
}

/**
 * What the targets leave room for: the floor (Fastify doing only what the webhook's contract requires, floor.ts)
 * as a share of bare Fastify, and the continue path as a share of the floor (the service's own cost).
 */
export function contextLines (load: LoadResult[]): string[] {
  const find = (path: LoadResult['path']): LoadResult | undefined => load.find(l => l.path === path)
  const fastify = find('reference')
  const floor = find('floor')
  const cont = load.find(l => l.name === 'continue (embedded)')
  const lines: string[] = []
  if (fastify !== undefined && floor !== undefined) {
    lines.push(`floor ÷ bare Fastify: req/s ${ratio(floor.reqPerSec, fastify.reqPerSec) ?? '-'}×, CPU/req ${ratio(floor.cpuMicrosPerReq, fastify.cpuMicrosPerReq) ?? '-'}× ` +
      '(the contract alone: HMAC, schemas, one log line)')
  }
  if (floor !== undefined && cont !== undefined) {
    lines.push(`continue ÷ floor: req/s ${ratio(cont.reqPerSec, floor.reqPerSec) ?? '-'}×, CPU/req ${ratio(cont.cpuMicrosPerReq, floor.cpuMicrosPerReq) ?? '-'}× ` +
      '(the service\'s own work: store, decision, audit trail, metrics, decision line, hooks)')
  }
  return lines
}

function table (rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map(row => (row[i] ?? '').length))) ?? []
  const line = (row: string[]): string => '| ' + row.map((cell, i) => i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)).join(' | ') + ' |'
  const rule = '|' + widths.map((w, i) => i === 0 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':').join('|') + '|'
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)]
}

const times = (n: number | null): string => n === null ? '-' : `${n.toFixed(2)}×`

export function formatTable (r: BenchResults): string {
  const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'vs node:http', 'vs Fastify', 'server CPU µs/req', 'simulator CPU µs/req']]
  for (const l of r.load) {
    rows.push([l.name, String(l.reqPerSec), l.p50Ms.toFixed(2), l.p99Ms.toFixed(2), String(l.errors), String(l.non2xx),
      times(l.vsCeiling), times(l.vsReference), String(l.cpuMicrosPerReq), l.simCpuMicrosPerReq === null ? '-' : String(l.simCpuMicrosPerReq)])
  }
  const out = r.load.length > 0 ? [...table(rows), ''] : []
  if (r.burst !== null) {
    out.push(`cold burst: ${r.burst.requests} concurrent first handoffs on a fresh instance → ${r.burst.tokenRequestsAtSimulator} token request(s) at the simulator, ` +
      `${r.burst.ok} handed off, ${r.burst.routingCalls} routing calls, ${r.burst.durationMs} ms (${Object.entries(r.burst.statuses).map(([k, v]) => `${k}: ${v}`).join(', ')})`)
  }
  if (r.memory !== null) {
    out.push(`memory: ${r.memory.conversations} conversations × ${r.memory.eventsPerConversation} events in the embedded store → RSS ${r.memory.rssMb} MB ` +
      `(heap ${r.memory.heapUsedMb} MB used of ${r.memory.heapTotalMb} MB; RSS ${r.memory.rssBeforeMb} MB before; filled in ${r.memory.fillMs} ms)`)
  }
  out.push('')
  out.push('targets:')
  for (const t of r.targets) out.push(`  ${t.ok ? 'ok  ' : 'miss'} ${t.name}: ${t.value} (target ${t.target})`)
  for (const line of contextLines(r.load)) out.push(`context: ${line}`)
  for (const n of r.notes) out.push(`note: ${n}`)
  out.push(`machine: ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memoryGb} GB, Node ${r.machine.node}, ${r.machine.os}`)
  return out.join('\n')
}
