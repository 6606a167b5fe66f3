// Wraps a history store so every failed operation is published by name (the error itself still propagates).
// A Proxy rather than a hand-written wrapper, so methods added to the store later are counted too, and so a
// method replaced on the wrapped object is still counted.
import type { Telemetry } from '../telemetry.js'
import type { HistoryStore } from './types.js'

type Method = (...args: unknown[]) => unknown

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
        const publish = (): void => { telemetry.publish('storeError', { operation: property }) }
        // Not an async function: the caller gets the store's own promise, with the publish attached beside it
        // (that branch settles without an error, so nothing is left unhandled), and no extra await.
        wrapper = (...args: unknown[]) => {
          let result: unknown
          try {
            result = method.apply(target, args)
          } catch (err) {
            publish()
            return Promise.reject(err)
          }
          const promise = result instanceof Promise ? result : Promise.resolve(result)
          promise.then(undefined, publish)
          return promise
        }
        wrappers.set(method, wrapper)
      }
      return wrapper
    }
  })
}
