// How the console words states, times, durations and numbers: one place, shared by the server-rendered
// pages (the live counters' script formats the same way, see assets.ts).
import { CONVERSATION_ENDED } from '../handoff.js'
import type { HandoffRecord } from '../store/types.js'

export type ConversationState = 'bot' | 'handing_off' | 'handed_off' | 'ended'

export function conversationState (handoff: HandoffRecord): ConversationState {
  if (handoff.state === 'none') return 'bot'
  if (handoff.state === 'pending') return 'handing_off'
  return handoff.details?.outcome === CONVERSATION_ENDED ? 'ended' : 'handed_off'
}

export const STATE_LABELS: Record<ConversationState, string> = {
  bot: 'With the bot',
  handing_off: 'Handing off',
  handed_off: 'Handed off',
  ended: 'Ended before handoff'
}

/** `2026-11-25 12:00:00 UTC`; the empty string for a missing or unreadable time. */
export function formatTime (iso: string | undefined): string {
  if (iso === undefined) return ''
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return ''
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
}

/** Milliseconds between two ISO times, or null when either is missing. */
export function durationMs (fromIso: string | undefined, toIso: string | undefined): number | null {
  if (fromIso === undefined || toIso === undefined) return null
  const ms = Date.parse(toIso) - Date.parse(fromIso)
  return Number.isNaN(ms) ? null : ms
}

/** `850 ms`, `2.4 s`, `3 min 5 s`. */
export function formatDuration (ms: number | null): string {
  if (ms === null) return ''
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`
}

export function formatConfidence (confidence: number): string {
  return confidence.toFixed(2)
}

export function formatPercent (ratio: number | null): string {
  return ratio === null ? '–' : `${(ratio * 100).toFixed(1)} %`
}

export function formatRate (perMinute: number): string {
  return perMinute.toFixed(1)
}
