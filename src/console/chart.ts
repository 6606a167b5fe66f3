// The confidence of each turn as a small inline SVG line chart with the threshold drawn across. Only numbers
// go into coordinates; intents appear in <title> tooltips, escaped like all text.
import { formatConfidence } from './format.js'
import { html, type SafeHtml } from './html.js'

export interface ChartPoint {
  intent: string
  confidence: number
}

const WIDTH = 720
const HEIGHT = 200
const PAD = { left: 36, right: 16, top: 14, bottom: 26 }

export function confidenceChart (points: readonly ChartPoint[], threshold: number): SafeHtml {
  if (points.length === 0) return html`<p class="muted">No turns recorded.</p>`
  const plotW = WIDTH - PAD.left - PAD.right
  const plotH = HEIGHT - PAD.top - PAD.bottom
  const x = (i: number): number => PAD.left + (points.length === 1 ? plotW / 2 : (i / (points.length - 1)) * plotW)
  const y = (confidence: number): number => PAD.top + (1 - clamp(confidence)) * plotH
  const at = (n: number): string => n.toFixed(1)
  const line = points.map((p, i) => `${at(x(i))},${at(y(p.confidence))}`).join(' ')
  const ticks = [0, 0.5, 1].map(v => html`<line class="axis" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${at(y(v))}" y2="${at(y(v))}"></line><text x="4" y="${at(y(v) + 4)}">${v.toFixed(1)}</text>`)
  // Label at most ~12 turns along the x axis.
  const every = Math.max(1, Math.ceil(points.length / 12))
  const turns = points.map((_, i) => (i % every === 0 || i === points.length - 1)
    ? html`<text x="${at(x(i) - 4)}" y="${HEIGHT - 8}">${i + 1}</text>`
    : '')
  const dots = points.map((p, i) => html`<circle cx="${at(x(i))}" cy="${at(y(p.confidence))}" r="4"${p.confidence < threshold ? html` class="below"` : ''}><title>Turn ${i + 1}: ${p.intent} ${formatConfidence(p.confidence)}</title></circle>`)
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Intent confidence over ${points.length} turns; threshold ${formatConfidence(threshold)}" xmlns="http://www.w3.org/2000/svg">
${ticks}
<line class="threshold" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${at(y(threshold))}" y2="${at(y(threshold))}"></line>
<text x="${WIDTH - PAD.right - 90}" y="${at(y(threshold) - 4)}">threshold ${formatConfidence(threshold)}</text>
${points.length > 1 ? html`<polyline class="line" points="${line}"></polyline>` : ''}
${dots}
${turns}
</svg>`
}

function clamp (value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0
}
