import fp from 'fastify-plugin'
import fastifyEnv from '@fastify/env'
import { EnvSchema, toAppConfig, type AppConfig, type Env } from '../src/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig
  }
}

export interface ConfigPluginOptions {
  /** variables to read instead of process.env (tests) */
  data?: Record<string, unknown>
  /** read a .env file (default true) */
  dotenv?: boolean
}

export default fp<ConfigPluginOptions>(async (app, opts) => {
  try {
    await app.register(fastifyEnv, {
      confKey: 'env',
      schema: EnvSchema,
      dotenv: opts.dotenv ?? true,
      data: opts.data ?? process.env
    })
  } catch (err) {
    throw new Error(`Invalid configuration: ${describeEnvErrors(err)}`)
  }
  const env = (app as unknown as { env: Env }).env
  let config: AppConfig
  try {
    config = toAppConfig(env)
  } catch (err) {
    throw new Error(`Invalid configuration: ${err instanceof Error ? err.message : String(err)}`)
  }
  app.decorate('config', config)
}, { name: 'config' })

interface AjvError { keyword: string, instancePath: string, message?: string, params: { missingProperty?: string } }

/** One line naming every missing and every invalid variable. */
export function describeEnvErrors (err: unknown): string {
  const errors = (err as { errors?: AjvError[] }).errors
  if (!Array.isArray(errors)) return err instanceof Error ? err.message : String(err)
  const missing = errors.filter(e => e.keyword === 'required').map(e => e.params.missingProperty)
  // An `if` error only repeats the `then` error it comes with.
  const invalid = errors.filter(e => e.keyword !== 'required' && e.keyword !== 'if').map(e => `${e.instancePath.replace(/^\//, '')} ${e.message ?? 'is invalid'}`)
  const parts: string[] = []
  if (missing.length > 0) parts.push(`missing required setting(s) ${missing.join(', ')}`)
  if (invalid.length > 0) parts.push(invalid.join('; '))
  return parts.join('; ')
}
