// What the deploy files are checked against: the service's own facts (settings, defaults, routes, timing),
// read from the code rather than repeated here, and small readers for the files themselves (compose YAML,
// HAProxy config, Kubernetes YAML with a kustomize subset).
import { readFileSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, parseAllDocuments } from 'yaml'
import type { FastifyInstance } from 'fastify'
import { build } from './helper.js'
import { EnvSchema } from '../src/schemas/env.js'
import { VERIFY_WINDOW_MS } from '../src/strategies/platform-api.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const repoFile = (...parts: string[]): string => join(ROOT, ...parts)
export const readText = (...parts: string[]): string => readFileSync(repoFile(...parts), 'utf8')

// --- the service ---

type EnvProperty = { default?: unknown, type?: string }
const properties = EnvSchema.properties as Record<string, EnvProperty>

/** Every setting the service reads. */
export const ENV_NAMES: string[] = Object.keys(properties)

/** A setting's value: the given environment's, else the schema default. */
export function setting (name: string, env: Record<string, unknown> = {}): unknown {
  if (!(name in properties)) throw new Error(`${name} is not a setting of the service`)
  return env[name] ?? properties[name]?.default
}

/** The longest a webhook may take: the handoff deadline plus the check of a transfer whose outcome was unclear. */
export function longestWebhookMs (env: Record<string, unknown> = {}): number {
  return Number(setting('HANDOFF_DEADLINE_MS', env)) + VERIFY_WINDOW_MS
}

export interface ServiceFacts {
  app: FastifyInstance
  /** the route answers the method (registered, and not a 404 when called) */
  serves: (method: 'GET' | 'POST', url: string) => Promise<boolean>
  keepAliveTimeoutMs: number
}

/** The service as tests build it: its routes and its HTTP server settings. */
export async function serviceFacts (t: Teardown): Promise<ServiceFacts> {
  const app = await build(t)
  return {
    app,
    serves: async (method, url) => {
      if (!app.hasRoute({ method, url })) return false
      const res = await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) })
      return res.statusCode !== 404
    },
    keepAliveTimeoutMs: app.server.keepAliveTimeout
  }
}

// --- durations ---

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** HAProxy time: a number with an optional unit, milliseconds by default. */
export function haproxyMs (value: string): number {
  const match = /^(\d+)(us|ms|s|m|h|d)?$/.exec(value)
  if (match === null) throw new Error(`not an HAProxy time: ${value}`)
  return Number(match[1]) * UNITS[match[2] ?? 'ms']!
}

/** Compose duration: `30s`, `1m30s`, `1500ms`. */
export function composeMs (value: string): number {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|us|s|m|h)/g)]
  if (parts.length === 0 || parts.map(p => p[0]).join('') !== value) throw new Error(`not a compose duration: ${value}`)
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS[unit ?? 'ms']!, 0)
}

// --- HAProxy ---

export interface HaproxySection { kind: string, name: string, lines: string[][] }

/** Sections of an HAProxy config, each with its directives split into words (comments dropped). */
export function parseHaproxy (text: string): HaproxySection[] {
  const sections: HaproxySection[] = []
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim()
    if (line === '') continue
    const words = line.split(/\s+/)
    if (/^\S/.test(raw) && ['global', 'defaults', 'frontend', 'backend', 'listen', 'resolvers', 'peers', 'userlist'].includes(words[0]!)) {
      sections.push({ kind: words[0]!, name: words[1] ?? '', lines: [] })
    } else {
      const current = sections.at(-1)
      if (current === undefined) throw new Error(`directive outside a section: ${line}`)
      current.lines.push(words)
    }
  }
  return sections
}

/** The directives of a section that start with the given words. */
export function directives (section: HaproxySection | undefined, ...start: string[]): string[][] {
  return (section?.lines ?? []).filter(words => start.every((w, i) => words[i] === w))
}

// --- YAML ---

export function readYaml<T = unknown> (...parts: string[]): T {
  return parse(readText(...parts), { merge: true }) as T
}

export function readYamlDocuments (path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map(doc => doc.toJS())
}

export { existsSync }
