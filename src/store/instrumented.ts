// Wraps a history store so every failed operation is counted by name (the error itself still propagates).
// A Proxy rather than a hand-written wrapper, so methods added to the store later are counted too.
import type { HistoryStore } from './types.js'

export function instrumentStore (store: HistoryStore, onError: (operation: string) => void): HistoryStore {
  return new Proxy(store, {
    get (target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'close') return value
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
        } catch (err) {
          onError(property)
          throw err
        }
      }
    }
  })
}
