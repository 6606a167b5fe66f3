// The process's file-descriptor limit, so the connection cap leaves descriptors for everything else. Without
// one to spare, process.memoryUsage() (the load-shedding probe) throws EMFILE and outbound calls fail.
import { readFileSync } from 'node:fs'

/** Descriptors kept for the process itself: stdio, the event loop, Redis, DNS, /proc reads. */
export const OWN_DESCRIPTORS = 64

/** The soft limit on open files (`ulimit -n`), or null where /proc does not tell (not Linux). */
export function openFileLimit (limitsFile = '/proc/self/limits'): number | null {
  try {
    const line = readFileSync(limitsFile, 'utf8').split('\n').find(l => l.startsWith('Max open files'))
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0]
    if (soft === undefined || soft === 'unlimited') return null
    const n = Number(soft)
    return Number.isInteger(n) && n > 0 ? n : null
  } catch {
    return null
  }
}

export interface ConnectionCap {
  /** client connections accepted at most */
  maxConnections: number
  /** MAX_CONNECTIONS was lowered to fit the descriptor limit */
  lowered: boolean
}

/**
 * MAX_CONNECTIONS, lowered when the descriptor limit cannot hold that many client sockets beside the
 * outbound pools (`reserved`) and the process's own descriptors; at least 1.
 */
export function connectionCap (configured: number, fdLimit: number | null, reserved: number): ConnectionCap {
  if (fdLimit === null) return { maxConnections: configured, lowered: false }
  const fits = Math.max(1, fdLimit - reserved - OWN_DESCRIPTORS)
  return fits < configured ? { maxConnections: fits, lowered: true } : { maxConnections: configured, lowered: false }
}
