// express-session style store for @fastify/session, so browser sessions share the process's store.
import { LRUCache } from 'lru-cache'
import type { Session } from 'fastify'
import type { SessionStore } from '@fastify/session'

export class MemorySessionStore implements SessionStore {
  private readonly cache: LRUCache<string, Session>
  constructor (max: number, defaultTtlMs: number, now: () => number) {
    // ttlResolution 0: read the (possibly injected) clock on every check.
    this.cache = new LRUCache<string, Session>({ max, ttl: defaultTtlMs, perf: { now }, ttlResolution: 0 })
  }

  set (sessionId: string, session: Session, callback: (err?: unknown) => void): void {
    const maxAge = session.cookie?.originalMaxAge
    this.cache.set(sessionId, session, typeof maxAge === 'number' && maxAge > 0 ? { ttl: maxAge } : undefined)
    callback()
  }

  get (sessionId: string, callback: (err: unknown, result?: Session | null) => void): void {
    callback(null, this.cache.get(sessionId) ?? null)
  }

  destroy (sessionId: string, callback: (err?: unknown) => void): void {
    this.cache.delete(sessionId)
    callback()
  }
}
