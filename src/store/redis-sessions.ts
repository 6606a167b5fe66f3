// express-session style store for @fastify/session on the same Redis, under `<prefix>session:<id>`, so an
// operator's session opened on one instance is accepted by every other.
import type { RedisClient } from './redis-connection.js'
import type { Session } from 'fastify'
import type { SessionStore } from '@fastify/session'

export class RedisSessionStore implements SessionStore {
  constructor (
    private readonly client: RedisClient,
    private readonly defaultTtlSeconds: number,
    private readonly now: () => number,
    private readonly unavailable: (err: unknown) => Error
  ) {}

  set (sessionId: string, session: Session, callback: (err?: unknown) => void): void {
    const ttlMs = this.ttlMs(session)
    const key = `session:${sessionId}`
    const done = ttlMs > 0
      ? this.client.set(key, JSON.stringify(session), 'PX', ttlMs)
      : this.client.del(key)
    done.then(() => { callback() }, (err: unknown) => { callback(this.unavailable(err)) })
  }

  get (sessionId: string, callback: (err: unknown, result?: Session | null) => void): void {
    this.client.get(`session:${sessionId}`).then(
      (json) => { callback(null, json === null ? null : JSON.parse(json) as Session) },
      (err: unknown) => { callback(this.unavailable(err)) })
  }

  destroy (sessionId: string, callback: (err?: unknown) => void): void {
    this.client.del(`session:${sessionId}`).then(() => { callback() }, (err: unknown) => { callback(this.unavailable(err)) })
  }

  /** Until the cookie expires; without one, the history TTL. */
  private ttlMs (session: Session): number {
    const cookie = session.cookie as { expires?: Date | string | null, originalMaxAge?: number | null } | undefined
    if (cookie?.expires !== undefined && cookie.expires !== null) return new Date(cookie.expires).getTime() - this.now()
    if (typeof cookie?.originalMaxAge === 'number') return cookie.originalMaxAge
    return this.defaultTtlSeconds * 1000
  }
}
