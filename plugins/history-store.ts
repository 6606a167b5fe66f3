import fp from 'fastify-plugin'
import { MemoryHistoryStore } from '../src/store/memory.js'
import { RedisHistoryStore } from '../src/store/redis.js'
import { instrumentStore } from '../src/store/instrumented.js'
import type { HistoryStore } from '../src/store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** the conversation store; every failed operation is published on telemetry */
    historyStore: HistoryStore
  }
}

export interface HistoryStorePluginOptions {
  /** use this store instead of the configured one */
  store?: HistoryStore
}

export default fp<HistoryStorePluginOptions>(async (app, opts) => {
  const { redis, history } = app.config
  let store: HistoryStore
  if (opts.store !== undefined) {
    store = opts.store
  } else if (redis !== null) {
    const shared = new RedisHistoryStore({ ...history, ...redis, log: app.log })
    // Start even when Redis is not up yet: readiness reports it and the client keeps reconnecting.
    if (!await shared.connect()) app.log.warn('Redis not reachable at startup: /health/ready answers 503 until it is')
    store = shared
  } else {
    store = new MemoryHistoryStore(history)
  }
  app.decorate('historyStore', instrumentStore(store, app.telemetry))
  app.addHook('onClose', async () => { await store.close() })
}, { name: 'history-store', dependencies: ['config', 'telemetry'] })
