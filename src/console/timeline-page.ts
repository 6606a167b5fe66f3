// One conversation: every recorded event with the decision and rule for it, the confidence over turns, the
// handoff as recorded (the Genesys calls made and their outcome) and any failed attempts.
import type { Policy } from '../policy/compile.js'
import { evaluate } from '../policy/evaluate.js'
import type { Decision } from '../schemas/decision.js'
import type { ConversationSnapshot, HandoffFailure, HandoffRecord, HistoryEntry } from '../store/types.js'
import { confidenceChart } from './chart.js'
import { durationMs, formatConfidence, formatDuration, formatTime } from './format.js'
import { html, type SafeHtml } from './html.js'
import { page } from './layout.js'
import { stateBadge } from './list-page.js'

export interface TimelineView {
  snapshot: ConversationSnapshot
  /** the live policy: it decides the events the audit trail holds no decision for */
  policy: Policy
}

const DETAIL_LABELS: Record<string, string> = {
  strategy: 'Strategy',
  queueId: 'Queue',
  skillIds: 'Skills',
  priority: 'Priority',
  languageId: 'Language',
  replacedParticipantId: 'Replaced participant',
  transferCorrelationId: 'Transfer correlation id',
  correlationId: 'Correlation id',
  routingUpdated: 'Routing updated',
  warnings: 'Warnings',
  outcome: 'Outcome',
  reason: 'Reason'
}

/** Any recorded value as text (escaped where it is interpolated). */
export function detailText (value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map(detailText).join(', ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

interface RowNotes {
  startedHere: boolean
  failedHere: HandoffFailure[]
}

type ShownDecision = Pick<Decision, 'action' | 'reason' | 'ruleId'> & {
  /** the policy version that decided; null: not in the audit trail, decided now by the live policy */
  recordedBy: string | null
}

/** The decision for history entry i: the audit trail's for its turn (the last, after redeliveries), else the live policy's now. */
function decisionFor (snapshot: ConversationSnapshot, i: number, policy: Policy): ShownDecision {
  const { history, decisions } = snapshot
  const turn = Math.max(snapshot.turns, history.length) - history.length + i + 1
  const recorded = decisions.findLast(d => d.turn === turn)
  if (recorded !== undefined) return { ...recorded, recordedBy: recorded.policyVersion }
  const entry = history[i] as HistoryEntry
  return { ...evaluate(policy, { events: history.slice(0, i), turns: turn - 1 }, { intent: entry.intent, text: entry.text }), recordedBy: null }
}

function decisionCell (entry: HistoryEntry, handoff: HandoffRecord, decision: ShownDecision, notes: RowNotes): SafeHtml {
  if (handoff.state === 'done' && handoff.at !== undefined && entry.timestamp > handoff.at) {
    return html`<td class="muted">after the handoff: none needed</td><td></td>`
  }
  const source = decision.recordedBy === null ? 'not recorded: the live policy now' : `policy ${decision.recordedBy}`
  return html`<td><span class="action-${decision.action}">${decision.action}</span>${notes.startedHere ? html` <strong>→ handoff started</strong>` : ''}${notes.failedHere.map(f => html` <strong class="bad">→ attempt failed (${f.code})</strong>`)}<div class="muted">${decision.reason}</div></td><td class="mono">${decision.ruleId}<div class="muted">${source}</div></td>`
}

/** The recorded event an instant belongs to: the last one at or before it (-1 when none). */
function eventAt (history: readonly HistoryEntry[], iso: string | undefined): number {
  if (iso === undefined) return -1
  let index = -1
  history.forEach((entry, i) => { if (entry.timestamp <= iso) index = i })
  return index
}

function genesysCalls (handoff: HandoffRecord): SafeHtml {
  const d = handoff.details ?? {}
  if (handoff.state !== 'done') return html`<p class="muted">${handoff.state === 'pending' ? 'A handoff is under way.' : 'No handoff.'}</p>`
  if (d.outcome === 'conversation_ended') {
    return html`<ul><li>Conversation read: the customer had left (${detailText(d.reason)}); nothing was transferred.</li></ul>`
  }
  const calls: SafeHtml[] = []
  if (d.strategy === 'routing-metadata') {
    calls.push(html`<li>Routing metadata update to queue <span class="mono">${detailText(d.queueId)}</span>: done (correlation id <span class="mono">${detailText(d.correlationId)}</span>)</li>`)
  } else {
    calls.push(d.replacedParticipantId !== null && d.replacedParticipantId !== undefined
      ? html`<li>Transfer to queue <span class="mono">${detailText(d.queueId)}</span>: sent, replacing participant <span class="mono">${detailText(d.replacedParticipantId)}</span> (correlation id <span class="mono">${detailText(d.transferCorrelationId)}</span>)</li>`
      : html`<li>Transfer to queue: not sent; the conversation had already left the bot</li>`)
    const routingWarning = Array.isArray(d.warnings) ? d.warnings.map(String).find(w => w.startsWith('routing update')) : undefined
    if (d.routingUpdated === true) calls.push(html`<li>Routing update (skills, priority, language): done</li>`)
    else if (routingWarning !== undefined) calls.push(html`<li class="bad">${routingWarning}</li>`)
  }
  return html`<ul>${calls}</ul>`
}

function failuresTable (failures: readonly HandoffFailure[]): SafeHtml {
  if (failures.length === 0) return html`<p class="muted">None.</p>`
  return html`<table><thead><tr><th>When</th><th>Code</th><th>Message</th><th class="num">Retries</th></tr></thead><tbody>
${failures.map(f => html`<tr><td><time datetime="${f.at}">${formatTime(f.at)}</time></td><td class="mono">${f.code}</td><td class="text">${f.message}</td><td class="num">${f.retries}</td></tr>`)}
</tbody></table>`
}

export function timelinePage (view: TimelineView): SafeHtml {
  const { snapshot, policy } = view
  const { handoff, history } = snapshot
  const failures = snapshot.failures ?? []
  const started = eventAt(history, handoff.claimedAt)
  const failedAt = failures.map(f => eventAt(history, f.at))
  const notes = (i: number): RowNotes => ({ startedHere: i === started, failedHere: failures.filter((_, j) => failedAt[j] === i) })
  const took = handoff.state === 'done' ? durationMs(handoff.claimedAt, handoff.at) : null
  const details = Object.entries(handoff.details ?? {})
  const body = html`<h1>Conversation <span class="mono">${snapshot.conversationId}</span></h1>
<div class="grid">
<div class="card"><dl class="facts">
<dt>State</dt><dd>${stateBadge(handoff)}</dd>
<dt>Events kept</dt><dd>${history.length}</dd>
<dt>First event</dt><dd>${formatTime(history[0]?.timestamp)}</dd>
<dt>Last event</dt><dd>${formatTime(history.at(-1)?.timestamp)}</dd>
<dt>Handoff started</dt><dd>${formatTime(handoff.claimedAt) || '—'}</dd>
<dt>Handed off at</dt><dd>${handoff.state === 'done' ? formatTime(handoff.at) : '—'}</dd>
<dt>Handoff took</dt><dd>${formatDuration(took) || '—'}</dd>
<dt>Failed attempts</dt><dd${failures.length > 0 ? html` class="bad"` : ''}>${failures.length}</dd>
</dl></div>
<div class="card"><h2>Genesys calls</h2>${genesysCalls(handoff)}</div>
</div>
<h2>Confidence over turns</h2>
${confidenceChart(history.map(e => e.intent), policy.threshold)}
<h2>Events</h2>
<p class="muted">Decisions as the audit trail recorded them; an event without a record shows what the live policy (version ${policy.version}, default threshold ${formatConfidence(policy.threshold)}) decides now.</p>
<table>
<thead><tr><th class="num">#</th><th>Time</th><th>Event</th><th>Customer text</th><th>Intent</th><th class="num">Confidence</th><th>Decision</th><th>Rule</th></tr></thead>
<tbody>
${history.map((entry, i) => html`<tr>
<td class="num">${i + 1}</td>
<td><time datetime="${entry.timestamp}">${formatTime(entry.timestamp)}</time></td>
<td>${entry.event}</td>
<td class="text">${entry.text}</td>
<td>${entry.intent.intent}</td>
<td class="num">${formatConfidence(entry.intent.confidence)}</td>
${decisionCell(entry, handoff, decisionFor(snapshot, i, policy), notes(i))}
</tr>`)}
</tbody>
</table>
<h2>Handoff record</h2>
${details.length === 0
  ? html`<p class="muted">No details recorded.</p>`
  : html`<div class="card"><dl class="facts">${details.map(([key, value]) => html`<dt>${DETAIL_LABELS[key] ?? key}</dt><dd class="mono">${detailText(value)}</dd>`)}</dl></div>`}
<h2>Failed attempts</h2>
${failuresTable(failures)}
<p class="muted">As JSON: <a href="/conversations/${snapshot.conversationId}">/conversations/${snapshot.conversationId}</a></p>`
  return page({ title: `Conversation ${snapshot.conversationId}`, section: 'conversations', body })
}
