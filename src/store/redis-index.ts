// The recent-conversations index on Redis: sorted sets scored by last activity, so the console pages through
// conversations newest first without scanning the keyspace. Bounded (HISTORY_MAX_CONVERSATIONS) and expiring
// (HISTORY_TTL_SECONDS) like the conversations themselves. It is a view: the conversation's own keys are the
// truth, and a listing re-files any entry it finds out of date (e.g. a claim that lapsed on its own).
// On a Redis Cluster the index keys (one {index} hash tag) sit on a single slot, so one node carries every
// index update; they are never touched by a conversation's scripts, which stay on the conversation's slot.
import type { RedisClient } from './redis-connection.js'
import type { HandoffState } from './types.js'

/** Script argument per state; 0 keeps the state the conversation is filed under. */
const STATE_ARG: Record<HandoffState, number> = { none: 1, pending: 2, done: 3 }

export interface IndexEntry {
  conversationId: string
  /** last activity, ms */
  at: number
}

export interface RecentIndexOptions {
  ttlSeconds: number
  maxConversations: number
  now: () => number
}

export class RecentIndex {
  constructor (private readonly client: RedisClient, private readonly opts: RecentIndexOptions) {}

  /** Files the conversation as active now (or at `at`), under `state`, or under its filed state when null. */
  async touch (conversationId: string, state: HandoffState | null, at = this.opts.now()): Promise<void> {
    const { ttlSeconds, maxConversations } = this.opts
    await this.client.indexTouch(key(), key('none'), key('pending'), key('done'), conversationId, at,
      state === null ? 0 : STATE_ARG[state], ttlSeconds, maxConversations, this.opts.now() - ttlSeconds * 1000)
  }

  /** One page, newest first, and how many entries the set holds. */
  async page (state: HandoffState | undefined, offset: number, limit: number): Promise<{ total: number, entries: IndexEntry[] }> {
    const set = key(state)
    const replies = await this.client.multi().zcard(set).zrevrange(set, offset, offset + limit - 1, 'WITHSCORES').exec()
    if (replies === null) throw new Error('Redis aborted the index read')
    for (const [err] of replies) if (err !== null) throw err
    const total = replies[0]?.[1] as number
    const flat = replies[1]?.[1] as string[]
    const entries: IndexEntry[] = []
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ conversationId: flat[i] as string, at: Number(flat[i + 1]) })
    return { total, entries }
  }

  /** Drops a conversation whose keys have expired. */
  async forget (conversationId: string): Promise<void> {
    await this.client.multi().zrem(key(), conversationId).zrem(key('none'), conversationId)
      .zrem(key('pending'), conversationId).zrem(key('done'), conversationId).exec()
  }
}

/** The index keys share the {index} hash tag: one Cluster slot, never mixed with a conversation's keys. */
function key (state?: HandoffState): string {
  return state === undefined ? '{index}:recent' : `{index}:state:${state}`
}
