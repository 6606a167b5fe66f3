// The console's pure rendering, without a server: escaping of hostile input, the chart, the counters window.
import t, { type Test } from 'tap'
import { escapeHtml, html } from '../src/console/html.js'
import { confidenceChart } from '../src/console/chart.js'
import { conversationState, formatDuration, formatTime } from '../src/console/format.js'
import { listPage } from '../src/console/list-page.js'
import { LiveWindow, type Totals } from '../src/console/live.js'
import { timelinePage } from '../src/console/timeline-page.js'
import { defaultPolicy } from '../src/policy/compile.js'
import type { ConversationSnapshot } from '../src/store/types.js'
import { HOSTILE } from './console-helper.js'

const POLICY = defaultPolicy({ threshold: 0.75, target: { queueId: 'q', skillIds: [], priority: null, languageId: null } })

function hostileSnapshot (): ConversationSnapshot {
  return {
    conversationId: '4ff43965-ec45-4f8c-8019-d83551de6d0a',
    history: HOSTILE.map((text, i) => ({
      event: i === 0 ? '<b>message</b>' : 'message',
      intent: { intent: HOSTILE[(i + 1) % HOSTILE.length] as string, confidence: i / 10 },
      text,
      timestamp: new Date(Date.UTC(2026, 10, 25, 12, 0, i)).toISOString(),
      messageId: HOSTILE[i] as string
    })),
    handoff: {
      state: 'done',
      claimedAt: new Date(Date.UTC(2026, 10, 25, 12, 0, 3)).toISOString(),
      at: new Date(Date.UTC(2026, 10, 25, 12, 0, 4)).toISOString(),
      details: { strategy: HOSTILE[1], queueId: HOSTILE[0], warnings: [HOSTILE[3], HOSTILE[5]], [HOSTILE[2] as string]: HOSTILE[7], nested: { html: HOSTILE[0] } }
    },
    turns: HOSTILE.length,
    // The audit trail holds turn 2 only (recorded under another policy version); the others are decided again.
    decisions: [{
      at: new Date(Date.UTC(2026, 10, 25, 12, 0, 1)).toISOString(),
      turn: 2,
      input: { event: 'message', intent: HOSTILE[2] as string, confidence: 0.1 },
      action: 'HANDOFF',
      ruleId: 'human_request',
      reason: `the customer asked for a human ('${HOSTILE[4] as string}')`,
      threshold: 0.75,
      target: { queueId: 'q', skillIds: [], priority: null, languageId: null },
      policyVersion: 'f00df00df00d',
      outcome: HOSTILE[1] as string
    }],
    failures: [{ at: new Date(Date.UTC(2026, 10, 25, 12, 0, 2)).toISOString(), code: HOSTILE[5] as string, message: HOSTILE[0] as string, retries: 2 }]
  }
}

/** No markup from the input survives: the only tags are the page's own. */
function assertInert (t: Test, page: string): void {
  t.equal(page.match(/<script/g)?.length, 1, 'one script element: the bundled one')
  t.notMatch(page, /<img|<svg onload|<style|<!--|<b>/, 'no injected elements')
  t.notMatch(page, /on(error|load|mouseover)="?window/, 'no injected handlers')
  t.notMatch(page, /'\s*onmouseover='/, 'single quotes do not break out of attributes')
  t.notMatch(page, /<\/td><\/tr><\/table><script/, 'no closing of the table from the outside')
  t.match(page, '&lt;script&gt;window.pwned = 1&lt;/script&gt;', 'shown as text')
  t.match(page, '&amp;lt;already escaped&amp;gt; &amp; ampersands', 'escaped once more, so shown as typed')
}

t.test('escapeHtml covers the characters that end text or quoted attributes', async t => {
  t.equal(escapeHtml('<a href="x" title=\'y\'>&`'), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;')
  const name = '"><script>x</script>'
  t.equal(html`<input value="${name}">`.value, '<input value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">')
  t.equal(html`${[1, '<', html`<i>ok</i>`, null, undefined, false]}`.value, '1&lt;<i>ok</i>', 'arrays, nested safe HTML, blanks')
})

t.test('a hostile transcript, intents, handoff details and failures render as inert text', async t => {
  const page = timelinePage({ snapshot: hostileSnapshot(), policy: POLICY }).value
  assertInert(t, page)
  t.match(page, '&lt;b&gt;message&lt;/b&gt;', 'event names too')
  t.match(page, '&quot;&gt;&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;', 'details values')
  t.match(page, '&#39; onmouseover=&#39;window.pwned=3&#39; x=&#39;', 'detail keys')
  t.match(page, '{&quot;html&quot;:&quot;&lt;script&gt;', 'nested detail objects as escaped JSON')
})

t.test('the timeline shows the recorded decision for a turn, and the live policy\'s for turns without one', async t => {
  const page = timelinePage({ snapshot: hostileSnapshot(), policy: POLICY }).value
  const events = page.slice(page.indexOf('<h2>Events</h2>'), page.indexOf('<h2>Handoff record</h2>'))
  const rows = events.split('<tr>\n<td').slice(1)
  t.equal(rows.length, HOSTILE.length, 'one row per event')
  t.match(rows[1], /HANDOFF[\s\S]*the customer asked for a human \(&#39;&#96;\$\{window\.pwned=5\}&#96;&#39;\)[\s\S]*human_request[\s\S]*policy f00df00df00d/)
  t.match(rows[0], /confidence_below_threshold[\s\S]*not recorded: the live policy now/)
  t.match(page, `version ${POLICY.version}`)
})

t.test('the list escapes intents too, and links only to encoded ids', async t => {
  const snapshot = hostileSnapshot()
  const page = listPage({
    pageNumber: 1,
    result: {
      total: 1,
      items: [{ conversationId: snapshot.conversationId, lastActivity: new Date(0).toISOString(), events: 8, last: snapshot.history[0] ?? null, handoff: snapshot.handoff, failures: 1 }]
    }
  }).value
  assertInertList(t, page)
  t.match(page, `href="/console/conversations/${snapshot.conversationId}"`)
})

function assertInertList (t: Test, page: string): void {
  t.equal(page.match(/<script/g)?.length, 1)
  t.match(page, '&quot;&gt;&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;', 'the last intent, escaped')
}

t.test('list paging: links to the neighbours, the filter kept, the current filter marked', async t => {
  const items = Array.from({ length: 50 }, (_, i) => ({
    conversationId: `id-${i}`, lastActivity: new Date(0).toISOString(), events: 1, last: null, handoff: { state: 'done' as const }, failures: 0
  }))
  const middle = listPage({ result: { items, total: 260 }, state: 'done', pageNumber: 3 }).value
  t.match(middle, 'Page 3 of 6 · 260 conversations')
  t.match(middle, '<a href="/console?state=done&amp;page=2" rel="prev">')
  t.match(middle, '<a href="/console?state=done&amp;page=4" rel="next">')
  t.match(middle, '<a href="/console?state=done" aria-current="page">Handed off or ended</a>')
  t.equal(middle.match(/<tr>/g)?.length, 51, 'header and 50 rows')
  const first = listPage({ result: { items, total: 260 }, pageNumber: 1 }).value
  t.notMatch(first, 'rel="prev"')
  t.match(first, '<a href="/console?page=2" rel="next">')
  const past = listPage({ result: { items: [], total: 260 }, pageNumber: 9 }).value
  t.match(past, 'No conversations on this page.')
  t.notMatch(past, 'rel="next"')
})

t.test('the confidence chart: one point per turn, those under the threshold marked, numbers only in coordinates', async t => {
  const svg = confidenceChart([
    { intent: 'a', confidence: 0.9 }, { intent: '<b>', confidence: 0.5 }, { intent: 'c', confidence: 0.2 }, { intent: 'd', confidence: 1.7 }
  ], 0.75).value
  t.equal(svg.match(/<circle /g)?.length, 4)
  t.equal(svg.match(/class="below"/g)?.length, 2)
  t.match(svg, '<title>Turn 2: &lt;b&gt; 0.50</title>')
  t.match(svg, /points="36\.0,[\d.]+ 258\.7,[\d.]+ 481\.3,[\d.]+ 704\.0,14\.0"/, 'evenly spread, out-of-range confidence clamped to the top')
  t.match(svg, /<line class="threshold" x1="36" x2="704" y1="54\.0" y2="54\.0">/, 'threshold at 0.75 of the height')
  for (const [, value] of svg.matchAll(/ (?:cx|cy|x|y|x1|x2|y1|y2)="([^"]*)"/g)) t.match(value, /^-?\d+(\.\d)?$/)
  t.match(confidenceChart([], 0.75).value, 'No turns recorded.')
  t.equal(confidenceChart([{ intent: 'a', confidence: 0.5 }], 0.75).value.match(/<polyline/g), null, 'one turn: a point, no line')
})

t.test('state and formatting', async t => {
  t.equal(conversationState({ state: 'none' }), 'bot')
  t.equal(conversationState({ state: 'pending' }), 'handing_off')
  t.equal(conversationState({ state: 'done', details: { outcome: 'conversation_ended' } }), 'ended')
  t.equal(conversationState({ state: 'done', details: {} }), 'handed_off')
  t.equal(formatDuration(850), '850 ms')
  t.equal(formatDuration(2450), '2.5 s')
  t.equal(formatDuration(185_000), '3 min 5 s')
  t.equal(formatDuration(null), '')
  t.equal(formatTime('2026-11-25T12:00:00.123Z'), '2026-11-25 12:00:00 UTC')
  t.equal(formatTime('garbage'), '')
})

t.test('live window: rates over the last minute, never extrapolated from a short one', async t => {
  const totals = (at: number, webhooks: number, decided: number, handoffs: number, failures = 0, retries = 0): Totals =>
    ({ at, webhooks, decided, handoffs, handoffFailures: failures, retries })
  const w = new LiveWindow(60_000)
  const start = w.add(totals(0, 0, 0, 0))
  t.equal(start.counters.handoffRate, null, 'no decisions yet')
  const early = w.add(totals(10_000, 30, 20, 5))
  t.equal(early.windowSeconds, 10)
  t.equal(early.counters.webhooksPerMinute, 30, 'ten seconds in: the count so far, not 180/min')
  t.equal(early.counters.handoffRate, 0.25)
  w.add(totals(50_000, 100, 80, 10, 1, 3))
  const later = w.add(totals(70_000, 160, 120, 16, 2, 7))
  t.equal(later.windowSeconds, 60, 'baseline: the newest sample at least a minute old')
  t.equal(later.counters.webhooksPerMinute, 130)
  t.equal(later.counters.handoffRate, 11 / 100)
  t.same([later.counters.failuresInWindow, later.counters.retriesInWindow], [2, 7])
  t.same([later.counters.webhooksTotal, later.counters.handoffsTotal, later.counters.failuresTotal, later.counters.retriesTotal], [160, 16, 2, 7])
  const idle = w.add(totals(600_000, 160, 120, 16, 2, 7))
  t.equal(idle.counters.webhooksPerMinute, 0)
  t.equal(idle.windowSeconds, 530, 'says how far back it had to reach')
})
