// Live counters for this instance, read from its Prometheus registry: webhooks per minute, handoff rate,
// handoff failures and Genesys retries over the last minute, and totals since start. A window of samples
// (taken whenever the counters are asked for) turns the registry's running totals into rates.
import type { Registry } from 'prom-client'
import { Type, type Static } from 'typebox'

export interface Totals {
  /** ms */
  at: number
  webhooks: number
  /** webhooks answered with a decision (bot_continuing or handoff_initiated) */
  decided: number
  /** webhooks that handed their conversation off */
  handoffs: number
  handoffFailures: number
  retries: number
}

const Count = Type.Integer({ minimum: 0 })

export const LiveCountersSchema = Type.Object({
  webhooksPerMinute: Type.Number({ minimum: 0 }),
  handoffRate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: 'share of decided webhooks that handed off in the window; null without decisions' }),
  handoffsInWindow: Count,
  failuresInWindow: Count,
  retriesInWindow: Count,
  webhooksTotal: Count,
  handoffsTotal: Count,
  failuresTotal: Count,
  retriesTotal: Count
})
export type LiveCounters = Static<typeof LiveCountersSchema>

export const LiveSnapshotSchema = Type.Object({
  at: Type.String(),
  windowSeconds: Type.Integer({ minimum: 0, description: 'how far back the window reaches: about a minute; less just after start, more when nobody asked for a while' }),
  counters: LiveCountersSchema
})
export type LiveSnapshot = Static<typeof LiveSnapshotSchema>

type Sample = { labels: Record<string, string | number | undefined>, value: number, metricName?: string }

async function samples (registry: Registry, name: string): Promise<Sample[]> {
  const metric = registry.getSingleMetric(name)
  if (metric === undefined) return []
  return (await metric.get()).values as Sample[]
}

const sum = (values: Sample[], keep: (s: Sample) => boolean = () => true): number =>
  values.reduce((total, s) => keep(s) ? total + s.value : total, 0)

/** The running totals the counters derive from (metric names as exported on /metrics). */
export async function readTotals (registry: Registry, at: number): Promise<Totals> {
  const webhooks = await samples(registry, 'handoff_webhooks_total')
  const durations = await samples(registry, 'handoff_duration_seconds')
  const retries = await samples(registry, 'genesys_retries_total')
  const outcome = (name: string) => (s: Sample) => s.labels.outcome === name
  return {
    at,
    webhooks: sum(webhooks),
    decided: sum(webhooks, s => s.labels.outcome === 'bot_continuing' || s.labels.outcome === 'handoff_initiated'),
    handoffs: sum(webhooks, outcome('handoff_initiated')),
    handoffFailures: sum(durations, s => s.metricName === 'handoff_duration_seconds_count' && s.labels.outcome === 'failure'),
    retries: sum(retries)
  }
}

/** Keeps the samples of the last windowMs (plus the newest older one, the window's baseline). */
export class LiveWindow {
  private samples: Totals[] = []
  constructor (private readonly windowMs = 60_000) {}

  add (totals: Totals): LiveSnapshot {
    this.samples.push(totals)
    const from = totals.at - this.windowMs
    let first = 0
    while (first + 1 < this.samples.length && (this.samples[first + 1] as Totals).at <= from) first++
    this.samples = this.samples.slice(first)
    const base = this.samples[0] as Totals
    const elapsed = totals.at - base.at
    const delta = (key: keyof Omit<Totals, 'at'>): number => totals[key] - base[key]
    const decided = delta('decided')
    return {
      at: new Date(totals.at).toISOString(),
      windowSeconds: Math.round(elapsed / 1000),
      counters: {
        // Never extrapolated from a short window: just after start it is the count so far.
        webhooksPerMinute: delta('webhooks') * 60_000 / Math.max(elapsed, this.windowMs),
        handoffRate: decided > 0 ? delta('handoffs') / decided : null,
        handoffsInWindow: delta('handoffs'),
        failuresInWindow: delta('handoffFailures'),
        retriesInWindow: delta('retries'),
        webhooksTotal: totals.webhooks,
        handoffsTotal: totals.handoffs,
        failuresTotal: totals.handoffFailures,
        retriesTotal: totals.retries
      }
    }
  }
}
