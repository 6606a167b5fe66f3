// Estimates of what the embedded store's parts cost on the V8 heap (64-bit, no pointer compression, as Node
// ships), so HISTORY_MAX_BYTES bounds the heap rather than a count. Calibrated against heapUsed after a forced
// GC (test/memory-bytes.test.ts checks they stay close for max-size and typical records).
import type { HandoffFailure } from './types.js'

/** A V8 sequential string: 16-byte header, one byte per character if all are Latin-1, else two; 8-aligned. */
export function stringBytes (s: string): number {
  const chars = TWO_BYTE.test(s) ? 2 * s.length : s.length
  return (16 + chars + 7) & ~7
}

const TWO_BYTE = /[\u0100-\uffff]/

/** One slot of an array. */
const SLOT = 8
/** One entry of a Map (key, value, chain and its share of the buckets) with its spare capacity. */
const MAP_ENTRY = 68
/** A number outside the small-integer range is a boxed HeapNumber. */
const HEAP_NUMBER = 16

/** One encoded history entry in the record's list. */
export function entryBytes (encoded: string): number {
  return stringBytes(encoded) + SLOT
}

/** One message-id marker: the id, its Map entry and the boxed time it may be forgotten at. */
export function markerBytes (messageId: string): number {
  return stringBytes(messageId) + MAP_ENTRY + HEAP_NUMBER
}

/** An encoded audit trail. */
export function trailBytes (trail: readonly string[] | undefined): number {
  if (trail === undefined) return 0
  let bytes = 48
  for (const line of trail) bytes += trailLineBytes(line)
  return bytes
}

/** One line of a trail (what trailBytes adds for it). */
export function trailLineBytes (line: string): number {
  return stringBytes(line) + SLOT
}

/** Kept failures: each an object of four fields with its strings. */
export function failureBytes (failures: readonly HandoffFailure[] | undefined): number {
  if (failures === undefined) return 0
  let bytes = 48
  for (const f of failures) bytes += 64 + SLOT + stringBytes(f.at) + stringBytes(f.code) + stringBytes(f.message)
  return bytes
}

/**
 * Per conversation whatever its content: the record, its box and its list (with spare capacity), the cache's
 * slots and key map entry, the activity-order Map entry and the conversation id they share. Measured: about
 * 950 bytes for a conversation of one short event.
 */
export const RECORD_OVERHEAD = 900
