// Wraps a history store so every failed operation is published by name (the error itself still propagates).
// A Proxy rather than a hand-written wrapper, so methods added to the store later are counted too, and so a
// method replaced on the wrapped object is still counted.
import type { Telemetry } from '../telemetry.js'
import type { HistoryStore } from './types.js'

type Method = (...args: unknown[]) => Promise<unknown>

export function instrumentStore (store: HistoryStore, telemetry: Telemetry): HistoryStore {
  // One wrapper per method, made on first use: no allocation per call on the webhook path.
  const wrappers = new WeakMap<Method, Method>()
  return new Proxy(store, {
    get (target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'close' || property === 'constructor') return value
      const method = value as Method
      let wrapper = wrappers.get(method)
      if (wrapper === undefined) {
        wrapper = async (...args: unknown[]) => {
          try {
            return await method.apply(target, args)
          } catch (err) {
            telemetry.publish('storeError', { operation: property })
            throw err
          }
        }
        wrappers.set(method, wrapper)
      }
      return wrapper
    }
  })
}
