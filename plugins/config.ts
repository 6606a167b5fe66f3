import fp from 'fastify-plugin'
import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { loadConfig, type AppConfig } from '../src/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig
  }
}

export interface ConfigPluginOptions {
  /** variables to read instead of process.env (tests) */
  data?: Record<string, unknown>
  /** read a .env file in the working directory (default true); variables already set win */
  dotenv?: boolean
}

/** The variables to configure from: `.env` (if read) under the given data or process.env. */
export function rawEnvironment (opts: ConfigPluginOptions = {}): Record<string, unknown> {
  const data = opts.data ?? process.env
  return (opts.dotenv ?? true) ? { ...readDotenv('.env'), ...data } : { ...data }
}

function readDotenv (path: string): Record<string, string> {
  try {
    return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw err
  }
}

export default fp<ConfigPluginOptions>(async (app, opts) => {
  // Throws a ConfigError naming every bad variable at once.
  app.decorate('config', loadConfig(rawEnvironment(opts)))
}, { name: 'config' })
