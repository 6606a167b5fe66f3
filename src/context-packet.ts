// The context packet: what the agent sees about the bot conversation when the handoff reaches them,
// written as participant attributes (string values only). Bounded per value and in total, with
// e-mail addresses, phone numbers and card-like numbers masked unless redaction is turned off.
import type { ContextPacketLimits } from './config.js'
import type { Decision } from './schemas/decision.js'
import type { HistoryEntry } from './store/types.js'

export const PACKET_PREFIX = 'handoff.'
// The attribute names, made once rather than per packet.
const REASON = `${PACKET_PREFIX}reason`
const RULE = `${PACKET_PREFIX}rule`
const INTENT = `${PACKET_PREFIX}intent`
const CONFIDENCE = `${PACKET_PREFIX}confidence`
const TURN_COUNT = `${PACKET_PREFIX}turnCount`
const AT = `${PACKET_PREFIX}at`
const TRAJECTORY = `${PACKET_PREFIX}confidenceTrajectory`
const TRANSCRIPT = `${PACKET_PREFIX}transcript`
const TRUNCATED = `${PACKET_PREFIX}truncated`
const ELLIPSIS = '…'

export interface ContextPacketInput {
  decision: Decision
  history: HistoryEntry[]
  /** when the handoff started (ISO time) */
  at: string
}

export interface ContextPacketOptions extends ContextPacketLimits {
  redact: boolean
}

// 13–19 digits, optionally grouped by spaces or dashes: card numbers (PAN) and similar.
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g
// An optional +, then digits with the separators phone numbers are written with; checked for 7–15 digits.
const PHONE = /(?:\+|\(|\b)\d[\d ().-]{5,}\d\b/g
// The lookbehind starts an address only where a run of local-part characters starts: without it, a long run
// with an '@' and no domain after it was rescanned from each of its characters (quadratic time).
const EMAIL = /(?<![\p{L}\p{N}._%+'-])[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

/** Masks e-mail addresses, card-like numbers and phone numbers in free text. */
export function maskSensitive (text: string): string {
  // Most messages have neither: skip the regular expressions (this runs on every stored event).
  const email = text.includes('@')
  if (!email && !/\d/.test(text)) return text
  return (email ? text.replace(EMAIL, '[email]') : text)
    .replace(CARD, '[card]')
    .replace(PHONE, (match) => {
      const digits = match.replace(/\D/g, '').length
      if (digits < 7 || digits > 15 || ISO_DATE.test(match)) return match
      return '[phone]'
    })
}

/** Cuts text to at most max characters, marking the cut. */
export function truncate (text: string, max: number): string {
  if (text.length <= max) return text
  if (max <= ELLIPSIS.length) return text.slice(0, max)
  return text.slice(0, max - ELLIPSIS.length) + ELLIPSIS
}

function size (attributes: Record<string, string>): number {
  let total = 0
  for (const key in attributes) total += key.length + (attributes[key] ?? '').length
  return total
}

function transcriptLine (entry: HistoryEntry): string {
  const text = entry.text.replace(/\s+/g, ' ').trim()
  return `${entry.timestamp.slice(11, 19)} ${entry.event} [${entry.intent.intent} ${entry.intent.confidence}]: ${text}`
}

/**
 * Builds the attributes. The fixed facts (reason, rule, intent, confidence, turns) always fit; the
 * confidence trajectory and transcript take the rest of the budget, oldest transcript lines dropped first.
 */
export function buildContextPacket (input: ContextPacketInput, opts: ContextPacketOptions): Record<string, string> {
  const clean = (text: string): string => truncate(opts.redact ? maskSensitive(text) : text, opts.maxValueChars)
  const { decision, history } = input
  const recent = opts.maxEvents === 0 ? [] : history.slice(-opts.maxEvents)
  const packet: Record<string, string> = {}
  packet[REASON] = clean(decision.reason)
  packet[RULE] = clean(`${decision.rule} (threshold ${decision.threshold})`)
  packet[INTENT] = clean(decision.intent)
  packet[CONFIDENCE] = String(decision.confidence)
  packet[TURN_COUNT] = String(history.length)
  packet[AT] = input.at
  let truncated = false
  const budget = (): number => opts.maxTotalChars - size(packet)

  const trajectory = recent.map(e => String(e.intent.confidence)).join(' > ')
  if (trajectory !== '') {
    // Keep the newest values when it must be cut.
    const room = Math.min(opts.maxValueChars, budget() - TRAJECTORY.length)
    if (room >= trajectory.length) packet[TRAJECTORY] = trajectory
    else if (room > ELLIPSIS.length + 4) {
      packet[TRAJECTORY] = ELLIPSIS + trajectory.slice(trajectory.length - room + ELLIPSIS.length)
      truncated = true
    } else truncated = true
  }

  const reserve = TRUNCATED.length + 'true'.length
  const lines = recent.map(e => truncate(opts.redact ? maskSensitive(transcriptLine(e)) : transcriptLine(e), opts.maxValueChars))
  const room = Math.min(opts.maxValueChars, budget() - TRANSCRIPT.length - reserve)
  let kept = lines.slice()
  while (kept.length > 0 && kept.join('\n').length > room) kept = kept.slice(1)
  if (kept.length < lines.length || lines.some(l => l.endsWith(ELLIPSIS))) truncated = true
  if (kept.length === 0 && lines.length > 0 && room > 20) {
    // Not even the newest line fits whole: keep its start.
    kept = [truncate(lines[lines.length - 1] ?? '', room)]
  }
  if (kept.length > 0) packet[TRANSCRIPT] = kept.join('\n')
  if (truncated || size(packet) + reserve > opts.maxTotalChars) packet[TRUNCATED] = 'true'
  return shrinkToFit(packet, opts.maxTotalChars)
}

/** Last resort for small totals: cut the longest values until the whole packet fits. */
function shrinkToFit (packet: Record<string, string>, max: number): Record<string, string> {
  let over = size(packet) - max
  while (over > 0) {
    const [key, value] = Object.entries(packet).reduce((a, b) => (b[1].length > a[1].length ? b : a))
    if (value.length <= ELLIPSIS.length) break
    packet[key] = truncate(value, Math.max(ELLIPSIS.length, value.length - over))
    over = size(packet) - max
  }
  return packet
}

/** The longest context summary a flow-based handoff carries (Bot Connector parameter, Data Action output). */
export const SUMMARY_MAX_CHARS = 500
const SUMMARY_MESSAGES = 3

/**
 * One line for a flow to put in front of the agent: why, how many turns, the last few customer messages.
 * Masked before it is cut, so a cut never leaves half a card number unmasked.
 */
export function contextSummary (input: Omit<ContextPacketInput, 'at'>, opts: ContextPacketOptions): string {
  const { decision, history } = input
  const recent = history.slice(-Math.min(opts.maxEvents, SUMMARY_MESSAGES))
    .map(e => e.text.replace(/\s+/g, ' ').trim())
    .filter(text => text !== '')
  const turns = `${history.length} turn${history.length === 1 ? '' : 's'}`
  const text = `${decision.reason}; ${turns}${recent.length > 0 ? `; last: ${recent.join(' | ')}` : ''}`
  return truncate(opts.redact ? maskSensitive(text) : text, Math.min(SUMMARY_MAX_CHARS, opts.maxValueChars))
}
