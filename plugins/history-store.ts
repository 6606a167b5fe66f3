import fp from 'fastify-plugin'
import { MemoryHistoryStore } from '../src/store/memory.js'
import type { HistoryStore } from '../src/store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    historyStore: HistoryStore
  }
}

export interface HistoryStorePluginOptions {
  /** use this store instead of the embedded one */
  store?: HistoryStore
}

export default fp<HistoryStorePluginOptions>(async (app, opts) => {
  const store = opts.store ?? new MemoryHistoryStore(app.config.history)
  app.decorate('historyStore', store)
  app.addHook('onClose', async () => { await store.close() })
}, { name: 'history-store', dependencies: ['config'] })
