// The live counters page: server-rendered values that the bundled script then refreshes from the JSON
// endpoint every few seconds (textContent only).
import { formatPercent, formatRate } from './format.js'
import { html, type SafeHtml } from './html.js'
import { CONSOLE_PREFIX, page } from './layout.js'
import type { LiveCounters, LiveSnapshot } from './live.js'

type Format = 'rate' | 'percent' | 'count'

const CARDS: Array<{ name: keyof LiveCounters, label: string, format: Format }> = [
  { name: 'webhooksPerMinute', label: 'Webhooks per minute', format: 'rate' },
  { name: 'handoffRate', label: 'Handoff rate (of decided webhooks)', format: 'percent' },
  { name: 'handoffsInWindow', label: 'Handoffs, last minute', format: 'count' },
  { name: 'failuresInWindow', label: 'Handoff failures, last minute', format: 'count' },
  { name: 'retriesInWindow', label: 'Genesys retries, last minute', format: 'count' },
  { name: 'webhooksTotal', label: 'Webhooks since start', format: 'count' },
  { name: 'handoffsTotal', label: 'Handoffs since start', format: 'count' },
  { name: 'failuresTotal', label: 'Handoff failures since start', format: 'count' },
  { name: 'retriesTotal', label: 'Genesys retries since start', format: 'count' }
]

function formatted (value: number | null, format: Format): string {
  if (format === 'percent') return formatPercent(value)
  if (format === 'rate') return formatRate(value ?? 0)
  return String(value ?? 0)
}

export function livePage (snapshot: LiveSnapshot, refreshSeconds: number): SafeHtml {
  const body = html`<h1>Live counters <span class="muted">(this instance)</span></h1>
<div class="counters" data-live-url="${CONSOLE_PREFIX}/live.json" data-refresh-ms="${refreshSeconds * 1000}">
${CARDS.map(card => html`<div class="card counter"><div class="value" data-counter="${card.name}" data-format="${card.format}">${formatted(snapshot.counters[card.name], card.format)}</div><div class="label">${card.label}</div></div>`)}
</div>
<p class="muted" data-live-status>As of ${snapshot.at}, averaged over the last ${snapshot.windowSeconds} s; refreshed every ${refreshSeconds} s.</p>
<p class="muted">Each instance counts what it served; behind a load balancer, scrape /metrics for the fleet.</p>`
  return page({ title: 'Live counters', section: 'live', body })
}
