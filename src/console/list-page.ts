// Recent conversations, newest activity first: state, last intent and confidence, handoff time and duration,
// failed attempts; filtered by handoff state and paged.
import type { ConversationPage, ConversationSummary, HandoffState } from '../store/types.js'
import {
  STATE_LABELS, conversationState, durationMs, formatConfidence, formatDuration, formatTime
} from './format.js'
import { html, query, type SafeHtml } from './html.js'
import { CONSOLE_PREFIX, page } from './layout.js'

export const PAGE_SIZE = 50

export interface ListView {
  result: ConversationPage
  state?: HandoffState
  /** 1-based */
  pageNumber: number
}

const FILTERS: Array<{ state?: HandoffState, label: string }> = [
  { label: 'All' },
  { state: 'none', label: 'With the bot' },
  { state: 'pending', label: 'Handing off' },
  { state: 'done', label: 'Handed off or ended' }
]

export function conversationHref (conversationId: string): string {
  return `${CONSOLE_PREFIX}/conversations/${encodeURIComponent(conversationId)}`
}

export function stateBadge (handoff: ConversationSummary['handoff']): SafeHtml {
  const state = conversationState(handoff)
  return html`<span class="state state-${state}">${STATE_LABELS[state]}</span>`
}

function row (item: ConversationSummary): SafeHtml {
  const { handoff } = item
  const took = handoff.state === 'done' ? durationMs(handoff.claimedAt, handoff.at) : null
  return html`<tr>
<td class="mono nowrap"><a href="${conversationHref(item.conversationId)}">${item.conversationId}</a></td>
<td>${stateBadge(handoff)}</td>
<td>${item.last?.intent.intent ?? ''}</td>
<td class="num">${item.last !== null ? formatConfidence(item.last.intent.confidence) : ''}</td>
<td class="num">${item.events}</td>
<td><time datetime="${item.lastActivity}">${formatTime(item.lastActivity)}</time></td>
<td>${handoff.state === 'done' ? html`<time datetime="${handoff.at ?? ''}">${formatTime(handoff.at)}</time>` : ''}</td>
<td class="num">${formatDuration(took)}</td>
<td class="num${item.failures > 0 ? ' bad' : ''}">${item.failures}</td>
</tr>`
}

export function listPage (view: ListView): SafeHtml {
  const { result, state, pageNumber } = view
  const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE))
  const href = (n: number): string => `${CONSOLE_PREFIX}${query({ state, page: n > 1 ? n : undefined })}`
  const filters = FILTERS.map(f => html`<a href="${CONSOLE_PREFIX}${query({ state: f.state })}"${f.state === state ? html` aria-current="page"` : ''}>${f.label}</a>`)
  const body = html`<h1>Conversations</h1>
<div class="toolbar">
<nav class="filters" aria-label="Filter by state">${filters}</nav>
<form class="find" method="get" action="${CONSOLE_PREFIX}/find">
<input name="id" placeholder="Conversation id (UUID)" aria-label="Conversation id" maxlength="100" required>
<button type="submit">Open</button>
</form>
</div>
${result.items.length === 0
  ? html`<p class="muted">${pageNumber > 1 ? html`No conversations on this page. <a href="${href(1)}">First page</a>` : 'No conversations recorded yet.'}</p>`
  : html`<table>
<thead><tr><th>Conversation</th><th>State</th><th>Last intent</th><th class="num">Confidence</th><th class="num">Events</th><th>Last activity</th><th>Handed off at</th><th class="num">Handoff took</th><th class="num">Failed attempts</th></tr></thead>
<tbody>
${result.items.map(row)}
</tbody>
</table>`}
<div class="pager">
${pageNumber > 1 ? html`<a href="${href(pageNumber - 1)}" rel="prev">← Newer</a>` : ''}
<span>Page ${pageNumber} of ${pages} · ${result.total} conversation${result.total === 1 ? '' : 's'}</span>
${pageNumber < pages ? html`<a href="${href(pageNumber + 1)}" rel="next">Older →</a>` : ''}
</div>`
  return page({ title: 'Conversations', section: 'conversations', body })
}
